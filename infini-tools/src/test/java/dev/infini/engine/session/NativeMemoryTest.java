package dev.infini.engine.session;

import ai.djl.ndarray.NDManager;
import dev.infini.engine.FreedNativeMemory;
import dev.infini.engine.OneTorchThread;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.model.LiveArrays;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.engine.sampling.TokenListener;
import dev.infini.tools.TestCheckpoints;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import javax.management.JMException;
import javax.management.ObjectName;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streaming, generating and restoring do not leak: every step's arrays are freed, a session holds one segment of
 * keys and values at most, and a closed session gives back all it had.
 * <p>
 * Two measures. Exactly: the arrays alive under the model's {@link NDManager} (weights, sessions, and any array a
 * step forgot to free) are as many after the measured loop as before it. Broadly, for what no manager sees (memory
 * that PyTorch or the JNI layer keeps), the process's memory: each path runs a warm-up, then {@link #ROUNDS} equal
 * rounds. After each round a collection frees every unreachable direct buffer
 * ({@link FreedNativeMemory#collectAndAwaitCleaners}), the JVM hands the native allocator's free pages back
 * ({@code System.trim_native_heap}) and the anonymous resident memory is read ({@code RssAnon}; mapped libraries'
 * pages come and go with the machine's memory pressure), the lowest of {@link #READINGS} such readings, less the
 * JVM's own non-heap memory (compiled code, class metadata). The Java heap is anonymous memory too, so this class runs
 * in a JVM of its own with a heap fixed in size and touched at start (infini-tools/pom.xml, execution
 * {@code native-memory}): G1 otherwise shrinks the heap at each collection and grows it again, which swung the
 * readings by ±5 MB a round and failed the median below about every other run on a loaded machine.
 * <p>
 * A leak raises every round by the same amount; the allocator also grows now and then in one step, and readings
 * sometimes stand tens of MB high. Appending reads steadily, so the median of the rises from one round to the next
 * must stay under half of what a leak of 100 bytes per token adds per round: a step moves the median little, a leak
 * moves every rise. Generating and restoring read up and down by tens of MB from round to round, so for them only the
 * floor is compared (the lowest of the last {@link #WINDOW} readings against the lowest of the first), under a bound
 * that a leak of 16 KB per generated token or 32 KB per restore exceeds; the exact count is what catches a leaked array
 * there.
 */
@ExtendWith(OneTorchThread.class) // tiny shapes: per-op overhead dominates, and spinning threads hurt
class NativeMemoryTest {

    private static final int SEGMENT = 1024;
    // Not a divisor of N, so chunks straddle segment boundaries, and its offsets in the segment repeat every 8 chunks:
    // after the warm-up every shape has been seen (PyTorch keeps per-shape state, which is not a leak).
    private static final int CHUNK = 384;
    // 8 chunks are 3 segments: a round of a multiple of 8 chunks ends where the one before it ended, with the same
    // open segment. Rounds of 52 chunks (6.5 cycles) ended half a segment apart in turn, and the readings alternated
    // by 5 MB, which put the median rise on either side by chance.
    private static final int CYCLE = 8 * CHUNK;
    private static final int ROUNDS = 12;
    private static final int READINGS = 3;
    private static final int WINDOW = 4;

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
    void appendingOverAHundredThousandTokensLeaksNoArrayAndLessThanAHundredBytesPerToken() throws Exception {
        int perRound = 8 * CYCLE;
        try (Session session = new Session(model)) {
            append(session, 7 * CYCLE);
            int arrays = liveArrays();
            long[] resident = residentAfterEachOf(() -> append(session, perRound));

            assertThat(liveArrays()).as("arrays alive under the model's manager").isEqualTo(arrays);
            assertThat(session.tokensSeen()).isEqualTo(7L * CYCLE + (long) ROUNDS * perRound);
            assertThat(session.lastLogits()).doesNotContain(Float.NaN);
            assertMedianRiseBelowHalfOfLeak(resident, 100, perRound, "tokens appended");
        }
    }

    @Test
    void generatingLeaksNoArrayAndLessThanSixteenKilobytesPerToken() throws Exception {
        int perRound = SEGMENT; // each round ends at the same point of a segment, with the same arrays alive
        try (Session session = new Session(model)) {
            append(session, CHUNK);
            generate(session, 3 * SEGMENT); // every length of the open segment: every shape
            int arrays = liveArrays();
            long[] resident = residentAfterEachOf(() -> generate(session, perRound));

            assertThat(liveArrays()).as("arrays alive under the model's manager").isEqualTo(arrays);
            assertThat(session.tokensSeen()).isEqualTo(CHUNK + 3L * SEGMENT + (long) ROUNDS * perRound);
            assertThat(session.lastLogits()).doesNotContain(Float.NaN);
            assertFloorBelowHalfOfLeak(resident, 16 << 10, perRound, "tokens generated");
        }
    }

    @Test
    void restoringSessionsFromSnapshotsLeaksNoArrayAndLessThanThirtyTwoKilobytesPerRestore() throws Exception {
        int perRound = 400;
        SessionState snapshot;
        try (Session session = new Session(model)) {
            // two segments folded into memory and 256 tokens open to re-encode: a restore does all it can
            append(session, 6 * CHUNK);
            snapshot = session.snapshot();
        }
        restore(snapshot, perRound);
        int arrays = liveArrays();
        long[] resident = residentAfterEachOf(() -> restore(snapshot, perRound));

        assertThat(liveArrays()).as("arrays alive under the model's manager").isEqualTo(arrays);
        assertFloorBelowHalfOfLeak(resident, 32 << 10, perRound, "restores");
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

    /** Restores and closes sessions. */
    private void restore(SessionState snapshot, int times) {
        for (int i = 0; i < times; i++) {
            try (Session restored = Session.restore(model, snapshot)) {
                restored.append(new int[] {i % TestCheckpoints.VOCAB});
            }
        }
    }

    /** The arrays alive under the model's manager, its sessions' states included. */
    private int liveArrays() {
        return LiveArrays.under(model);
    }

    private static void assertMedianRiseBelowHalfOfLeak(long[] resident, long leakPerStep, int stepsPerRound,
                                                        String steps) {
        long[] rises = new long[resident.length - 1];
        for (int i = 0; i < rises.length; i++) {
            rises[i] = resident[i + 1] - resident[i];
        }
        Arrays.sort(rises);
        long leakPerRound = leakPerStep * stepsPerRound;
        assertThat(rises[rises.length / 2])
                .as("median rise per round of %d %s (a leak of %d bytes each adds %d)", stepsPerRound, steps,
                        leakPerStep, leakPerRound)
                .isLessThan(leakPerRound / 2);
    }

    private static void assertFloorBelowHalfOfLeak(long[] resident, long leakPerStep, int stepsPerRound,
                                                   String steps) {
        long first = Arrays.stream(resident, 0, WINDOW).min().orElseThrow();
        long last = Arrays.stream(resident, resident.length - WINDOW, resident.length).min().orElseThrow();
        // the two lowest readings are at least this many rounds apart
        long leak = leakPerStep * stepsPerRound * (resident.length - 2L * WINDOW + 1);
        assertThat(last - first).as("growth of the floor over %d rounds of %d %s (a leak of %d bytes each adds %d)",
                resident.length, stepsPerRound, steps, leakPerStep, leak).isLessThan(leak / 2);
    }

    /** Runs {@code round} {@link #ROUNDS} times; the memory after each, as the class says. */
    private static long[] residentAfterEachOf(Runnable round) throws Exception {
        long[] resident = new long[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            round.run();
            resident[i] = settledAnonymousResidentBytes() - nonHeapCommitted();
        }
        System.out.printf("anonymous resident memory less non-heap after each round (KB): %s%n",
                Arrays.toString(Arrays.stream(resident).map(r -> r >> 10).toArray()));
        return resident;
    }

    /** The lowest of {@link #READINGS} readings, each after a collection and a trim, as the class says. */
    private static long settledAnonymousResidentBytes() throws Exception {
        long lowest = Long.MAX_VALUE;
        for (int i = 0; i < READINGS; i++) {
            FreedNativeMemory.collectAndAwaitCleaners();
            trimNativeHeap();
            lowest = Math.min(lowest, anonymousResidentBytes());
        }
        return lowest;
    }

    private static long anonymousResidentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("RssAnon:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no RssAnon line in /proc/self/status");
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
