package dev.infini.engine.model;

import dev.infini.engine.DecodePath;
import dev.infini.engine.OneTorchThread;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryMode;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.session.Session;
import dev.infini.engine.session.SessionState;
import dev.infini.tools.TestCheckpoints;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The engine agrees with {@link Float64Reference}, a plain double-precision transcription of the equations, on the
 * logits of every position over seven segments and on the memory (M, z) that results, for both update rules, with
 * GQA, with qwen2's q/k/v biases and an untied head, with Llama 3 RoPE scaling, and with the memory switched off
 * or zeroed; decoding token by token through the Java decode step and through PyTorch.
 */
@ExtendWith(OneTorchThread.class) // tiny shapes: per-op overhead dominates, and spinning threads hurt
class EngineMatchesFloat64ReferenceTest {

    private static final int SEGMENT = 8;
    private static final int TOKENS = 7 * SEGMENT + 5; // seven full segments, then an open one

    @TempDir
    Path tmp;

    static Stream<Arguments> shapes() {
        return Stream.of(DecodePath.values()).flatMap(path -> shapesOnly().map(a -> Arguments.of(a.get()[0],
                a.get()[1], a.get()[2], path)));
    }

    private static Stream<Arguments> shapesOnly() {
        return Stream.of(
                Arguments.of("GQA 4/2, linear", TestCheckpoints.config(64, 2, 4, 2, 16, 96, SEGMENT,
                        MemoryUpdate.LINEAR), MemoryMode.ON),
                Arguments.of("GQA 4/2, delta", TestCheckpoints.config(64, 2, 4, 2, 16, 96, SEGMENT,
                        MemoryUpdate.DELTA), MemoryMode.ON),
                Arguments.of("qwen2 biases, untied head, GQA 6/2, delta", TestCheckpoints.config("qwen2", 48, 2, 6, 2, 8,
                        80, SEGMENT, MemoryUpdate.DELTA, true), MemoryMode.ON),
                Arguments.of("MHA 4/4, linear, 3 layers", TestCheckpoints.config(32, 3, 4, 4, 8, 64, SEGMENT,
                        MemoryUpdate.LINEAR), MemoryMode.ON),
                Arguments.of("Llama 3 RoPE scaling, theta 500000, delta", new ModelConfig("llama", 64, 96, 2, 4, 2, 16,
                        TestCheckpoints.VOCAB, 1e-5, 500000.0, new ModelConfig.RopeScaling(8, 1, 4, 64), false, true, 1,
                        java.util.Set.of(2), new ModelConfig.InfiniSettings(SEGMENT, MemoryUpdate.DELTA)), MemoryMode.ON),
                Arguments.of("GQA 4/2, memory off", TestCheckpoints.config(64, 2, 4, 2, 16, 96, SEGMENT,
                        MemoryUpdate.LINEAR), MemoryMode.OFF),
                Arguments.of("GQA 4/2, zeroed control", TestCheckpoints.config(64, 2, 4, 2, 16, 96, SEGMENT,
                        MemoryUpdate.LINEAR), MemoryMode.ZEROED));
    }

    @ParameterizedTest(name = "{0}, {3} decode")
    @MethodSource("shapes")
    void logitsAndMemoryMatchTheReferenceOverManySegments(String name, ModelConfig config, MemoryMode mode,
                                                          DecodePath path) throws Exception {
        Path dir = TestCheckpoints.write(tmp.resolve("model"), config, 42, 0.2);
        int[] tokens = new Random(7).ints(TOKENS, 0, TestCheckpoints.VOCAB).toArray();

        Float64Reference reference = new Float64Reference(dir, mode);
        double[][] expected = new double[TOKENS][];
        for (int t = 0; t < TOKENS; t++) {
            expected[t] = reference.step(tokens[t]);
        }

        try (InfiniModel model = path.load(dir, EngineOptions.builder().memoryMode(mode).build())) {
            assertThat(model.memoryMode()).isEqualTo(mode);
            // token by token: every position's logits
            try (Session session = new Session(model)) {
                for (int t = 0; t < TOKENS; t++) {
                    session.append(new int[] {tokens[t]});
                    assertClose(session.lastLogits(), expected[t], 1e-4, "token-by-token logits at position " + t);
                }
                assertMemoryMatches(session.snapshot(), reference, config);
            }
            // random chunks that straddle segment boundaries: the logits after each chunk
            Random chunks = new Random(11);
            try (Session session = new Session(model)) {
                int done = 0;
                while (done < TOKENS) {
                    int take = Math.min(TOKENS - done, 1 + chunks.nextInt(2 * SEGMENT));
                    session.append(Arrays.copyOfRange(tokens, done, done + take));
                    done += take;
                    assertClose(session.lastLogits(), expected[done - 1], 1e-4, "chunked logits at position " + (done - 1));
                }
                assertThat(session.segmentsFolded()).isEqualTo(TOKENS / SEGMENT);
                assertMemoryMatches(session.snapshot(), reference, config);
            }
        }
    }

