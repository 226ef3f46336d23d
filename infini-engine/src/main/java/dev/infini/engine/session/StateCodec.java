package dev.infini.engine.session;

import dev.infini.engine.CorruptStateException;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.weights.Dtypes;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The versioned binary format of a {@link SessionState} (not Java serialization). Little-endian:
 * <pre>
 * offset  size        field
 * 0       4           magic "INFS"
 * 4       2           format version: 1, or 2 with the open segment's keys and values
 * 6       2           flags: bit 0 = lastLogits present
 * 8       32          model fingerprint (SHA-256)
 * 40      4 × 6       segmentLength N, memoryUpdate (0 linear, 1 delta), layers L, kvHeads H, headDim d, vocab V
 * 64      8 × 2       tokensSeen, segmentsFolded
 * 80      4           open segment length n (&lt; N)
 * 84      4 × N       open segment ids, zero-padded to N
 * ...     4 × V       last logits (zeros when absent)
 * ...     4 × LHd²    M
 * ...     4 × LHd     z
 * ...     2 × LHNd    version 2 only: the open segment's keys before RoPE, IEEE half, [L][H][N][d], zero past n
 * ...     2 × LHNd    version 2 only: its values, the same way
 * ...     4           CRC32C of every byte before it
 * </pre>
 * Every blob of one model, segment length and version has the same size, {@link #encodedSize}. Half precision for
 * the keys and values: they are activations of a float32 model, well inside its range, and a restored segment
 * differs from the re-encoded one by less than the rounding of its last bits (the tests bound it).
 */
public final class StateCodec {

    /** Magic number "INFS". */
    public static final int MAGIC = 0x53464E49;
    /** Format version of a state that keeps the open segment as token ids only. */
    public static final short VERSION = 1;
    /** Format version of a state that also carries the open segment's keys and values. */
    public static final short VERSION_WITH_OPEN_KEYS_VALUES = 2;
    private static final int HEADER_BYTES = 84;

    private StateCodec() {
    }

    /** Bytes of an encoded state without the open segment's keys and values: 88 + 4·(N + V + L·H·d·(d + 1)). */
    public static long encodedSize(int segmentLength, int vocabSize, int numLayers, int numKvHeads, int headDim) {
        return encodedSize(segmentLength, vocabSize, numLayers, numKvHeads, headDim, false);
    }

    /**
     * Bytes of an encoded state: 88 + 4·(N + V + L·H·d·(d + 1)), plus 4·L·H·N·d with the open segment's keys and
     * values.
     */
    public static long encodedSize(int segmentLength, int vocabSize, int numLayers, int numKvHeads, int headDim,
                                   boolean openKeysValues) {
        return HEADER_BYTES + 4L * segmentLength + 4L * vocabSize
                + 4L * numLayers * numKvHeads * headDim * (headDim + 1)
                + (openKeysValues ? 4L * numLayers * numKvHeads * segmentLength * headDim : 0) + 4;
    }

    /**
     * Bytes of one conversation's encoded state on a model (without the open segment's keys and values): a
     * constant of the model and its segment length, the same after one segment and after a million.
     */
    public static long encodedSize(InfiniModel model) {
        return encodedSize(model, false);
    }

    /** As {@link #encodedSize(InfiniModel)}, with or without the open segment's keys and values. */
    public static long encodedSize(InfiniModel model, boolean openKeysValues) {
        ModelConfig c = model.config();
        return encodedSize(model.segmentLength(), c.vocabSize(), c.numLayers(), c.numKvHeads(), c.headDim(),
                openKeysValues);
    }

    /** Encodes a state. */
    public static byte[] encode(SessionState s) {
        boolean open = s.carriesOpenKeysValues();
        long size = encodedSize(s.segmentLength(), s.vocabSize(), s.numLayers(), s.numKvHeads(), s.headDim(), open);
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("state of " + size + " bytes is too large for one blob");
        }
        ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putShort(open ? VERSION_WITH_OPEN_KEYS_VALUES : VERSION)
                .putShort((short) (s.lastLogits() != null ? 1 : 0));
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
        if (open) {
            int heads = s.numLayers() * s.numKvHeads();
            putHalves(b, s.openKeys(), heads, s.openTokens().length, s.segmentLength(), s.headDim());
            putHalves(b, s.openValues(), heads, s.openTokens().length, s.segmentLength(), s.headDim());
        }
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
        if (version != VERSION && version != VERSION_WITH_OPEN_KEYS_VALUES) {
            throw new CorruptStateException("unsupported state format version " + version + " (this engine reads "
                    + VERSION + " and " + VERSION_WITH_OPEN_KEYS_VALUES + ")");
        }
        boolean openKeysValues = version == VERSION_WITH_OPEN_KEYS_VALUES;
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
        long expected = encodedSize(n, vocab, layers, kvHeads, headDim, openKeysValues);
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
            float[] keys = openKeysValues ? getHalves(b, layers * kvHeads, open, n, headDim) : null;
            float[] values = openKeysValues ? getHalves(b, layers * kvHeads, open, n, headDim) : null;
            return new SessionState(fingerprint, n, MemoryUpdate.values()[update], layers, kvHeads, headDim, vocab,
                    tokensSeen, segments, java.util.Arrays.copyOf(ids, open), (flags & 1) != 0 ? logits : null,
                    memory, z, keys, values);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new CorruptStateException("state blob is inconsistent: " + e.getMessage());
        }
    }

    private static void putFloats(ByteBuffer b, float[] values) {
        b.asFloatBuffer().put(values);
        b.position(b.position() + 4 * values.length);
    }

    /** {@code heads} blocks of n rows of d floats as IEEE halves, each block padded with zeros to N rows. */
    private static void putHalves(ByteBuffer b, float[] values, int heads, int n, int segmentLength, int headDim) {
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < n * headDim; i++) {
                b.putShort(Dtypes.floatToHalf(values[h * n * headDim + i]));
            }
            b.position(b.position() + 2 * (segmentLength - n) * headDim);
        }
    }

    private static float[] getHalves(ByteBuffer b, int heads, int n, int segmentLength, int headDim) {
        float[] values = new float[heads * n * headDim];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < n * headDim; i++) {
                values[h * n * headDim + i] = Dtypes.halfToFloat(b.getShort());
            }
            b.position(b.position() + 2 * (segmentLength - n) * headDim);
        }
        return values;
    }

    private static float[] getFloats(ByteBuffer b, int count) {
        float[] values = new float[count];
        b.asFloatBuffer().get(values);
        b.position(b.position() + 4 * count);
        return values;
    }
}
