package dev.infini.tools.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.SharedData;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryMode;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.session.Session;
import dev.infini.engine.OneTorchThread;
import dev.infini.tools.train.TrainableModel;
import dev.infini.engine.weights.Checkpoint;
import dev.infini.engine.weights.LlamaLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code infini convert} on the real stories260k checkpoint (issue 17): every weight kept, gates and the
 * {@code infini_attention} config added, and with a very negative β the converted model computes what the original
 * computes with segment-local attention, over several segments.
 */
@ExtendWith(OneTorchThread.class)
class ConvertCommandTest {

    /** Short segments, so that the text below spans seven of them and the memory is read in six. */
    private static final int N = 16;
    private static final String TEXT = "Once upon a time, there was a little girl named Lily. She loved to play"
            + " outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too"
            + " high. Lily's mom said, \"Lily, let's go to the park and find a stick.\" They walked and walked.";

    private static Path convert(Path out, String beta) {
        int code = InfiniCli.run("convert", SharedData.stories260k().toString(), "-o", out.toString(),
                "--segment-length", String.valueOf(N), "--memory-update", "delta", "--gate-init", beta);
        assertThat(code).isZero();
        return out;
    }

    @Test
    void keepsEveryWeightAndAddsGatesAndTheInfiniConfig(@TempDir Path out) throws Exception {
        convert(out, "-30");
        Checkpoint original = Checkpoint.open(SharedData.stories260k());
        Checkpoint converted = Checkpoint.open(out);
        for (String name : original.names()) {
            long[] shape = original.info(name).shape();
            // the checkpoint ties its head to the embeddings and also stores it: a copy the engine does not read
            String kept = name.equals("lm_head.weight") ? "model.embed_tokens.weight" : name;
            assertThat(toArray(converted.readFloats(kept, shape))).as(name)
                    .containsExactly(toArray(original.readFloats(name, shape)));
        }
        for (int layer = 0; layer < 5; layer++) {
            String gate = "model.layers." + layer + "." + LlamaLayout.MEMORY_GATE;
            float[] beta = toArray(converted.readFloats(gate, 8));
            assertThat(beta).as(gate).containsOnly(-30f).hasSize(8);
        }
        assertThat(converted.names()).hasSize(original.names().size() - 1 + 5).doesNotContain("lm_head.weight");
        JsonObject config = JsonParser.parseString(Files.readString(out.resolve("config.json"))).getAsJsonObject();
        JsonObject infini = config.getAsJsonObject("infini_attention");
        assertThat(infini.get("segment_length").getAsInt()).isEqualTo(N);
        assertThat(infini.get("memory_update").getAsString()).isEqualTo("delta");
        assertThat(out.resolve("tokenizer.json")).isRegularFile();
    }

    @Test
    void withAVeryNegativeGateTheConvertedModelIsTheOriginalWithSegmentLocalAttention(@TempDir Path out) {
        convert(out, "-30");
        try (InfiniModel original = segmentLocalOriginal();
             InfiniModel converted = InfiniModel.load(out, EngineOptions.builder().device("cpu").build())) {
            assertThat(original.memoryMode()).as("a plain checkpoint runs without memory").isEqualTo(MemoryMode.OFF);
            assertThat(converted.memoryMode()).as("the converted one with it").isEqualTo(MemoryMode.ON);
            assertThat(converted.segmentLength()).isEqualTo(N);
            int[] ids = original.tokenizer().encode(TEXT);
            assertThat(ids.length).as("tokens: several segments").isGreaterThan(6 * N);
            double[][] scores = {scores(original, ids, 5), scores(converted, ids, 5)};
            for (int i = 1; i < ids.length; i++) {
                assertThat(scores[1][i]).as("log p of token %d", i).isCloseTo(scores[0][i],
                        org.assertj.core.data.Offset.offset(1e-5));
            }
            // one token at a time (the decode path) ends at the same logits as well
            assertThat(lastLogitsTokenByToken(converted, ids)).containsExactly(lastLogitsTokenByToken(original, ids),
                    org.assertj.core.data.Offset.offset(1e-4f));
        }
    }

