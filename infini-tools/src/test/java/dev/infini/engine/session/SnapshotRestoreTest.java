package dev.infini.engine.session;

import dev.infini.engine.CorruptStateException;
import dev.infini.engine.OneTorchThread;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.engine.sampling.GenerationResult;
import dev.infini.engine.sampling.Sampler;
import dev.infini.engine.sampling.TokenListener;
import dev.infini.engine.weights.Dtypes;
import dev.infini.tools.TestCheckpoints;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * A conversation survives the trip snapshot → bytes → state → restore, into a fresh session of the same model and
 * of a freshly loaded copy: it continues with the same greedy tokens and logits, whether the snapshot was taken in
 * the middle of a segment or exactly at a boundary. Encoded states have one size, however long the conversation.
 */
@ExtendWith(OneTorchThread.class) // tiny shapes: per-op overhead dominates, and spinning threads hurt
class SnapshotRestoreTest {

    private static final int SEGMENT = 8;

    @TempDir
    static Path tmp;
    private static Path dir;
    private static InfiniModel model;

    @BeforeAll
    static void load() {
        dir = TestCheckpoints.write(tmp.resolve("model"), TestCheckpoints.config(64, 2, 4, 2, 16, 96, SEGMENT,
                MemoryUpdate.DELTA), 21, 0.2);
        model = InfiniModel.load(dir, EngineOptions.builder().device("cpu").build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @ParameterizedTest(name = "prompt of {0} tokens")
    @ValueSource(ints = {3 * SEGMENT + 5, 3 * SEGMENT, 1})
    void restoredSessionContinuesWithIdenticalTokensAndLogits(int promptLength) {
        int[] prompt = new Random(promptLength).ints(promptLength, 0, TestCheckpoints.VOCAB).toArray();
        try (Session original = new Session(model);
             InfiniModel reloaded = InfiniModel.load(dir, EngineOptions.builder().device("cpu").build())) {
            original.append(prompt);
            byte[] blob = StateCodec.encode(original.snapshot());
            assertThat((long) blob.length).isEqualTo(StateCodec.encodedSize(model));
            try (Session sameModel = Session.restore(model, StateCodec.decode(blob));
                 Session freshModel = Session.restore(reloaded, StateCodec.decode(blob))) {
                for (Session restored : new Session[] {sameModel, freshModel}) {
                    assertThat(restored.tokensSeen()).isEqualTo(promptLength);
                    assertThat(restored.segmentsFolded()).isEqualTo(promptLength / SEGMENT);
                    assertThat(restored.openSegmentLength()).isEqualTo(promptLength % SEGMENT);
                    assertThat(restored.lastLogits()).containsExactly(original.lastLogits(), within(1e-5f));
                }

                // greedy generation across at least two segment boundaries
                GenerationOptions greedy = GenerationOptions.builder().maxTokens(2 * SEGMENT + 3).stopOnEos(false).build();
                GenerationResult expected = original.generate(greedy, TokenListener.NONE);
                for (Session restored : new Session[] {sameModel, freshModel}) {
                    GenerationResult actual = restored.generate(greedy, TokenListener.NONE);
                    assertThat(actual.tokenIds()).containsExactly(expected.tokenIds());
                    assertThat(restored.lastLogits()).containsExactly(original.lastLogits(), within(1e-5f));
                }

                // then token by token, comparing the logits after every step
                for (int step = 0; step < SEGMENT + 2; step++) {
                    int next = Sampler.argmax(original.lastLogits());
                    original.append(new int[] {next});
                    for (Session restored : new Session[] {sameModel, freshModel}) {
                        assertThat(Sampler.argmax(restored.lastLogits())).isEqualTo(next);
                        restored.append(new int[] {next});
                        assertThat(restored.lastLogits()).as("logits after step %d", step)
                                .containsExactly(original.lastLogits(), within(1e-5f));
                    }
                }
                SessionState end = original.snapshot();
                for (Session restored : new Session[] {sameModel, freshModel}) {
                    SessionState state = restored.snapshot();
                    assertThat(state.tokensSeen()).isEqualTo(end.tokensSeen());
                    assertThat(state.segmentsFolded()).isEqualTo(end.segmentsFolded());
                    assertThat(state.openTokens()).containsExactly(end.openTokens());
                    assertThat(state.memory()).containsExactly(end.memory(), within(1e-4f));
                }
            }
        }
    }

    /**
     * A snapshot that carries the open segment's keys and values restores without running its tokens again: the
     * restored segment holds exactly the saved keys and values rounded to half precision (a re-encoded one would
     * hold the unrounded ones), and the conversation goes on with the same greedy tokens, its logits within that
     * rounding of the uninterrupted ones.
     */
    @ParameterizedTest(name = "prompt of {0} tokens")
    @ValueSource(ints = {3 * SEGMENT + 5, 3 * SEGMENT, 2})
    void aSnapshotCarryingTheOpenSegmentRestoresItWithoutReencoding(int promptLength) {
        int[] prompt = new Random(promptLength + 100).ints(promptLength, 0, TestCheckpoints.VOCAB).toArray();
        try (Session original = new Session(model)) {
            original.append(prompt);
            SessionState saved = original.snapshot(true);
            byte[] blob = StateCodec.encode(saved);
            assertThat((long) blob.length).isEqualTo(StateCodec.encodedSize(model, true))
                    .isEqualTo(StateCodec.encodedSize(model) + 4L * 2 * 2 * SEGMENT * 16);
            SessionState decoded = StateCodec.decode(blob);
            assertThat(decoded.carriesOpenKeysValues()).isTrue();
            try (Session restored = Session.restore(model, decoded)) {
                SessionState again = restored.snapshot(true);
                assertThat(again.openTokens()).containsExactly(saved.openTokens());
                for (int i = 0; i < saved.openKeys().length; i++) {
                    assertThat(again.openKeys()[i]).isEqualTo(halfRounded(saved.openKeys()[i]));
                    assertThat(again.openValues()[i]).isEqualTo(halfRounded(saved.openValues()[i]));
                }
                assertThat(restored.lastLogits()).containsExactly(original.lastLogits());
                for (int step = 0; step < 2 * SEGMENT + 3; step++) {
                    int next = Sampler.argmax(original.lastLogits());
                    assertThat(Sampler.argmax(restored.lastLogits())).as("greedy token at step %d", step)
                            .isEqualTo(next);
                    original.append(new int[] {next});
                    restored.append(new int[] {next});
                    assertThat(restored.lastLogits()).as("logits after step %d", step)
                            .containsExactly(original.lastLogits(), within(1e-2f));
                }
            }
        }
    }

    @Test
    void aStateWithoutTheOpenSegmentsKeysAndValuesKeepsFormatVersionOne() {
        try (Session session = new Session(model)) {
            session.append(new int[] {5, 6, 7});
            byte[] plain = StateCodec.encode(session.snapshot());
            byte[] carried = StateCodec.encode(session.snapshot(true));
            assertThat(ByteBuffer.wrap(plain, 4, 2).order(ByteOrder.LITTLE_ENDIAN).getShort())
                    .isEqualTo(StateCodec.VERSION);
            assertThat(ByteBuffer.wrap(carried, 4, 2).order(ByteOrder.LITTLE_ENDIAN).getShort())
                    .isEqualTo(StateCodec.VERSION_WITH_OPEN_KEYS_VALUES);
            assertThat(StateCodec.decode(plain).carriesOpenKeysValues()).isFalse();
            carried[carried.length - 20] ^= 1; // a key or value bit: the checksum covers the carried segment too
            assertThatThrownBy(() -> StateCodec.decode(carried))
                    .isInstanceOf(CorruptStateException.class).hasMessageContaining("CRC32C");
        }
    }

    private static float halfRounded(float value) {
        return Dtypes.halfToFloat(Dtypes.floatToHalf(value));
    }

    @Test
    void stateOfAFreshSessionRestoresToAFreshSession() {
        try (Session empty = new Session(model)) {
            byte[] blob = StateCodec.encode(empty.snapshot());
            try (Session restored = Session.restore(model, StateCodec.decode(blob))) {
                assertThat(restored.lastLogits()).isNull();
                assertThat(restored.tokensSeen()).isZero();
            }
        }
    }

    @Test
    void stateSizeAfterOneSegmentEqualsStateSizeAfterAThousand() {
        Random random = new Random(9);
        try (Session session = new Session(model)) {
            session.append(random.ints(SEGMENT, 0, TestCheckpoints.VOCAB).toArray());
            int afterOne = StateCodec.encode(session.snapshot()).length;
            session.append(random.ints(3, 0, TestCheckpoints.VOCAB).toArray());
            int midSegment = StateCodec.encode(session.snapshot()).length;
            for (int i = 1; i < 1000; i++) {
                session.append(random.ints(i == 1 ? SEGMENT - 3 : SEGMENT, 0, TestCheckpoints.VOCAB).toArray());
            }
            assertThat(session.segmentsFolded()).isEqualTo(1000);
            SessionState state = session.snapshot();
            int afterThousand = StateCodec.encode(state).length;
            assertThat(afterThousand).isEqualTo(afterOne).isEqualTo(midSegment);
            assertThat((long) afterThousand).isEqualTo(StateCodec.encodedSize(model));
            assertThat(state.memory()).doesNotContain(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
        }
    }
}
