package dev.infini.engine.session;

import dev.infini.engine.TestCheckpoints;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.train.OneTorchThread;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streaming a long conversation does not leak: every step's arrays are freed, and a session holds one segment of
 * keys and values at most. The process's resident set is measured after a warm-up and after 100,000 more tokens.
 */
@ExtendWith(OneTorchThread.class) // tiny shapes: per-op overhead dominates, and spinning threads hurt
class NativeMemoryTest {

    private static final int SEGMENT = 1024;
    private static final int CHUNK = 300; // not a divisor of N: chunks straddle segment boundaries

    @TempDir
    Path tmp;

    @Test
    void residentMemoryDoesNotGrowOverAHundredThousandTokens() throws IOException {
        Path dir = TestCheckpoints.write(tmp.resolve("model"), TestCheckpoints.config(32, 1, 2, 1, 16, 48, SEGMENT,
                MemoryUpdate.DELTA), 1, 0.1);
        Random random = new Random(3);
        try (InfiniModel model = InfiniModel.load(dir, EngineOptions.builder().device("cpu").build());
             Session session = model.newSession()) {
            stream(session, random, 20_000);
            System.gc();
            long before = residentBytes();
            long heapBefore = heapCommitted();

            stream(session, random, 100_000);
            System.gc();
            long after = residentBytes();
            // a larger Java heap is not a native leak (and other tests in this JVM leave garbage behind)
            long heapGrowth = Math.max(0, heapCommitted() - heapBefore);

            assertThat(session.tokensSeen()).isGreaterThanOrEqualTo(120_000);
            assertThat(session.lastLogits()).doesNotContain(Float.NaN);
            assertThat(after - before - heapGrowth)
                    .as("resident set growth over 100,000 tokens (%d MB before, heap grew %d MB)", before >> 20,
                            heapGrowth >> 20)
                    .isLessThan(64L << 20);
        }
    }

    private static void stream(Session session, Random random, int tokens) {
        for (int done = 0; done < tokens; done += CHUNK) {
            session.append(random.ints(CHUNK, 0, TestCheckpoints.VOCAB).toArray());
        }
    }

    private static long heapCommitted() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS line in /proc/self/status");
    }
}
