package dev.infini.engine.session;

import dev.infini.engine.CorruptStateException;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.model.InfiniModel;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The versioned binary format of a {@link SessionState} (not Java serialization). Little-endian:
 * <pre>
 * offset  size        field
 * 0       4           magic "INFS"
 * 4       2           format version (1)
 * 6       2           flags: bit 0 = lastLogits present
 * 8       32          model fingerprint (SHA-256)
 * 40      4 × 6       segmentLength N, memoryUpdate (0 linear, 1 delta), layers L, kvHeads H, headDim d, vocab V
 * 64      8 × 2       tokensSeen, segmentsFolded
 * 80      4           open segment length n (&lt; N)
 * 84      4 × N       open segment ids, zero-padded to N
 * ...     4 × V       last logits (zeros when absent)
 * ...     4 × LHd²    M
 * ...     4 × LHd     z
 * ...     4           CRC32C of every byte before it
 * </pre>
 * Every blob of one model and segment length has the same size, {@link #encodedSize}.
 */
public final class StateCodec {

    /** Magic number "INFS". */
    public static final int MAGIC = 0x53464E49;
    /** Current format version. */
    public static final short VERSION = 1;
    private static final int HEADER_BYTES = 84;

    private StateCodec() {
    }

    /** Bytes of an encoded state: 88 + 4·(N + V + L·H·d·(d + 1)). */
    public static long encodedSize(int segmentLength, int vocabSize, int numLayers, int numKvHeads, int headDim) {
        return HEADER_BYTES + 4L * segmentLength + 4L * vocabSize
                + 4L * numLayers * numKvHeads * headDim * (headDim + 1) + 4;
    }

    /**
     * Bytes of one conversation's encoded state on a model: a constant of the model and its segment length, the
     * same after one segment and after a million.
     */
    public static long encodedSize(InfiniModel model) {
        ModelConfig c = model.config();
        return encodedSize(model.segmentLength(), c.vocabSize(), c.numLayers(), c.numKvHeads(), c.headDim());
    }

    /** Encodes a state. */
    public static byte[] encode(SessionState s) {
        long size = encodedSize(s.segmentLength(), s.vocabSize(), s.numLayers(), s.numKvHeads(), s.headDim());
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("state of " + size + " bytes is too large for one blob");
        }
        ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putShort(VERSION).putShort((short) (s.lastLogits() != null ? 1 : 0));
        b.put(s.modelFingerprint());
        b.putInt(s.segmentLength()).putInt(s.memoryUpdate().ordinal()).putInt(s.numLayers()).putInt(s.numKvHeads())
                .putInt(s.headDim()).putInt(s.vocabSize());
        b.putLong(s.tokensSeen()).putLong(s.segmentsFolded());
        b.putInt(s.openTokens().length);
        int[] padded = java.util.Arrays.copyOf(s.openTokens(), s.segmentLength());
        b.asIntBuffer().put(padded);
        b.position(b.position() + 4 * padded.length);
        float[] logits = s.lastLogits() != null ? s.lastLogits() : new float[s.vocabSize()];
        putFloats(b, logits);
        putFloats(b, s.memory());
        putFloats(b, s.normalizer());
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /**
     * Decodes a blob.
     *
     * @throws CorruptStateException if it is truncated, has trailing bytes, a wrong magic number, an unknown
     *                               version, inconsistent fields or a bad checksum
     */
    public static SessionState decode(byte[] blob) {
        if (blob == null || blob.length < HEADER_BYTES + 4) {
            throw new CorruptStateException("state blob is truncated: " + (blob == null ? 0 : blob.length)
                    + " bytes, shorter than the " + (HEADER_BYTES + 4) + "-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != MAGIC) {
            throw new CorruptStateException("not an Infini state blob: bad magic number");
        }
        short version = b.getShort();
        if (version != VERSION) {
            throw new CorruptStateException("unsupported state format version " + version + " (this engine reads "
                    + VERSION + ")");
        }
        int flags = b.getShort();
        byte[] fingerprint = new byte[32];
        b.get(fingerprint);
        int n = b.getInt();
        int update = b.getInt();
        int layers = b.getInt();
        int kvHeads = b.getInt();
        int headDim = b.getInt();
        int vocab = b.getInt();
        if (n < 1 || layers < 1 || kvHeads < 1 || headDim < 1 || vocab < 1 || update < 0 || update > 1) {
            throw new CorruptStateException("state header holds impossible shapes");
        }
        long expected = encodedSize(n, vocab, layers, kvHeads, headDim);
        if (blob.length != expected) {
            throw new CorruptStateException("state blob has " + blob.length + " bytes but its header implies "
                    + expected + (blob.length < expected ? " (truncated)" : " (trailing bytes)"));
        }
        CRC32C crc = new CRC32C();
        crc.update(blob, 0, blob.length - 4);
        int stored = ByteBuffer.wrap(blob, blob.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (stored != (int) crc.getValue()) {
            throw new CorruptStateException("state blob fails its CRC32C checksum: it was corrupted");
        }
        try {
            long tokensSeen = b.getLong();
            long segments = b.getLong();
            int open = b.getInt();
            if (open < 0 || open >= n || tokensSeen < open || segments < 0) {
                throw new CorruptStateException("state counters are inconsistent");
            }
            int[] ids = new int[n];
            b.asIntBuffer().get(ids);
            b.position(b.position() + 4 * n);
            float[] logits = getFloats(b, vocab);
            float[] memory = getFloats(b, layers * kvHeads * headDim * headDim);
            float[] z = getFloats(b, layers * kvHeads * headDim);
            return new SessionState(fingerprint, n, MemoryUpdate.values()[update], layers, kvHeads, headDim, vocab,
                    tokensSeen, segments, java.util.Arrays.copyOf(ids, open), (flags & 1) != 0 ? logits : null,
                    memory, z);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new CorruptStateException("state blob is inconsistent: " + e.getMessage());
        }
    }

    private static void putFloats(ByteBuffer b, float[] values) {
        b.asFloatBuffer().put(values);
        b.position(b.position() + 4 * values.length);
    }

    private static float[] getFloats(ByteBuffer b, int count) {
        float[] values = new float[count];
        b.asFloatBuffer().get(values);
        b.position(b.position() + 4 * count);
        return values;
    }
}
