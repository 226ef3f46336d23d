package dev.infini.tools.cli;

import ai.djl.ndarray.NDManager;
import dev.infini.engine.OneTorchThread;
import dev.infini.engine.SharedData;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.session.Session;
import dev.infini.engine.weights.Checkpoint;
import dev.infini.tools.train.TrainableModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/**
 * {@code infini average}: the element-wise mean of checkpoints of one model, on stories260k converted to Infini and
 * two checkpoints of its shape with other weights, one stored in BF16.
 */
@ExtendWith(OneTorchThread.class)
class AverageCommandTest {

    private static final int N = 16;

    /** stories260k as an Infini checkpoint, and two of its shape with fresh random weights, the second in BF16. */
    private static List<Path> threeCheckpoints(Path dir) throws Exception {
        Path converted = dir.resolve("a");
        assertThat(InfiniCli.run("convert", SharedData.stories260k().toString(), "-o", converted.toString(),
                "--segment-length", String.valueOf(N), "--gate-init", "-2")).isZero();
        Path random = dir.resolve("b");
        Path half = dir.resolve("c");
        try (NDManager root = NDManager.newBaseManager(ai.djl.Device.cpu());
             TrainableModel model = TrainableModel.fromScratch(root, ModelConfig.read(converted), 1.5f, 7)) {
            model.save(random, converted);
            model.save(half, converted, "BF16");
        }
        return List.of(converted, random, half);
    }

    @Test
    void everyWeightOfTheOutputIsTheMeanOfTheInputsWidenedToFloat32(@TempDir Path dir) throws Exception {
        List<Path> inputs = threeCheckpoints(dir);
        Files.writeString(inputs.get(0).resolve("generation_config.json"), "{\"do_sample\": false}");
        Path out = dir.resolve("mean");
        assertThat(InfiniCli.run("average", inputs.get(0).toString(), inputs.get(1).toString(),
                inputs.get(2).toString(), "-o", out.toString())).isZero();
        assertThat(out.resolve("generation_config.json")).as("the sampling defaults the model ships with")
                .hasContent("{\"do_sample\": false}");

        Checkpoint mean = Checkpoint.open(out);
        List<Checkpoint> sources = inputs.stream().map(Checkpoint::open).toList();
        assertThat(mean.names()).containsExactlyInAnyOrderElementsOf(sources.get(0).names());
        for (String name : mean.names()) {
            long[] shape = mean.info(name).shape();
            assertThat(mean.info(name).dtype()).isEqualTo("F32");
            float[] got = toArray(mean.readFloats(name, shape));
            float[][] in = sources.stream().map(c -> toArray(c.readFloats(name, shape))).toArray(float[][]::new);
            for (int i = 0; i < got.length; i++) {
                double expected = ((double) in[0][i] + in[1][i] + in[2][i]) / 3;
                assertThat((double) got[i]).as("%s[%d]", name, i).isCloseTo(expected, offset(1e-6 + 1e-6 * Math.abs(expected)));
            }
        }
        assertThat(ModelConfig.read(out)).isEqualTo(ModelConfig.read(inputs.get(0)));
        assertThat(Files.mismatch(out.resolve("tokenizer.json"), inputs.get(0).resolve("tokenizer.json"))).isEqualTo(-1);
        try (InfiniModel model = InfiniModel.load(out, EngineOptions.builder().device("cpu").build());
             Session session = new Session(model)) {
            session.append(model.tokenizer().encode("Once upon a time, there was a little girl."));
            float[] logits = session.lastLogits();
            assertThat(logits).hasSize(ModelConfig.read(out).vocabSize());
            for (float logit : logits) {
                assertThat(Float.isFinite(logit)).isTrue();
            }
        }
    }

    @Test
    void storesTheMeanAtSixteenBitsOnRequestAndShowsItsProgress(@TempDir Path dir) throws Exception {
        List<Path> inputs = threeCheckpoints(dir);
        Path out = dir.resolve("mean");
        assertThat(errorOf(0, "average", inputs.get(0).toString(), inputs.get(1).toString(), "-o",
                out.toString(), "--dtype", "bf16")).as("progress").contains("average of 2", "100%", "parameters");
        Checkpoint mean = Checkpoint.open(out);
        String name = "model.layers.0.self_attn.q_proj.weight";
        assertThat(mean.info(name).dtype()).isEqualTo("BF16");
        assertThat(Files.readString(out.resolve("config.json"))).contains("\"torch_dtype\": \"bfloat16\"");
    }

    @Test
    void refusesCheckpointsOfAnotherModelAndAnOutputAmongItsInputs(@TempDir Path dir) throws Exception {
        List<Path> inputs = threeCheckpoints(dir);
        Path longer = dir.resolve("longer");
        assertThat(InfiniCli.run("convert", inputs.get(0).toString(), "-o", longer.toString(),
                "--segment-length", String.valueOf(2 * N))).isZero();
        Path plain = SharedData.stories260k();
        Path out = dir.resolve("mean");

        assertThat(errorOf(2, "average", inputs.get(0).toString(), longer.toString(), "-o", out.toString()))
                .contains(longer + " has another config.json than " + inputs.get(0));
        assertThat(errorOf(2, "average", plain.toString(), inputs.get(0).toString(), "-o", out.toString()))
                .contains("is not an Infini checkpoint").contains("convert it first");
        assertThat(errorOf(2, "average", inputs.get(0).toString(), inputs.get(1).toString(), "-o",
                inputs.get(1).toString())).contains("another folder than its input");
        assertThat(errorOf(2, "average", inputs.get(0).toString(), "-o", out.toString()))
                .contains("DIR");
        assertThat(out).doesNotExist();
        assertThat(Checkpoint.open(inputs.get(1)).info("model.norm.weight").dtype()).isEqualTo("F32");
    }

    /** Runs the CLI, checks its exit code and returns what it wrote to standard error. */
    private static String errorOf(int code, String... args) {
        PrintStream before = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(InfiniCli.run(args)).isEqualTo(code);
        } finally {
            System.setErr(before);
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    private static float[] toArray(FloatBuffer buffer) {
        float[] out = new float[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
