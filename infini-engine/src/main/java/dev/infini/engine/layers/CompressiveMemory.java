package dev.infini.engine.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * One layer's share of a conversation: the compressive memory (M, z) per KV head, float32 and of fixed size, and
 * the open segment's keys and values, which never hold more than N positions.
 * <p>
 * Keys are kept twice: rotated, for the segment's softmax attention, and un-rotated, because the memory stores
 * keys before RoPE (σ(K) in eq. 4 and 5 carries no position).
 */
public final class CompressiveMemory implements AutoCloseable {

    private final NDManager manager;
    /** M_{s-1}, [kvHeads, d, d]. */
    final NDArray memory;
    /** z_{s-1}, [kvHeads, d]. */
    final NDArray normalizer;
    /**
     * The open segment's keys (rotated and raw) and values, {@code [kvHeads, capacity, d]}: positions 0..length-1
     * are filled. Chunks are written in place and the capacity doubles when full, so appending a token costs O(1)
     * amortised instead of a copy of the whole segment per token.
     */
    private NDArray keysRotated;
    private NDArray keys;
    private NDArray values;
    private long length;

    public CompressiveMemory(NDManager manager, int kvHeads, int headDim) {
        this.manager = manager;
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

    /** Replaces M and z (restoring a snapshot). */
    public void load(float[] memoryValues, float[] normalizerValues) {
        try (NDManager step = manager.newSubManager()) {
            memory.muli(0).addi(step.create(memoryValues, memory.getShape()).toDevice(memory.getDevice(), false));
            normalizer.muli(0).addi(step.create(normalizerValues, normalizer.getShape())
                    .toDevice(normalizer.getDevice(), false));
        }
    }

    void append(NDArray rotated, NDArray raw, NDArray v) {
        long add = raw.getShape().get(1);
        long capacity = keys == null ? 0 : keys.getShape().get(1);
        if (length + add > capacity) {
            long grown = Math.max(Math.max(64, length + add), 2 * capacity);
            keysRotated = regrow(keysRotated, rotated, grown);
            keys = regrow(keys, raw, grown);
            values = regrow(values, v, grown);
        }
        NDIndex slot = new NDIndex(":, {}:{}", length, length + add);
        keysRotated.set(slot, rotated);
        keys.set(slot, raw);
        values.set(slot, v);
        length += add;
    }

    private NDArray regrow(NDArray old, NDArray like, long capacity) {
        Shape s = like.getShape();
        NDArray grown = manager.zeros(new Shape(s.get(0), capacity, s.get(2)), like.getDataType(), like.getDevice());
        if (old != null) {
            if (length > 0) {
                try (NDArray filled = old.get(new NDIndex(":, :{}", length))) {
                    grown.set(new NDIndex(":, :{}", length), filled);
                }
            }
            old.close();
        }
        return grown;
    }

    /** The open segment's rotated keys, {@code [kvHeads, length, d]}, as a view owned by {@code step}. */
    NDArray keysRotated(NDManager step) {
        return filled(keysRotated, step);
    }

    /** The open segment's keys before RoPE, as a view owned by {@code step}. */
    NDArray keys(NDManager step) {
        return filled(keys, step);
    }

    /** The open segment's values, as a view owned by {@code step}. */
    NDArray values(NDManager step) {
        return filled(values, step);
    }

    private NDArray filled(NDArray buffer, NDManager step) {
        NDArray view = buffer.get(new NDIndex(":, :{}", length));
        view.attach(step);
        return view;
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
        length = 0;
        memory.close();
        normalizer.close();
    }
}