    /**
     * Segments of 1024 tokens appended in chunks of up to 1024: the engine scores such chunks in blocks of query
     * rows, and every position's log-probability must still match the reference.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(MemoryUpdate.class)
    void largeChunksOfLongSegmentsMatchTheReferenceAtEveryPosition(MemoryUpdate update) throws Exception {
        int segment = 1024;
        ModelConfig config = TestCheckpoints.config(32, 1, 4, 2, 8, 48, segment, update);
        Path dir = TestCheckpoints.write(tmp.resolve("long"), config, 43, 0.2);
        int[] tokens = new Random(8).ints(2 * segment + 500, 0, TestCheckpoints.VOCAB).toArray();
        Float64Reference reference = new Float64Reference(dir, MemoryMode.ON);
        double[][] expected = new double[tokens.length][];
        for (int t = 0; t < tokens.length; t++) {
            expected[t] = reference.step(tokens[t]);
        }
        try (InfiniModel model = InfiniModel.load(dir, EngineOptions.builder().device("cpu").build());
             Session session = new Session(model)) {
            int done = 0;
            for (int take : new int[] {segment, 700, 600, tokens.length - segment - 1300}) {
                double[] scores = session.appendScored(Arrays.copyOfRange(tokens, done, done + take));
                for (int i = 0; i < take; i++) {
                    int t = done + i;
                    if (t > 0) {
                        double want = logSoftmax(expected[t - 1], tokens[t]);
                        if (Math.abs(scores[i] - want) > 1e-4) {
                            fail("log p of token " + t + " is " + scores[i] + " but the reference says " + want);
                        }
                    }
                }
                done += take;
                assertClose(session.lastLogits(), expected[done - 1], 1e-4, "logits at position " + (done - 1));
            }
            assertThat(session.segmentsFolded()).isEqualTo(2);
            assertMemoryMatches(session.snapshot(), reference, config);
        }
    }

    private static double logSoftmax(double[] logits, int target) {
        double max = Arrays.stream(logits).max().orElseThrow();
        double sum = 0;
        for (double v : logits) {
            sum += Math.exp(v - max);
        }
        return logits[target] - max - Math.log(sum);
    }

    private static void assertMemoryMatches(SessionState state, Float64Reference reference, ModelConfig config) {
        int d = config.headDim();
        int kv = config.numKvHeads();
        for (int l = 0; l < config.numLayers(); l++) {
            for (int h = 0; h < kv; h++) {
                double[][] m = reference.memory(l, h);
                double[] z = reference.normalizer(l, h);
                for (int r = 0; r < d; r++) {
                    double actualZ = state.normalizer()[(l * kv + h) * d + r];
                    assertRelativelyClose(actualZ, z[r], "z[" + l + "][" + h + "][" + r + "]");
                    for (int c = 0; c < d; c++) {
                        double actualM = state.memory()[((l * kv + h) * d + r) * d + c];
                        assertRelativelyClose(actualM, m[r][c], "M[" + l + "][" + h + "][" + r + "][" + c + "]");
                    }
                }
            }
        }
    }

    private static void assertRelativelyClose(double actual, double expected, String what) {
        // M and z are sums over many tokens: compare relative to their size
        if (Math.abs(actual - expected) > 1e-4 * Math.max(1, Math.abs(expected))) {
            fail(what + ": engine " + actual + ", reference " + expected);
        }
    }

    static void assertClose(float[] actual, double[] expected, double tolerance, String what) {
        assertThat(actual).hasSize(expected.length);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs(actual[i] - expected[i]);
            if (diff > worst) {
                worst = diff;
                at = i;
            }
        }
        if (worst > tolerance) {
            fail(what + ": logit " + at + " is " + actual[at] + " but the reference says " + expected[at]
                    + " (difference " + worst + ")");
        }
    }
}
