package dev.infini.engine.session;

import dev.infini.engine.OneTorchThread;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.model.InfiniModel;
import dev.infini.tools.TestCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * One loaded model serves several conversations at once: sessions running on different threads get exactly what
 * they get one after another, so conversations never see each other's state.
 */
@ExtendWith(OneTorchThread.class) // tiny shapes: per-op overhead dominates, and spinning threads hurt
class ConcurrentSessionsTest {

    private static final int SEGMENT = 8;
    private static final int CONVERSATIONS = 4;

    @TempDir
    Path tmp;

    @Test
    void sessionsOnParallelThreadsMatchSequentialRuns() throws Exception {
        Path dir = TestCheckpoints.write(tmp.resolve("model"), TestCheckpoints.config(64, 2, 4, 2, 16, 96, SEGMENT,
                MemoryUpdate.DELTA), 12, 0.2);
        try (InfiniModel model = InfiniModel.load(dir, EngineOptions.builder().device("cpu").build())) {
            List<int[]> conversations = new ArrayList<>();
            for (int c = 0; c < CONVERSATIONS; c++) {
                conversations.add(new Random(c).ints(6 * SEGMENT + c, 0, TestCheckpoints.VOCAB).toArray());
            }
            List<float[][]> sequential = new ArrayList<>();
            for (int[] tokens : conversations) {
                sequential.add(run(model, tokens));
            }
            ExecutorService pool = Executors.newFixedThreadPool(CONVERSATIONS);
            try {
                List<Future<float[][]>> parallel = new ArrayList<>();
                for (int[] tokens : conversations) {
                    Callable<float[][]> task = () -> run(model, tokens);
                    parallel.add(pool.submit(task));
                }
                for (int c = 0; c < CONVERSATIONS; c++) {
                    float[][] expected = sequential.get(c);
                    float[][] actual = parallel.get(c).get(2, TimeUnit.MINUTES);
                    for (int step = 0; step < expected.length; step++) {
                        assertThat(actual[step]).as("conversation %d, chunk %d", c, step)
                                .containsExactly(expected[step], within(1e-6f));
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    // appends in chunks of 3 and returns the logits after each, then the final M
    private static float[][] run(InfiniModel model, int[] tokens) {
        try (Session session = new Session(model)) {
            List<float[]> out = new ArrayList<>();
            for (int done = 0; done < tokens.length; done += 3) {
                session.append(java.util.Arrays.copyOfRange(tokens, done, Math.min(tokens.length, done + 3)));
                out.add(session.lastLogits());
            }
            out.add(session.snapshot().memory());
            return out.toArray(new float[0][]);
        }
    }
}
