package dev.infini.tools.checkpoint;

import dev.infini.engine.CheckpointException;
import dev.infini.engine.InvalidInputException;
import dev.infini.engine.OneTorchThread;
import dev.infini.engine.SharedData;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryMode;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.weights.Checkpoint;
import dev.infini.tools.TestCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link RandomCheckpoint} writes a complete, loadable checkpoint folder that is a pure function of shape and seed,
 * reports its progress, streams so that a ~100M-parameter model fits in a small heap, and never leaves a partial
 * folder or overwrites one.
 */
@ExtendWith(OneTorchThread.class) // tiny shapes: per-op overhead dominates, and spinning threads hurt
class RandomCheckpointTest {

    @TempDir
    Path tmp;

    @Test
    void theFolderLoadsWithTheGivenShapeGatesAndTokenizer() throws IOException {
        ModelConfig config = TestCheckpoints.config("qwen2", 48, 3, 6, 2, 8, 80, 16, MemoryUpdate.DELTA, true);
        RandomCheckpoint random = RandomCheckpoint.builder(config).tokenizerFrom(SharedData.stories260k()).seed(1)
                .build();
        RandomCheckpoint.Result result = random.writeTo(tmp.resolve("model"), null);

        assertThat(ModelConfig.read(result.dir())).isEqualTo(config);
        assertThat(Files.readString(result.dir().resolve("tokenizer.json")))
                .isEqualTo(Files.readString(SharedData.stories260k().resolve("tokenizer.json")));
        assertThat(result.dir().resolve("tokenizer_config.json")).exists();
        Checkpoint checkpoint = Checkpoint.open(result.dir());
        for (int layer = 0; layer < 3; layer++) {
            assertThat(checkpoint.info("model.layers." + layer + ".self_attn.memory_gate").shape())
                    .containsExactly(6);
            assertThat(checkpoint.info("model.layers." + layer + ".self_attn.k_proj.bias").shape()).containsExactly(16);
        }
        assertThat(checkpoint.has("lm_head.weight")).isTrue();
        long elements = checkpoint.names().stream().mapToLong(n -> checkpoint.info(n).elementCount()).sum();
        assertThat(result.parameterCount()).isEqualTo(elements).isEqualTo(random.parameterCount());
        assertThat(result.weightBytes()).isEqualTo(4 * elements);
        assertThat(random.tensors()).hasSize(checkpoint.names().size());

        try (InfiniModel model = InfiniModel.load(result.dir(), EngineOptions.builder().device("cpu").build())) {
            assertThat(model.memoryMode()).isEqualTo(MemoryMode.ON);
            assertThat(model.segmentLength()).isEqualTo(16);
            assertThat(model.memoryUpdate()).isEqualTo(MemoryUpdate.DELTA);
            assertThat(model.parameterCount()).isEqualTo(result.parameterCount());
            assertThat(model.tokenizer().encode("Once upon a time")).startsWith(1);
        }
    }

    @Test
    void theWeightsArePureFunctionsOfShapeAndSeed() throws IOException {
        ModelConfig config = TestCheckpoints.tiny();
        Path a = TestCheckpoints.write(tmp.resolve("a"), config, 9, 0.02);
        Path b = TestCheckpoints.write(tmp.resolve("b"), config, 9, 0.02);
        Path c = TestCheckpoints.write(tmp.resolve("c"), config, 10, 0.02);
        byte[] weightsA = Files.readAllBytes(a.resolve("model.safetensors"));
        assertThat(Files.readAllBytes(b.resolve("model.safetensors"))).isEqualTo(weightsA);
        assertThat(Files.readAllBytes(c.resolve("model.safetensors"))).isNotEqualTo(weightsA);

        Map<String, SafetensorsWriter.Tensor> tensors = TestCheckpoints.readAll(a);
        assertThat(stats(tensors.get("model.layers.0.mlp.up_proj.weight").data())).satisfies(s -> {
            assertThat(s[0]).as("mean").isBetween(-0.002, 0.002);
            assertThat(s[1]).as("std").isBetween(0.019, 0.021);
        });
        assertThat(stats(tensors.get("model.norm.weight").data())[0]).as("norm weights near 1").isBetween(0.99, 1.01);
        float[] gate = tensors.get("model.layers.1.self_attn.memory_gate").data();
        assertThat(gate).hasSize(4).doesNotHaveDuplicates();
    }

    @Test
    void aFixedGateInitialisationSetsEveryBeta() {
        Path dir = RandomCheckpoint.builder(TestCheckpoints.tiny()).tokenizerFrom(SharedData.stories260k())
                .gateInit(-2f).build().writeTo(tmp.resolve("model"), null).dir();
        Map<String, SafetensorsWriter.Tensor> tensors = TestCheckpoints.readAll(dir);
        assertThat(tensors.get("model.layers.0.self_attn.memory_gate").data()).containsOnly(-2f);
        assertThat(tensors.get("model.layers.1.self_attn.memory_gate").data()).containsOnly(-2f);
    }

