package dev.infini.engine.weights;

import dev.infini.engine.DecodePath;
import dev.infini.engine.OneTorchThread;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.session.Session;
import dev.infini.tools.TestCheckpoints;
import dev.infini.tools.checkpoint.RandomCheckpoint;
import dev.infini.tools.checkpoint.SafetensorsWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * One model stored as F32, F16, BF16 or in shards gives the same logits: exactly the same for shards, the same up
 * to the rounding of the weights for F16 and BF16, and exactly the logits of an F32 checkpoint holding those rounded
 * weights, so the widening itself adds nothing.
 */
@ExtendWith(OneTorchThread.class) // tiny shapes: per-op overhead dominates, and spinning threads hurt
class CheckpointFormatsTest {

    private static final int SEGMENT = 8;

    @TempDir
    static Path tmp;
    private static Path original;
    private static int[] tokens;
    private static float[][] originalLogits;

    @BeforeAll
    static void writeOriginal() {
        // untied head and qwen2 biases: every kind of tensor goes through the conversion
        ModelConfig config = TestCheckpoints.config("qwen2", 64, 2, 4, 2, 16, 96, SEGMENT,
                dev.infini.engine.config.MemoryUpdate.DELTA, true);
        original = TestCheckpoints.write(tmp.resolve("f32"), config, 31, 0.1);
        tokens = new Random(4).ints(3 * SEGMENT + 3, 0, TestCheckpoints.VOCAB).toArray();
        originalLogits = logits(original);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"F16, 0.01", "BF16, 0.08"})
    void reducedPrecisionCheckpointsGiveTheOriginalsLogits(String dtype, double tolerance) throws IOException {
        Path reduced = TestCheckpoints.copyWithoutWeights(original, tmp.resolve(dtype));
        SafetensorsWriter.write(reduced.resolve("model.safetensors"), TestCheckpoints.readAll(original), null, dtype);
        assertThat(Checkpoint.open(reduced).info("model.embed_tokens.weight").dtype()).isEqualTo(dtype);
        assertThat(Files.size(reduced.resolve("model.safetensors")))
                .isLessThan(Files.size(original.resolve("model.safetensors")) * 6 / 10);

        float[][] reducedLogits = logits(reduced);
        for (int t = 0; t < tokens.length; t++) {
            assertThat(reducedLogits[t]).as("%s logits at position %d", dtype, t)
                    .containsExactly(originalLogits[t], within((float) tolerance));
        }

        // the same rounded weights written back as F32: the engine's widening must be exact
        Path widened = TestCheckpoints.copyWithoutWeights(original, tmp.resolve(dtype + "-as-f32"));
        SafetensorsWriter.write(widened.resolve("model.safetensors"), TestCheckpoints.readAll(reduced), null);
        float[][] widenedLogits = logits(widened);
        for (int t = 0; t < tokens.length; t++) {
            assertThat(reducedLogits[t]).as("%s vs its F32 widening at position %d", dtype, t)
                    .containsExactly(widenedLogits[t], within(1e-5f));
        }
    }

    @Test
    void aRandomCheckpointWrittenInF16HoldsTheRoundedF32Weights() {
        ModelConfig config = TestCheckpoints.tiny();
        Path f32 = TestCheckpoints.write(tmp.resolve("random-f32"), config, 77, 0.2);
        Path f16 = RandomCheckpoint.builder(config).tokenizerFrom(dev.infini.engine.SharedData.stories260k())
                .seed(77).initStd(0.2).dtype("F16").build().writeTo(tmp.resolve("random-f16"), null).dir();
        Map<String, SafetensorsWriter.Tensor> full = TestCheckpoints.readAll(f32);
        Map<String, SafetensorsWriter.Tensor> half = TestCheckpoints.readAll(f16);
        assertThat(half.keySet()).containsExactlyElementsOf(full.keySet());
        full.forEach((name, tensor) -> {
            float[] expected = tensor.data().clone();
            for (int i = 0; i < expected.length; i++) {
                expected[i] = Dtypes.halfToFloat(Dtypes.floatToHalf(expected[i]));
            }
            assertThat(half.get(name).data()).as(name).containsExactly(expected);
        });
    }

    @Test
    void aShardedCheckpointGivesIdenticalLogits() throws IOException {
        Path sharded = TestCheckpoints.copyWithoutWeights(original, tmp.resolve("sharded"));
        List<Path> files = SafetensorsWriter.writeCheckpoint(sharded, TestCheckpoints.readAll(original), "F32",
                100 * 1024);
        assertThat(files).hasSizeGreaterThan(3);
        assertThat(files.get(files.size() - 1).getFileName()).hasToString("model.safetensors.index.json");
        assertThat(sharded.resolve("model.safetensors")).doesNotExist();
        try (Stream<Path> list = Files.list(sharded)) {
            assertThat(list.filter(p -> p.toString().endsWith(".tmp"))).isEmpty();
        }
        float[][] shardedLogits = logits(sharded);
        for (int t = 0; t < tokens.length; t++) {
            assertThat(shardedLogits[t]).as("position %d", t).containsExactly(originalLogits[t]);
        }
    }

    @Test
    void aRandomCheckpointCanBeWrittenInShards() {
        ModelConfig config = TestCheckpoints.tiny();
        Path single = TestCheckpoints.write(tmp.resolve("random-single"), config, 5, 0.2);
        RandomCheckpoint sharding = RandomCheckpoint.builder(config)
                .tokenizerFrom(dev.infini.engine.SharedData.stories260k()).seed(5).initStd(0.2)
                .maxShardBytes(64 * 1024).build();
        RandomCheckpoint.Result result = sharding.writeTo(tmp.resolve("random-sharded"), null);
        List<String> names = result.files().stream().map(p -> p.getFileName().toString()).toList();
        assertThat(names).contains("model.safetensors.index.json", "config.json", "tokenizer.json")
                .doesNotContain("model.safetensors");
        assertThat(names.stream().filter(n -> n.matches("model-\\d{5}-of-\\d{5}\\.safetensors"))).hasSizeGreaterThan(2);
        assertThat(names.get(names.size() - 1)).isEqualTo("config.json");
        Map<String, SafetensorsWriter.Tensor> a = TestCheckpoints.readAll(single);
        Map<String, SafetensorsWriter.Tensor> b = TestCheckpoints.readAll(result.dir());
        assertThat(b.keySet()).containsExactlyElementsOf(a.keySet());
        a.forEach((name, tensor) -> assertThat(b.get(name).data()).as(name).containsExactly(tensor.data()));
    }

    /**
     * Token-by-token logits through PyTorch's ops: deterministic on one thread. The Java decode step's vector sums
     * may add in another order once the JIT has compiled them, so two loads could differ in the last bit there.
     */
    private static float[][] logits(Path dir) {
        try (InfiniModel model = DecodePath.TORCH.load(dir, EngineOptions.defaults());
             Session session = new Session(model)) {
            float[][] out = new float[tokens.length][];
            for (int t = 0; t < tokens.length; t++) {
                session.append(new int[] {tokens[t]});
                out[t] = session.lastLogits();
            }
            return out;
        }
    }
}