    @Test
    void atBetaZeroTheMemoryChangesTheModelFromTheSecondSegmentOn(@TempDir Path out) {
        convert(out, "0");
        try (InfiniModel original = segmentLocalOriginal();
             InfiniModel converted = InfiniModel.load(out, EngineOptions.builder().device("cpu").build())) {
            int[] ids = original.tokenizer().encode(TEXT);
            double[] plain = scores(original, ids, 5);
            double[] gated = scores(converted, ids, 5);
            for (int i = 1; i < N; i++) {
                assertThat(gated[i]).as("first segment, memory empty: token %d", i).isCloseTo(plain[i],
                        org.assertj.core.data.Offset.offset(1e-5));
            }
            double largest = 0;
            for (int i = N; i < ids.length; i++) {
                largest = Math.max(largest, Math.abs(gated[i] - plain[i]));
            }
            assertThat(largest).as("largest change of a log-probability after the first segment").isGreaterThan(0.05);
        }
    }

    @Test
    void storesAtSixteenBitsOnRequestAndKeepsAnInfiniCheckpointsOwnSettings(@TempDir Path out) throws Exception {
        Path bf16 = out.resolve("bf16");
        assertThat(InfiniCli.run("convert", SharedData.stories260k().toString(), "-o", bf16.toString(),
                "--segment-length", String.valueOf(N), "--gate-init", "-30", "--dtype", "bf16")).isZero();
        Checkpoint original = Checkpoint.open(SharedData.stories260k());
        Checkpoint stored = Checkpoint.open(bf16);
        String name = "model.layers.0.self_attn.q_proj.weight";
        long[] shape = original.info(name).shape();
        assertThat(stored.info(name).dtype()).isEqualTo("BF16");
        assertThat(stored.info(name).bytes()).isEqualTo(original.info(name).bytes() / 2);
        float[] full = toArray(original.readFloats(name, shape));
        float[] half = toArray(stored.readFloats(name, shape));
        for (int i = 0; i < full.length; i++) {
            // BF16 keeps 8 significant bits: rounded to nearest, within half a unit of the last, 2^-8 of the value
            assertThat(half[i]).isCloseTo(full[i], org.assertj.core.data.Offset.offset(Math.abs(full[i]) / 256));
        }
        assertThat(JsonParser.parseString(Files.readString(bf16.resolve("config.json"))).getAsJsonObject()
                .get("torch_dtype").getAsString()).isEqualTo("bfloat16");

        // converting an Infini checkpoint again keeps its segments, update rule and gates unless told otherwise
        Path f16 = out.resolve("f16");
        assertThat(InfiniCli.run("convert", bf16.toString(), "-o", f16.toString(), "--dtype", "F16")).isZero();
        JsonObject config = JsonParser.parseString(Files.readString(f16.resolve("config.json"))).getAsJsonObject();
        assertThat(config.getAsJsonObject("infini_attention").get("segment_length").getAsInt()).isEqualTo(N);
        assertThat(config.get("torch_dtype").getAsString()).isEqualTo("float16");
        Checkpoint again = Checkpoint.open(f16);
        String gate = "model.layers.0." + LlamaLayout.MEMORY_GATE;
        assertThat(again.info(gate).dtype()).isEqualTo("F16");
        assertThat(toArray(again.readFloats(gate, 8))).containsOnly(-30f);

        assertThat(InfiniCli.run("convert", bf16.toString(), "-o", out.resolve("fp8").toString(), "--dtype", "fp8"))
                .isEqualTo(2);
        assertThat(out.resolve("fp8")).doesNotExist();
    }

    @Test
    void refusesToWriteOverItsInput() {
        assertThat(InfiniCli.run("convert", SharedData.stories260k().toString(), "-o",
                SharedData.stories260k().toString())).isEqualTo(2);
    }

    /** The plain stories260k in segments of N: no gates, so segment-local attention and no memory. */
    private static InfiniModel segmentLocalOriginal() {
        return InfiniModel.load(SharedData.stories260k(),
                EngineOptions.builder().device("cpu").segmentLength(N).build());
    }

    /** log p of every token given those before it, appended in chunks that cross segment boundaries. */
    private static double[] scores(InfiniModel model, int[] ids, int chunk) {
        double[] out = new double[ids.length];
        try (Session session = new Session(model)) {
            for (int from = 0; from < ids.length; from += chunk) {
                int to = Math.min(ids.length, from + chunk);
                System.arraycopy(session.appendScored(Arrays.copyOfRange(ids, from, to)), 0, out, from, to - from);
            }
        }
        return out;
    }

    private static float[] lastLogitsTokenByToken(InfiniModel model, int[] ids) {
        try (Session session = new Session(model)) {
            for (int id : ids) {
                session.append(new int[] {id});
            }
            return session.lastLogits();
        }
    }

    private static float[] toArray(FloatBuffer buffer) {
        float[] out = new float[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
