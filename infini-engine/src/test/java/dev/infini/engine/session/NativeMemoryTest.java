package dev.infini.engine.session;

import dev.infini.engine.FreedNativeMemory;
import dev.infini.engine.TestCheckpoints;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.engine.sampling.TokenListener;
import dev.infini.engine.train.OneTorchThread;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.management.JMException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streaming, generating and restoring do not leak: every step's arrays are freed, a session holds one segment of
 * keys and values at most, and a closed session gives back all it had.
 * <p>
 * Each path runs a warm-up, then {@link #ROUNDS} equal rounds. After each round a collection frees every unreachable
 * direct buffer ({@link FreedNativeMemory#collectAndAwaitCleaners}), the JVM hands the native allocator's free pages
 * back ({@code System.trim_native_heap}) and the resident set is read, less the JVM's own non-heap memory (compiled
 * code, class metadata). Two kinds of noise remain, and neither looks like a leak, which grows the same every round:
 * a reading sometimes stands tens of MB high for a moment (memory another thread holds while it works, such as the
 * JIT compiler's), and the allocator grows now and then in one step that does not come back. So each reading is
 * replaced by the lowest of it and the next {@code WINDOW - 1} (the floor, which a moment's rise does not lift), and
 * the median of the floor's rises from one round to the next must stay under half of what the leak each test names
 * adds per round: a step or two move the median not at all, a leak moves every rise.
 */
@ExtendWith(OneTorchThread.class) // tiny shapes: per-op overhead dominates, and spinning threads hurt
class NativeMemoryTest {

    private static final int SEGMENT = 1024;
    // Not a divisor of N, so chunks straddle segment boundaries, and its offsets in the segment repeat every 8 chunks:
    // after the warm-up every shape has been seen (PyTorch keeps per-shape state, which is not a leak).
    private static final int CHUNK = 384;
    private static final int ROUNDS = 12;
    private static final int WINDOW = 3;

    @TempDir
    Path tmp;

    private InfiniModel model;
    private final Random random = new Random(3);

    @BeforeEach
    void loadModel() {
        Path dir = TestCheckpoints.write(tmp.resolve("model"), TestCheckpoints.config(32, 1, 2, 1, 16, 48, SEGMENT,
                MemoryUpdate.DELTA), 1, 0.1);
        model = InfiniModel.load(dir, EngineOptions.builder().device("cpu").build());
    }

    @AfterEach
    void closeModel() {
        model.close();
    }

    @Test
    void appendingOverAHundredThousandTokensLeaksLessThanAHundredBytesPerToken() throws Exception {
        int perRound = 26 * CHUNK;
        try (Session session = model.newSession()) {
            append(session, 52 * CHUNK);
            long rise = medianFloorRise(() -> append(session, perRound));

            assertThat(session.tokensSeen()).isEqualTo((52L + ROUNDS * 26L) * CHUNK);
            assertThat(session.lastLogits()).doesNotContain(Float.NaN);
            assertBelowHalfOfLeak(rise, 100, perRound, "tokens appended");
        }
    }

    @Test
    void generatingLeaksLessThanAHundredBytesPerToken() throws Exception {
        int perRound = 1_500;
        try (Session session = model.newSession()) {
            append(session, CHUNK);
            generate(session, 3 * SEGMENT); // every length of the open segment: every shape
            long rise = medianFloorRise(() -> generate(session, perRound));

            assertThat(session.tokensSeen()).isEqualTo(CHUNK + 3L * SEGMENT + (long) ROUNDS * perRound);
            assertThat(session.lastLogits()).doesNotContain(Float.NaN);
            assertBelowHalfOfLeak(rise, 100, perRound, "tokens generated");
        }
    }

    @Test
    void restoringSessionsFromSnapshotsLeaksLessThanAKilobytePerRestore() throws Exception {
        // A restore allocates a session's memory (M and z) and re-encodes the open segment: leaking any of its
        // arrays costs well over a kilobyte.
        int perRound = 400;
        SessionState snapshot;
        try (Session session = model.newSession()) {
            // memory folded and an open segment to re-encode, so a restore exercises all it restores
            append(session, 2 * SEGMENT + 3);
            snapshot = session.snapshot();
        }
        restore(snapshot, perRound);
        long rise = medianFloorRise(() -> restore(snapshot, perRound));

        assertBelowHalfOfLeak(rise, 1024, perRound, "restores");
    }

    private void append(Session session, int tokens) {
        for (int done = 0; done < tokens; done += CHUNK) {
            session.append(random.ints(CHUNK, 0, TestCheckpoints.VOCAB).toArray());
        }
    }

    private void generate(Session session, int tokens) {
        // sampled (a greedy loop could settle into a cycle), and an end-of-sequence token does not stop it
        GenerationOptions options = GenerationOptions.builder().maxTokens(tokens).temperature(1.0)
                .seed(random.nextLong()).stopOnEos(false).build();
        assertThat(session.generate(options, TokenListener.NONE).tokenIds()).hasSize(tokens);
    }

    /** Restores and closes sessions, half through {@link InfiniModel#restore}, half through {@link Session#restore}. */
    private void restore(SessionState snapshot, int times) {
        for (int i = 0; i < times; i++) {
            try (Session restored = i % 2 == 0 ? model.restore(snapshot) : Session.restore(model, snapshot)) {
                restored.append(new int[] {i % TestCheckpoints.VOCAB});
            }
        }
    }

    private static void assertBelowHalfOfLeak(long rise, long leakPerStep, int stepsPerRound, String steps) {
        long leakPerRound = leakPerStep * stepsPerRound;
        assertThat(rise).as("median rise of the resident floor per round of %d %s (a leak of %d bytes each adds %d)",
                stepsPerRound, steps, leakPerStep, leakPerRound).isLessThan(leakPerRound / 2);
    }

    /** Runs {@code round} {@link #ROUNDS} times; the median rise of the floor per round, as the class says. */
    private static long medianFloorRise(Runnable round) throws Exception {
        long[] resident = new long[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            round.run();
            resident[i] = settledResidentBytes() - nonHeapCommitted();
        }
        System.out.printf("resident set less non-heap after each round (KB): %s%n",
                Arrays.toString(Arrays.stream(resident).map(r -> r >> 10).toArray()));
        long[] floor = new long[ROUNDS - WINDOW + 1];
        for (int i = 0; i < floor.length; i++) {
            floor[i] = Arrays.stream(resident, i, i + WINDOW).min().orElseThrow();
        }
        long[] rises = new long[floor.length - 1];
        for (int i = 0; i < rises.length; i++) {
            rises[i] = floor[i + 1] - floor[i];
        }
        Arrays.sort(rises);
        return rises[rises.length / 2];
    }

    private static long settledResidentBytes() throws Exception {
        FreedNativeMemory.collectAndAwaitCleaners();
        trimNativeHeap();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS line in /proc/self/status");
    }

    /** {@code jcmd <pid> System.trim_native_heap}: the allocator's free pages go back to the system. */
    private static void trimNativeHeap() throws JMException {
        ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "systemTrimNativeHeap",
                new Object[] {null}, new String[] {String[].class.getName()});
    }

    private static long nonHeapCommitted() {
        return ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getCommitted();
    }
}
