package dev.infini.engine.session;

import dev.infini.engine.config.MemoryUpdate;

/**
 * The whole state of one conversation, as plain arrays, so that it can leave the process: the compressive memory
 * (M, z) of every layer and KV head, the token ids of the open segment, the logits after the last token, and the
 * counters. Its size depends only on the model and the segment length, never on how many tokens were seen.
 * <p>
 * The open segment is always kept as token ids; restoring re-encodes them against the same M_{s-1}, which is all
 * the segment's attention depends on. A snapshot may also carry the segment's keys (before RoPE) and values
 * ({@link Session#snapshot(boolean)}): restoring then writes them back instead of running the tokens through the
 * model, at the cost of 2 × L·H·N·d more numbers in the blob (16-bit there, see {@link StateCodec}).
 *
 * @param modelFingerprint SHA-256 identifying the model (architecture and weights) this state belongs to
 * @param segmentLength    N
 * @param memoryUpdate     linear or delta
 * @param numLayers        layers
 * @param numKvHeads       KV heads (M and z live per KV head)
 * @param headDim          head width d
 * @param vocabSize        vocabulary size (length of {@code lastLogits})
 * @param tokensSeen       tokens appended over the conversation's life
 * @param segmentsFolded   segments folded into memory
 * @param openTokens       ids of the open segment, fewer than N
 * @param lastLogits       logits after the last appended token, or null before the first
 * @param memory           M, float32, [layers][kvHeads][d][d] flattened
 * @param normalizer       z, float32, [layers][kvHeads][d] flattened
 * @param openKeys         the open segment's keys before RoPE, [layers][kvHeads][n][d] flattened, or null
 * @param openValues       the open segment's values, laid out as {@code openKeys}; null exactly when it is
 */
public record SessionState(byte[] modelFingerprint, int segmentLength, MemoryUpdate memoryUpdate, int numLayers,
                           int numKvHeads, int headDim, int vocabSize, long tokensSeen, long segmentsFolded,
                           int[] openTokens, float[] lastLogits, float[] memory, float[] normalizer,
                           float[] openKeys, float[] openValues) {

    public SessionState {
        if (modelFingerprint.length != 32) {
            throw new IllegalArgumentException("fingerprint must be 32 bytes");
        }
        if (openTokens.length >= segmentLength) {
            throw new IllegalArgumentException("open segment holds " + openTokens.length
                    + " tokens but must hold fewer than N=" + segmentLength);
        }
        if (lastLogits != null && lastLogits.length != vocabSize) {
            throw new IllegalArgumentException("lastLogits must have vocabSize=" + vocabSize + " entries");
        }
        if (memory.length != (long) numLayers * numKvHeads * headDim * headDim) {
            throw new IllegalArgumentException("memory must hold layers*kvHeads*d*d floats");
        }
        if (normalizer.length != (long) numLayers * numKvHeads * headDim) {
            throw new IllegalArgumentException("normalizer must hold layers*kvHeads*d floats");
        }
        if ((openKeys == null) != (openValues == null)) {
            throw new IllegalArgumentException("open keys and values come together or not at all");
        }
        long open = (long) numLayers * numKvHeads * openTokens.length * headDim;
        if (openKeys != null && (openKeys.length != open || openValues.length != open)) {
            throw new IllegalArgumentException("open keys and values must hold layers*kvHeads*n*d floats each");
        }
    }

    /** A state without the open segment's keys and values (restoring re-encodes its tokens). */
    public SessionState(byte[] modelFingerprint, int segmentLength, MemoryUpdate memoryUpdate, int numLayers,
                        int numKvHeads, int headDim, int vocabSize, long tokensSeen, long segmentsFolded,
                        int[] openTokens, float[] lastLogits, float[] memory, float[] normalizer) {
        this(modelFingerprint, segmentLength, memoryUpdate, numLayers, numKvHeads, headDim, vocabSize, tokensSeen,
                segmentsFolded, openTokens, lastLogits, memory, normalizer, null, null);
    }

    /** Whether the open segment's keys and values come with the state. */
    public boolean carriesOpenKeysValues() {
        return openKeys != null;
    }
}
