package dev.infini.engine.model;

import dev.infini.engine.ForeignStateException;
import dev.infini.engine.OneTorchThread;
import dev.infini.engine.SharedData;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryUpdate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The model's per-conversation state, driven directly through {@code forward} and {@code fold}. */
@ExtendWith(OneTorchThread.class)
class ModelStateTest {

    private static final int SEGMENT = 8;
    private static InfiniModel model;

    @BeforeAll
    static void load() {
        // stories260k has no gates: one β for every head switches its memory on
        model = InfiniModel.load(SharedData.stories260k(), EngineOptions.builder().device("cpu").segmentLength(SEGMENT)
                .memoryUpdate(MemoryUpdate.DELTA).gateInit(0f).build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void aNewStateIsEmptyUntilItsFirstSegmentFolds() {
        try (ModelState state = model.newState()) {
            assertThat(state.memoryIsEmpty()).isTrue();
            assertThat(state.memoryUpdate()).isEqualTo(MemoryUpdate.DELTA);
            assertThat(state.memory()).containsOnly(0f);
            assertThat(state.normalizer()).containsOnly(0f);

            assertThat(model.forward(state, ids(SEGMENT), true)).hasSize(SEGMENT * model.config().vocabSize());
            assertThat(state.openRoom()).isZero();
            model.fold(state);

            assertThat(state.memoryIsEmpty()).isFalse();
            assertThat(state.openLength()).isZero();
            assertThat(state.normalizer()).doesNotContain(0f); // z = Σσ(K) > 0 everywhere
        }
    }

    @Test
    void tokensBeyondTheOpenSegmentAndAFoldOfAPartialSegmentAreRefused() {
        try (ModelState state = model.newState()) {
            model.forward(state, ids(SEGMENT - 3), false);
            assertThatThrownBy(() -> model.forward(state, ids(4), false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("room for 3");
            assertThatThrownBy(() -> model.fold(state)).isInstanceOf(IllegalStateException.class);
            assertThat(state.openLength()).isEqualTo(SEGMENT - 3);
        }
    }

    @Test
    void aStateRestoredFromItsMemoryHoldsTheSameMemoryAndAForeignOneIsRefused() {
        try (ModelState state = model.newState()) {
            model.forward(state, ids(SEGMENT), false);
            model.fold(state);
            try (ModelState restored = model.restoreState(model.fingerprint(), state.memory(), state.normalizer(),
                    false)) {
                assertThat(restored.memory()).containsExactly(state.memory());
                assertThat(restored.normalizer()).containsExactly(state.normalizer());
                assertThat(restored.memoryIsEmpty()).isFalse();
            }
            byte[] foreign = model.fingerprint();
            foreign[0] ^= 1;
            assertThatThrownBy(() -> model.restoreState(foreign, state.memory(), state.normalizer(), false))
                    .isInstanceOf(ForeignStateException.class).hasMessageContaining("another model");
        }
    }

    private static int[] ids(int n) {
        return IntStream.range(0, n).map(i -> 1 + (i * 37) % 500).toArray();
    }
}