    @Test
    void progressCoversEveryTensorAndEndsAtTheTotal() {
        RandomCheckpoint random = RandomCheckpoint.builder(TestCheckpoints.tiny())
                .tokenizerFrom(SharedData.stories260k()).dtype("BF16").build();
        List<long[]> updates = new ArrayList<>();
        Set<String> tensors = new LinkedHashSet<>();
        random.writeTo(tmp.resolve("model"), (tensor, written, total) -> {
            updates.add(new long[] {written, total});
            tensors.add(tensor);
        });
        assertThat(tensors).containsExactlyElementsOf(random.tensors().stream().map(SafetensorsWriter.Spec::name)
                .toList());
        for (int i = 1; i < updates.size(); i++) {
            assertThat(updates.get(i)[0]).isGreaterThan(updates.get(i - 1)[0]);
        }
        long[] last = updates.get(updates.size() - 1);
        assertThat(last[0]).isEqualTo(last[1]).isEqualTo(random.weightBytes())
                .isEqualTo(random.parameterCount() * 2);
    }

    @Test
    void anExistingFolderWithFilesIsNeverOverwritten() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        Files.writeString(dir.resolve("notes.txt"), "mine");
        RandomCheckpoint random = RandomCheckpoint.builder(TestCheckpoints.tiny())
                .tokenizerFrom(SharedData.stories260k()).build();
        assertThatThrownBy(() -> random.writeTo(dir, null)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("not an empty folder");
        assertThat(Files.readString(dir.resolve("notes.txt"))).isEqualTo("mine");
        try (Stream<Path> list = Files.list(dir)) {
            assertThat(list).hasSize(1);
        }
        // an empty folder is fine
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThat(random.writeTo(empty, null).dir().resolve("config.json")).exists();
    }

    @Test
    void aTokenizerLargerThanTheVocabularyIsRefusedAndNothingIsLeftBehind() throws IOException {
        ModelConfig tooSmall = new ModelConfig("llama", 32, 64, 1, 2, 1, 16, 300, 1e-5, 10000, null, false, true, 1,
                Set.of(2), new ModelConfig.InfiniSettings(8, MemoryUpdate.LINEAR));
        RandomCheckpoint random = RandomCheckpoint.builder(tooSmall).tokenizerFrom(SharedData.stories260k()).build();
        assertThatThrownBy(() -> random.writeTo(tmp.resolve("model"), null))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("ids up to 511").hasMessageContaining("vocab_size is 300");
        try (Stream<Path> list = Files.list(tmp)) {
            assertThat(list).isEmpty();
        }
        assertThatThrownBy(() -> RandomCheckpoint.builder(TestCheckpoints.tiny()).tokenizerFrom(tmp).build()
                .writeTo(tmp.resolve("model"), null))
                .isInstanceOf(CheckpointException.class).hasMessageContaining(tmp.resolve("tokenizer.json").toString());
        assertThatThrownBy(() -> RandomCheckpoint.builder(TestCheckpoints.tiny()).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("tokenizer");
        assertThatThrownBy(() -> RandomCheckpoint.builder(TestCheckpoints.tiny()).tokenizerFrom(tmp).dtype("I8")
                .build()).isInstanceOf(InvalidInputException.class).hasMessageContaining("F32, F16 or BF16");
    }

    /**
     * A ~110M-parameter shape (Llama with hidden 768, 12 layers, vocabulary 32000) is written by a JVM whose heap
     * is 48 MB, less than an eighth of the 440 MB of weights.
     */
    @Test
    void aHundredMillionParameterCheckpointIsStreamedThroughASmallHeap() throws Exception {
        Path dir = tmp.resolve("large");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx48m", "-cp", System.getProperty("java.class.path"), LargeCheckpointWriter.class.getName(),
                dir.toString(), SharedData.stories260k().toString())
                .redirectErrorStream(true);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();

        Checkpoint checkpoint = Checkpoint.open(dir);
        long parameters = checkpoint.names().stream().mapToLong(n -> checkpoint.info(n).elementCount()).sum();
        assertThat(parameters).isBetween(100_000_000L, 130_000_000L);
        assertThat(Files.size(dir.resolve("model.safetensors"))).isGreaterThan(4 * parameters);
        assertThat(output).contains("done " + parameters);
        assertThat(ModelConfig.read(dir).hiddenSize()).isEqualTo(768);
    }

    /** The child process of the streaming test. */
    static final class LargeCheckpointWriter {
        public static void main(String[] args) {
            ModelConfig config = new ModelConfig("llama", 768, 2048, 12, 12, 4, 64, 32000, 1e-5, 10000, null, false,
                    false, 1, Set.of(2), new ModelConfig.InfiniSettings(2048, MemoryUpdate.LINEAR));
            RandomCheckpoint.Result result = RandomCheckpoint.builder(config).tokenizerFrom(Path.of(args[1])).seed(3)
                    .build().writeTo(Path.of(args[0]), RandomCheckpoint.ProgressListener.NONE);
            System.out.println("done " + result.parameterCount());
        }
    }

    private static double[] stats(float[] values) {
        double sum = 0;
        double squares = 0;
        for (float v : values) {
            sum += v;
            squares += (double) v * v;
        }
        double mean = sum / values.length;
        return new double[] {mean, Math.sqrt(squares / values.length - mean * mean)};
    }
}
