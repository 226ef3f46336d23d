package dev.infini.engine.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.infini.engine.kernels.Matrix;

/**
 * One layer's share of a conversation: the compressive memory (M, z) per KV head, float32 and of fixed size, and
 * the open segment's keys and values, which never hold more than N positions.
 * <p>
 * Keys are kept twice: rotated, for the segment's softmax attention, and un-rotated, because the memory stores
 * keys before RoPE (σ(K) in eq. 4 and 5 carries no position).
 * <p>
 * Both decode paths work on these same tensors: PyTorch ops for prefill, folding and decode through PyTorch, and
 * the Java decode step through {@link Matrix} views of their memory ({@link #appendPosition}, {@link #cache}), so
 * a session stays consistent whichever path ran each token.
 */
public final class CompressiveMemory implements AutoCloseable {

    private final NDManager manager;
    private final int kvHeads;
    private final int headDim;
    /** M_{s-1}, [kvHeads, d, d]. */
    final NDArray memory;
    /** z_{s-1}, [kvHeads, d]. */
    final NDArray normalizer;
    /**
     * The open segment's rotated keys and its values position-minor, {@code [kvHeads, d, capacity]}, and its raw
     * keys position-major, {@code [kvHeads, capacity, d]}: positions 0..length-1 are filled. Chunks are written in
     * place and the capacity doubles when full, so appending a token costs O(1) amortised instead of a copy of the
     * whole segment per token. Position-minor lets one decoded query run along all positions in long vector loops
     * (scores: Σ_i q_i·K[i][·], output: Σ_t p_t·V[·][t]) however narrow the heads; PyTorch reads them as
     * transposed views. The raw keys are only read when the segment folds.
     */
    private NDArray keysRotated;
    private NDArray keys;
    private NDArray values;
    private long length;
    /** Views for the Java decode step, made on first use; the cache's are dropped whenever its buffers grow. */
    private Cache cache;
    private Matrix memoryView;
    private Matrix normalizerView;

    public CompressiveMemory(NDManager manager, int kvHeads, int headDim) {
        this.manager = manager;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.memory = manager.zeros(new Shape(kvHeads, headDim, headDim), DataType.FLOAT32);
        this.normalizer = manager.zeros(new Shape(kvHeads, headDim), DataType.FLOAT32);
    }

    /** Positions held in the open segment. */
    public long openLength() {
        return length;
    }

    /** M as a flat float array, [kvHeads][d][d]. */
    public float[] memoryValues() {
        return memory.toFloatArray();
    }

    /** z as a flat float array, [kvHeads][d]. */
    public float[] normalizerValues() {
        return normalizer.toFloatArray();
    }

    /**
     * The open segment's keys before RoPE and its values, each {@code [kvHeads][n][d]} flattened (for a snapshot
     * that carries them).
     */
    public float[][] openKeysValues() {
        if (length == 0) {
            return new float[][] {new float[0], new float[0]};
        }
        try (NDManager step = manager.newSubManager()) {
            return new float[][] {keys(step).toFloatArray(), values(step).toFloatArray()};
        }
    }

    /** Replaces M and z (restoring a snapshot). */
    public void load(float[] memoryValues, float[] normalizerValues) {
        try (NDManager step = manager.newSubManager()) {
            memory.muli(0).addi(step.create(memoryValues, memory.getShape()).toDevice(memory.getDevice(), false));
            normalizer.muli(0).addi(step.create(normalizerValues, normalizer.getShape())
                    .toDevice(normalizer.getDevice(), false));
        }
    }

    /** Appends a chunk's keys and values, each {@code [kvHeads, L, d]}. */
    void append(NDArray rotated, NDArray raw, NDArray v) {
        long add = raw.getShape().get(1);
        reserve(add);
        NDIndex positionMinor = new NDIndex(":, :, {}:{}", length, length + add);
        keysRotated.set(positionMinor, rotated.transpose(0, 2, 1));
        keys.set(new NDIndex(":, {}:{}", length, length + add), raw);
        values.set(positionMinor, v.transpose(0, 2, 1));
        length += add;
    }

    /**
     * Appends one position from the Java decode step, written in place into the tensors the PyTorch path reads.
     *
     * @param rotated the key after RoPE, {@code [kvHeads·d]}
     * @param raw     the key before RoPE
     * @param v       the value
     */
    public void appendPosition(float[] rotated, float[] raw, float[] v) {
        reserve(1);
        Cache c = cache();
        int t = (int) length;
        for (int h = 0; h < kvHeads; h++) {
            for (int i = 0; i < headDim; i++) {
                c.keysRotated.set(c.row(h, i), t, rotated[h * headDim + i]);
                c.values.set(c.row(h, i), t, v[h * headDim + i]);
            }
            c.keys.setRow(h * c.capacity + t, raw, h * headDim);
        }
        length++;
    }

