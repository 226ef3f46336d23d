package dev.infini.tools.eval;

import dev.infini.engine.SharedData;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.tokenizer.InfiniTokenizer;
import dev.infini.tools.checkpoint.SafetensorsWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@org.junit.jupiter.api.extension.ExtendWith(dev.infini.engine.OneTorchThread.class)
class PasskeyEvaluatorTest {

    static final String PLANTED = "71432";

    @TempDir
    static Path dir;

    /**
     * A real checkpoint whose greedy continuation of the question is always the planted key: one-hot embeddings
     * (hidden = vocabulary), attention and MLP outputs zeroed, and an untied LM head holding the bigrams
     * "is" → "▁" → "7" → "1" → "4" → "3" → "2".
     */
    @BeforeAll
    static void plantAnswer() throws Exception {
        Path shared = SharedData.stories260k();
        int vocab = 512;
        int[] chain;
        try (InfiniTokenizer tokenizer = InfiniTokenizer.load(shared, vocab)) {
            int[] question = tokenizer.encode(PasskeyPrompt.QUESTION, false);
            int[] key = tokenizer.encode(PLANTED, false);
            chain = new int[key.length + 1];
            chain[0] = question[question.length - 1];
            System.arraycopy(key, 0, chain, 1, key.length);
        }
        ModelConfig config = new ModelConfig("llama", vocab, 8, 1, 2, 1, 8, vocab, 1e-5, 10000.0, null, false, false,
                1, Set.of(2), new ModelConfig.InfiniSettings(64, MemoryUpdate.DELTA));
        Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
        float[] identity = new float[vocab * vocab];
        for (int i = 0; i < vocab; i++) {
            identity[i * vocab + i] = 1f;
        }
        float[] head = new float[vocab * vocab];
        for (int i = 0; i + 1 < chain.length; i++) {
            head[chain[i + 1] * vocab + chain[i]] = 1f;
        }
        t.put("model.embed_tokens.weight", new SafetensorsWriter.Tensor(new long[] {vocab, vocab}, identity));
        String p = "model.layers.0.";
        t.put(p + "input_layernorm.weight", ones(vocab));
        t.put(p + "self_attn.q_proj.weight", zeros(16, vocab));
        t.put(p + "self_attn.k_proj.weight", zeros(8, vocab));
        t.put(p + "self_attn.v_proj.weight", zeros(8, vocab));
        t.put(p + "self_attn.o_proj.weight", zeros(vocab, 16));
        t.put(p + "self_attn.memory_gate", zeros(2));
        t.put(p + "post_attention_layernorm.weight", ones(vocab));
        t.put(p + "mlp.gate_proj.weight", zeros(8, vocab));
        t.put(p + "mlp.up_proj.weight", zeros(8, vocab));
        t.put(p + "mlp.down_proj.weight", zeros(vocab, 8));
        t.put("model.norm.weight", ones(vocab));
        t.put("lm_head.weight", new SafetensorsWriter.Tensor(new long[] {vocab, vocab}, head));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), t, Map.of());
        Files.writeString(dir.resolve("config.json"), config.toJson().toString());
        Files.copy(shared.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.copy(shared.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
    }

    private static SafetensorsWriter.Tensor ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return new SafetensorsWriter.Tensor(new long[] {n}, v);
    }

    private static SafetensorsWriter.Tensor zeros(long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return new SafetensorsWriter.Tensor(shape, new float[(int) n]);
    }

    private static PasskeyEvaluator.Settings settings(List<Long> lengths, List<Double> depths, int trials) {
        return new PasskeyEvaluator.Settings(lengths, depths, trials, 42, 5, 8);
    }

    @Test
    void scoresThePlantedAnswerRightAndAnotherKeyWrongAfterStreamingManySegments() {
        try (InfiniModel model = InfiniModel.load(dir, EngineOptions.builder().device("cpu").build())) {
            PasskeyEvaluator evaluator = new PasskeyEvaluator(model, settings(List.of(1024L), List.of(0.0), 1));
            List<Long> progress = new ArrayList<>();
            PasskeyEvaluator.Trial right = evaluator.runTrial(1024, 0.0, 0, PLANTED, progress::add);
            assertThat(right.output()).contains(PLANTED);
            assertThat(right.correct()).isTrue();
            assertThat(right.needleSegment()).isLessThan(right.questionSegment()); // the needle left the open segment
            assertThat(progress).last().isEqualTo(1024L);
            assertThat(progress).hasSize(16); // one chunk of N = 64 tokens at a time
            PasskeyEvaluator.Trial wrong = evaluator.runTrial(1024, 0.0, 0, "71433", t -> { });
            assertThat(wrong.output()).contains(PLANTED);
            assertThat(wrong.correct()).isFalse();
            assertThat(right.answerNll()).as("the planted key is near certain").isLessThan(0.1);
            assertThat(wrong.answerNll()).isGreaterThan(right.answerNll() + 1);
        }
    }

    @Test
    void reportsAccuracyPerCellAsTableJsonAndHeatmap(@TempDir Path out) throws Exception {
        try (InfiniModel model = InfiniModel.load(dir, EngineOptions.builder().device("cpu").build())) {
            PasskeyEvaluator.Settings settings = settings(List.of(256L, 512L), List.of(0.0, 1.0), 2);
            PasskeyReport report = new PasskeyEvaluator(model, settings).run(tokens -> { });
            assertThat(report.trials()).hasSize(8);
            // the keys are random, so the planted model answers none of them
            assertThat(report.trials()).allSatisfy(t -> assertThat(t.key()).hasSize(5).isNotEqualTo(PLANTED));
            assertThat(report.accuracy(256, 0.0)).isZero();
            assertThat(report.table()).contains("| 0% |", "256", "512");
            report.writeJson(out.resolve("r.json"));
            report.writeHeatmap(out.resolve("r.png"), "test");
            assertThat(Files.readString(out.resolve("r.json"))).contains("\"accuracy\"", "\"key\"");
            assertThat(javax.imageio.ImageIO.read(out.resolve("r.png").toFile()).getWidth()).isGreaterThan(100);
        }
    }

    @Test
    void accuracyIsTheShareOfRightTrialsPerCellAndPerLength() {
        PasskeyEvaluator.Settings settings = settings(List.of(256L, 512L), List.of(0.0, 1.0), 4);
        List<PasskeyEvaluator.Trial> trials = new ArrayList<>();
        // right in 3, 1, 0 and 4 of the 4 trials of the four cells
        int[][] right = {{3, 1}, {0, 4}};
        long[] lengths = {256, 512};
        double[] depths = {0.0, 1.0};
        for (int l = 0; l < 2; l++) {
            for (int d = 0; d < 2; d++) {
                for (int t = 0; t < 4; t++) {
                    trials.add(new PasskeyEvaluator.Trial(lengths[l], depths[d], t, "12345",
                            t < right[l][d] ? "12345" : "54321", t < right[l][d], 0, 1, 0.5, lengths[l]));
                }
            }
        }
        PasskeyReport report = new PasskeyReport(settings, "on", 64, trials);
        assertThat(report.accuracy(256, 0.0)).isEqualTo(0.75);
        assertThat(report.accuracy(256, 1.0)).isEqualTo(0.25);
        assertThat(report.accuracy(512, 0.0)).isZero();
        assertThat(report.accuracy(512, 1.0)).isEqualTo(1.0);
        assertThat(report.accuracy(256)).isEqualTo(0.5);
        assertThat(report.accuracy(512)).isEqualTo(0.5);
        assertThat(report.table()).contains("75%", "25%", "100%");
    }

    @Test
    void promptPlacesTheNeedleAtTheDepthAndEndsWithTheQuestion() {
        try (InfiniTokenizer tokenizer = InfiniTokenizer.load(SharedData.stories260k(), 512)) {
            PasskeyPrompt prompt = new PasskeyPrompt(tokenizer, 1);
            for (double depth : new double[] {0, 0.5, 1}) {
                PasskeyPrompt.Layout layout = prompt.layout(2000, depth, "12345");
                int[] tokens = prompt.tokens(layout, "12345");
                assertThat(tokens).hasSize(2000);
                assertThat(tokens[0]).isEqualTo(1);
                int[] needle = prompt.needle("12345");
                assertThat(java.util.Arrays.copyOfRange(tokens, (int) layout.needleStart(),
                        (int) layout.needleStart() + needle.length)).containsExactly(needle);
                int[] question = prompt.question();
                assertThat(java.util.Arrays.copyOfRange(tokens, 2000 - question.length, 2000)).containsExactly(question);
                String text = tokenizer.decode(tokens);
                assertThat(text).startsWith(PasskeyPrompt.TASK).endsWith(PasskeyPrompt.QUESTION);
                assertThat(text.split("12345", -1)).hasSize(3); // the key appears exactly twice, in the needle
            }
            assertThat(prompt.layout(2000, 0, "12345").needleStart())
                    .isLessThan(prompt.layout(2000, 1, "12345").needleStart());
            assertThatThrownBy(() -> prompt.layout(50, 0.5, "12345")).hasMessageContaining("at least");
        }
    }

    @Test
    void alignNoneEndsEachQuestionInsideASegmentAndSegmentAtTheLengthGiven() {
        try (InfiniModel model = InfiniModel.load(dir, EngineOptions.builder().device("cpu").build())) {
            PasskeyEvaluator.Settings none = new PasskeyEvaluator.Settings(List.of(1024L), List.of(0.5), 40, 42, 5, 8,
                    PasskeyEvaluator.Align.NONE, null);
            PasskeyEvaluator anywhere = new PasskeyEvaluator(model, none);
            PasskeyEvaluator boundary = new PasskeyEvaluator(model, settings(List.of(1024L), List.of(0.5), 40));
            java.util.Set<Long> ends = new java.util.HashSet<>();
            for (int t = 0; t < 40; t++) {
                long length = anywhere.promptLength(1024, 0.5, t);
                assertThat(length % 64).as("the question ends inside a segment").isNotZero();
                assertThat(length).isBetween(1024L - 63, 1023L).isEqualTo(anywhere.promptLength(1024, 0.5, t));
                assertThat(boundary.promptLength(1024, 0.5, t)).isEqualTo(1024);
                ends.add(length);
            }
            assertThat(ends).as("drawn per trial").hasSizeGreaterThan(10);
            PasskeyEvaluator.Trial trial = anywhere.runTrial(1024, 0.5, 3, PLANTED, t -> { });
            assertThat(trial.promptTokens()).isEqualTo(anywhere.promptLength(1024, 0.5, 3));
            assertThat(trial.correct()).isTrue();
        }
    }

    @Test
    void aFillerFileIsTheHaystackEachTrialFromItsOwnPlace(@TempDir Path files) throws Exception {
        Path novel = files.resolve("novel.txt");
        Files.writeString(novel, "Call me Ishmael. Some years ago, never mind how long,\nI thought I would sail about."
                + "\n\nIt is a way I have of driving off the spleen, and regulating the circulation.\n");
        try (InfiniModel model = InfiniModel.load(dir, EngineOptions.builder().device("cpu").build())) {
            PasskeyEvaluator.Settings settings = new PasskeyEvaluator.Settings(List.of(512L), List.of(0.0, 1.0), 3, 42,
                    5, 8, PasskeyEvaluator.Align.SEGMENT, novel);
            PasskeyEvaluator evaluator = new PasskeyEvaluator(model, settings);
            PasskeyReport report = evaluator.run(tokens -> { });
            assertThat(report.trials()).hasSize(6).allSatisfy(t -> assertThat(t.promptTokens()).isEqualTo(512));
            java.util.Set<Long> offsets = new java.util.HashSet<>();
            for (int t = 0; t < 3; t++) {
                offsets.add(evaluator.fillerOffset(512, 0.0, t));
            }
            assertThat(offsets).hasSizeGreaterThan(1);
            PasskeyEvaluator.Trial planted = evaluator.runTrial(512, 0.0, 0, PLANTED, t -> { });
            assertThat(planted.correct()).isTrue();
            report.writeJson(files.resolve("r.json"));
            assertThat(Files.readString(files.resolve("r.json"))).contains("novel.txt", "\"align\": \"segment\"");
        }
        try (InfiniTokenizer tokenizer = InfiniTokenizer.load(SharedData.stories260k(), 512)) {
            int[] filler = PasskeyPrompt.fillerTokens(tokenizer, Files.readString(novel));
            PasskeyPrompt prompt = new PasskeyPrompt(tokenizer, 1, filler);
            int[] tokens = new int[600];
            int[] n = {0};
            prompt.stream(prompt.layout(600, 0.5, "12345"), "12345", 7, t -> tokens[n[0]++] = t);
            String text = tokenizer.decode(tokens);
            assertThat(text).contains("Ishmael", "spleen", "The pass key is 12345.").doesNotContain("grass is green")
                    .endsWith(PasskeyPrompt.QUESTION);
        }
    }

    @Test
    void exactMatchReadsTheFirstInteger() {
        assertThat(PasskeyPrompt.firstInteger(" 71432. Remember")).isEqualTo("71432");
        assertThat(PasskeyPrompt.firstInteger(" 7143 2")).isEqualTo("7143");
        assertThat(PasskeyPrompt.firstInteger(" the grass")).isNull();
        assertThat(PasskeyReport.parseLength("32K")).isEqualTo(32768);
        assertThat(PasskeyReport.parseLength("1m")).isEqualTo(1 << 20);
        assertThat(PasskeyReport.formatLength(131072)).isEqualTo("128K");
        assertThatThrownBy(() -> PasskeyReport.parseLength("lots")).hasMessageContaining("positive number");
    }
}
