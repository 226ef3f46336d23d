package dev.infini.engine.model;

import dev.infini.engine.OneTorchThread;
import dev.infini.engine.SharedData;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryMode;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.session.Session;
import dev.infini.tools.TestCheckpoints;
import dev.infini.tools.checkpoint.RandomCheckpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The compressive memory carries information across segments: with gates, two conversations that differ only in
 * their earlier segments give different logits in a later, identical segment. With the memory off (or a checkpoint
 * without gates, or the zeroed control) segments are independent and those logits are identical.
 */
@ExtendWith(OneTorchThread.class) // tiny shapes: per-op overhead dominates, and spinning threads hurt
class MemoryInfluenceTest {

    private static final int SEGMENT = 8;

    @TempDir
    static Path tmp;
    private static Path gated;
    private static int[] historyA;
    private static int[] historyB;
    private static int[] lastSegment;

    @BeforeAll
    static void write() {
        gated = TestCheckpoints.write(tmp.resolve("gated"), TestCheckpoints.config(64, 2, 4, 2, 16, 96, SEGMENT,
                MemoryUpdate.LINEAR), 8, 0.2);
        Random random = new Random(13);
        historyA = random.ints(2 * SEGMENT, 0, TestCheckpoints.VOCAB).toArray();
        historyB = random.ints(2 * SEGMENT, 0, TestCheckpoints.VOCAB).toArray();
        lastSegment = random.ints(SEGMENT - 2, 0, TestCheckpoints.VOCAB).toArray();
    }

    @ParameterizedTest
    @EnumSource(MemoryUpdate.class)
    void earlierSegmentsChangeLaterLogitsWhenTheMemoryIsOn(MemoryUpdate update) {
        try (InfiniModel model = InfiniModel.load(gated, EngineOptions.builder().device("cpu").memoryUpdate(update)
                .build())) {
            assertThat(model.memoryMode()).isEqualTo(MemoryMode.ON);
            float[] a = logitsAfter(model, historyA);
            float[] b = logitsAfter(model, historyB);
            assertThat(maxDifference(a, b)).as("largest logit difference").isGreaterThan(1e-2);
        }
    }

    @ParameterizedTest
    @EnumSource(value = MemoryMode.class, names = {"OFF", "ZEROED"})
    void segmentsAreIndependentWithoutTheMemory(MemoryMode mode) {
        try (InfiniModel model = InfiniModel.load(gated, EngineOptions.builder().device("cpu").memoryMode(mode).build())) {
            float[] a = logitsAfter(model, historyA);
            float[] b = logitsAfter(model, historyB);
            assertThat(maxDifference(a, b)).as("largest logit difference").isLessThan(1e-6);
        }
    }

    @Test
    void theZeroedControlStillAppliesTheGate() {
        try (InfiniModel off = InfiniModel.load(gated, EngineOptions.builder().device("cpu").memoryMode(MemoryMode.OFF).build());
             InfiniModel zeroed = InfiniModel.load(gated, EngineOptions.builder().device("cpu")
                     .memoryMode(MemoryMode.ZEROED).build())) {
            // in a later segment ZEROED scales A_dot by 1 − sigmoid(β), OFF leaves it: the logits must differ
            assertThat(maxDifference(logitsAfter(off, historyA), logitsAfter(zeroed, historyA))).isGreaterThan(1e-2);
        }
    }

    @Test
    void aCheckpointWithoutGatesRunsWithTheMemoryOff() {
        ModelConfig config = TestCheckpoints.config(64, 2, 4, 2, 16, 96, SEGMENT, MemoryUpdate.LINEAR);
        Path plain = RandomCheckpoint.builder(config).tokenizerFrom(SharedData.stories260k()).seed(8).initStd(0.2)
                .gates(false).build().writeTo(tmp.resolve("plain"), null).dir();
        try (InfiniModel model = InfiniModel.load(plain, EngineOptions.builder().device("cpu").build())) {
            assertThat(model.memoryMode()).isEqualTo(MemoryMode.OFF);
            assertThat(maxDifference(logitsAfter(model, historyA), logitsAfter(model, historyB))).isLessThan(1e-6);
        }
        // a gate initialisation switches the memory on for the same weights
        try (InfiniModel model = InfiniModel.load(plain, EngineOptions.builder().device("cpu").gateInit(0f).build())) {
            assertThat(model.memoryMode()).isEqualTo(MemoryMode.ON);
            assertThat(maxDifference(logitsAfter(model, historyA), logitsAfter(model, historyB))).isGreaterThan(1e-2);
        }
    }

    private static float[] logitsAfter(InfiniModel model, int[] history) {
        try (Session session = new Session(model)) {
            session.append(history);
            session.append(lastSegment);
            assertThat(session.segmentsFolded()).isEqualTo(2);
            return session.lastLogits();
        }
    }

    private static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
