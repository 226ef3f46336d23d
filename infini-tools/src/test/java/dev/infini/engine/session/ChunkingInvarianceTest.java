package dev.infini.engine.session;

import dev.infini.engine.OneTorchThread;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.model.InfiniModel;
import dev.infini.tools.TestCheckpoints;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * How tokens are cut into append calls does not matter: one call, random chunks and one token at a time over five
 * segment boundaries give the same logits, the same per-token scores and the same state (M, z, counters, open
 * segment).
 */
@ExtendWith(OneTorchThread.class) // tiny shapes: per-op overhead dominates, and spinning threads hurt
class ChunkingInvarianceTest {

    private static final int SEGMENT = 8;
    private static final int TOKENS = 5 * SEGMENT + 3;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(MemoryUpdate.class)
    void oneCallRandomChunksAndSingleTokensAgree(MemoryUpdate update) {
        Path dir = TestCheckpoints.write(tmp.resolve("model"),
                TestCheckpoints.config(64, 2, 4, 2, 16, 96, SEGMENT, update), 3, 0.2);
        int[] tokens = new Random(5).ints(TOKENS, 0, TestCheckpoints.VOCAB).toArray();
        try (InfiniModel model = InfiniModel.load(dir, EngineOptions.builder().device("cpu").build())) {
            List<double[]> scores = new ArrayList<>();
            List<float[]> logits = new ArrayList<>();
            List<SessionState> states = new ArrayList<>();

            try (Session session = new Session(model)) {
                scores.add(session.appendScored(tokens));
                logits.add(session.lastLogits());
                states.add(session.snapshot());
            }
            for (long seed : new long[] {1, 2, 3}) {
                Random random = new Random(seed);
                try (Session session = new Session(model)) {
                    double[] scored = new double[TOKENS];
                    int done = 0;
                    while (done < TOKENS) {
                        int take = Math.min(TOKENS - done, 1 + random.nextInt(2 * SEGMENT + 2));
                        double[] part = session.appendScored(Arrays.copyOfRange(tokens, done, done + take));
                        System.arraycopy(part, 0, scored, done, take);
                        done += take;
                    }
                    scores.add(scored);
                    logits.add(session.lastLogits());
                    states.add(session.snapshot());
                }
            }
            try (Session session = new Session(model)) {
                double[] scored = new double[TOKENS];
                for (int t = 0; t < TOKENS; t++) {
                    scored[t] = session.appendScored(new int[] {tokens[t]})[0];
                }
                scores.add(scored);
                logits.add(session.lastLogits());
                states.add(session.snapshot());
            }

            SessionState reference = states.get(0);
            assertThat(reference.segmentsFolded()).isEqualTo(TOKENS / SEGMENT);
            assertThat(reference.memory()).as("the memory took something in").isNotEqualTo(new float[reference.memory().length]);
            for (int i = 1; i < states.size(); i++) {
                String way = i == states.size() - 1 ? "token by token" : "random chunks #" + i;
                SessionState state = states.get(i);
                assertThat(state.tokensSeen()).as(way).isEqualTo(TOKENS);
                assertThat(state.segmentsFolded()).as(way).isEqualTo(reference.segmentsFolded());
                assertThat(state.openTokens()).as(way).containsExactly(reference.openTokens());
                assertThat(state.openTokens()).as(way).containsExactly(Arrays.copyOfRange(tokens, TOKENS - 3, TOKENS));
                assertCloseRelative(state.memory(), reference.memory(), way + ": M");
                assertCloseRelative(state.normalizer(), reference.normalizer(), way + ": z");
                assertThat(logits.get(i)).as(way + ": last logits").containsExactly(logits.get(0), within(1e-4f));
                assertThat(scores.get(i)[0]).as(way + ": nothing precedes the first token").isNaN();
                for (int t = 1; t < TOKENS; t++) {
                    assertThat(scores.get(i)[t]).as(way + ": log p of token " + t)
                            .isCloseTo(scores.get(0)[t], within(1e-4));
                }
            }
        }
    }

    private static void assertCloseRelative(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            // M and z are sums over every token seen: compare relative to their size
            assertThat((double) actual[i]).as(what + "[" + i + "]")
                    .isCloseTo(expected[i], within(1e-4 * Math.max(1, Math.abs(expected[i]))));
        }
    }
}