    /** The open segment's buffers read in place (valid until the next append), for the Java decode step. */
    public Cache cache() {
        if (cache == null) {
            cache = new Cache(Matrix.of(keysRotated), Matrix.of(keys), Matrix.of(values), headDim,
                    (int) keys.getShape().get(1));
        }
        return cache;
    }

    /** M read in place, {@code kvHeads·d} rows of d, for the Java decode step. */
    public Matrix memoryView() {
        if (memoryView == null) {
            memoryView = Matrix.of(memory);
        }
        return memoryView;
    }

    /** z read in place, {@code kvHeads} rows of d, for the Java decode step. */
    public Matrix normalizerView() {
        if (normalizerView == null) {
            normalizerView = Matrix.of(normalizer);
        }
        return normalizerView;
    }

    /**
     * The open segment's rotated keys and values position-minor, as matrices of {@code kvHeads·d} rows of
     * {@code capacity} positions: component i of KV head h is row {@link #row(int, int)}.
     */
    public static final class Cache {
        private final Matrix keysRotated;
        private final Matrix keys;
        private final Matrix values;
        private final int headDim;
        private final int capacity;

        private Cache(Matrix keysRotated, Matrix keys, Matrix values, int headDim, int capacity) {
            this.keysRotated = keysRotated;
            this.keys = keys;
            this.values = values;
            this.headDim = headDim;
            this.capacity = capacity;
        }

        /** The row holding component {@code i} of KV head {@code kvHead} over all positions. */
        public int row(int kvHead, int i) {
            return kvHead * headDim + i;
        }

        /** Keys after RoPE. */
        public Matrix keysRotated() {
            return keysRotated;
        }

        /** Values. */
        public Matrix values() {
            return values;
        }
    }

    /** Makes room for {@code add} more positions, doubling the capacity when full. */
    private void reserve(long add) {
        long capacity = keys == null ? 0 : keys.getShape().get(1);
        if (length + add > capacity) {
            long grown = Math.max(Math.max(64, length + add), 2 * capacity);
            keysRotated = regrow(keysRotated, new Shape(kvHeads, headDim, grown), ":, :, :{}");
            keys = regrow(keys, new Shape(kvHeads, grown, headDim), ":, :{}");
            values = regrow(values, new Shape(kvHeads, headDim, grown), ":, :, :{}");
            cache = null;
        }
    }

    private NDArray regrow(NDArray old, Shape shape, String filledPositions) {
        NDArray grown = manager.zeros(shape, DataType.FLOAT32, memory.getDevice());
        if (old != null) {
            if (length > 0) {
                NDIndex filled = new NDIndex(filledPositions, length);
                try (NDArray part = old.get(filled)) {
                    grown.set(filled, part);
                }
            }
            old.close();
        }
        return grown;
    }

    /** The open segment's rotated keys, {@code [kvHeads, length, d]}, as a view owned by {@code step}. */
    NDArray keysRotated(NDManager step) {
        return positionMajor(keysRotated, step);
    }

    /** The open segment's keys before RoPE, {@code [kvHeads, length, d]}, as a view owned by {@code step}. */
    NDArray keys(NDManager step) {
        NDArray view = keys.get(new NDIndex(":, :{}", length));
        view.attach(step);
        return view;
    }

    /** The open segment's values, {@code [kvHeads, length, d]}, as a view owned by {@code step}. */
    NDArray values(NDManager step) {
        return positionMajor(values, step);
    }

    private NDArray positionMajor(NDArray buffer, NDManager step) {
        NDArray view = buffer.get(new NDIndex(":, :, :{}", length));
        view.attach(step);
        return view.transpose(0, 2, 1);
    }

    /** Empties the open segment once it is folded into memory; the buffers are kept for the next segment. */
    void clearSegment() {
        length = 0;
    }

    @Override
    public void close() {
        for (NDArray a : new NDArray[] {keysRotated, keys, values}) {
            if (a != null) {
                a.close();
            }
        }
        keysRotated = keys = values = null;
        cache = null;
        memoryView = normalizerView = null;
        length = 0;
        memory.close();
        normalizer.close();
    }
}
