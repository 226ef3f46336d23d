package dev.infini.spring;

import dev.infini.engine.CorruptStateException;
import dev.infini.engine.ForeignStateException;
import dev.infini.engine.StateFormatException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * What a store holds for a conversation: the engine's state blob ({@link dev.infini.engine.session.StateCodec},
 * which carries the model fingerprint and its own checksum) behind a header that binds it to its conversation id,
 * so a blob copied or moved to another conversation's key is refused instead of continued. A fixed 40 bytes, so
 * every conversation of a model stores the same number of bytes:
 * <pre>
 * offset  size  field
 * 0       4     magic "INFC"
 * 4       2     format version (1)
 * 6       2     reserved (0)
 * 8       32    SHA-256 of the conversation id (UTF-8)
 * 40      ...   the engine's state blob
 * </pre>
 */
public final class ConversationEnvelope {

    /** Bytes the envelope adds to the engine's state. */
    public static final int HEADER_BYTES = 40;
    private static final int MAGIC = 0x43464E49; // "INFC" little-endian, like the engine's "INFS"
    private static final short VERSION = 1;

    private ConversationEnvelope() {
    }

    /** The blob to store for {@code conversationId}. */
    public static byte[] wrap(String conversationId, byte[] state) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + state.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putShort(VERSION).putShort((short) 0).put(idHash(conversationId)).put(state);
        return b.array();
    }

    /**
     * The engine's state inside a stored blob.
     *
     * @throws CorruptStateException if the blob is not an envelope of a known version
     * @throws ForeignStateException if it belongs to another conversation
     */
    public static byte[] unwrap(String conversationId, byte[] blob) throws StateFormatException {
        if (blob == null || blob.length < HEADER_BYTES) {
            throw new CorruptStateException("blob of " + (blob == null ? 0 : blob.length)
                    + " bytes is shorter than a conversation header");
        }
        ByteBuffer b = ByteBuffer.wrap(blob).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != MAGIC) {
            throw new CorruptStateException("blob is not a conversation state (bad magic number; states written"
                    + " before the conversation binding are not read either)");
        }
        short version = b.getShort();
        if (version != VERSION) {
            throw new CorruptStateException("conversation state format version " + version + " is not supported");
        }
        b.getShort();
        byte[] stored = new byte[32];
        b.get(stored);
        if (!MessageDigest.isEqual(stored, idHash(conversationId))) {
            throw new ForeignStateException("the stored state belongs to another conversation (it was copied or"
                    + " moved to this key)");
        }
        return Arrays.copyOfRange(blob, HEADER_BYTES, blob.length);
    }

    private static byte[] idHash(String conversationId) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(conversationId.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
