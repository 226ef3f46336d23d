package dev.infini.spring.support;

import dev.infini.engine.session.SessionState;
import dev.infini.engine.session.StateCodec;
import dev.infini.spring.ConversationEnvelope;

import static org.assertj.core.api.Assertions.assertThat;

/** Comparisons of stored conversation states. */
public final class States {

    private States() {
    }

    /**
     * Asserts two blobs hold the same conversation: the same model, token stream position, counters and open
     * segment exactly, and the same memory, logits and (when carried) open keys and values up to float rounding.
     * Two runs of one conversation never agree bit for bit as a rule: a session that lived through its turns computed
     * the open segment's keys and values chunk by chunk, a restored one recomputes them in one batch, and the Java
     * decode step's horizontal sums and exponentials round differently in the last bit before and after the JIT has
     * compiled them (the Vector API's interpreted and intrinsic forms). The sums then differ by about 1e-6 of the
     * largest entry, never more.
     */
    public static void assertSameConversation(byte[] actual, byte[] expected) {
        SessionState a = StateCodec.decode(engineState(actual));
        SessionState e = StateCodec.decode(engineState(expected));
        assertThat(a.modelFingerprint()).isEqualTo(e.modelFingerprint());
        assertThat(a.tokensSeen()).isEqualTo(e.tokensSeen());
        assertThat(a.segmentsFolded()).isEqualTo(e.segmentsFolded());
        assertThat(a.openTokens()).containsExactly(e.openTokens());
        assertClose(a.lastLogits(), e.lastLogits(), "last logits");
        assertClose(a.memory(), e.memory(), "memory M");
        assertClose(a.normalizer(), e.normalizer(), "normalizer z");
        assertThat(a.carriesOpenKeysValues()).as("carries the open keys and values")
                .isEqualTo(e.carriesOpenKeysValues());
        if (e.carriesOpenKeysValues()) {
            // stored in half precision: a last-bit difference may round to the neighbouring half (2^-11 relative)
            assertClose(a.openKeys(), e.openKeys(), "open keys", 1e-3);
            assertClose(a.openValues(), e.openValues(), "open values", 1e-3);
        }
    }

    /** The engine's state inside a stored blob, whichever conversation it is bound to. */
    public static byte[] engineState(byte[] stored) {
        return java.util.Arrays.copyOfRange(stored, ConversationEnvelope.HEADER_BYTES, stored.length);
    }

    private static void assertClose(float[] actual, float[] expected, String what) {
        assertClose(actual, expected, what, 1e-5);
    }

    /** Every entry within {@code relative} × the largest entry of {@code expected} (at least 1). */
    private static void assertClose(float[] actual, float[] expected, String what, double relative) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        double scale = 1;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        // relative to the array's largest entry: M sums products over every folded token
        double tolerance = relative * scale;
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as(what + "[" + i + "]").isCloseTo(expected[i],
                    org.assertj.core.data.Offset.offset(tolerance));
        }
    }
}
