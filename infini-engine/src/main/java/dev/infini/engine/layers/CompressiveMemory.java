package dev.infini.engine.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
    NDArray keysRotated;
    NDArray keys;
    NDArray values;

    public CompressiveMemory(NDManager manager, int kvHeads, int headDim) {
        this.manager = manager;
        this.memory = manager.zeros(new Shape(kvHeads, headDim, headDim), DataType.FLOAT32);
        this.normalizer = manager.zeros(new Shape(kvHeads, headDim), DataType.FLOAT32);
    }

    /** Positions held in the open segment. */
    public long openLength() {
        return keys == null ? 0 : keys.getShape().get(1);
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
        keysRotated = grow(keysRotated, rotated);
        keys = grow(keys, raw);
        values = grow(values, v);
    }

    private NDArray grow(NDArray cache, NDArray chunk) {
        if (cache == null) {
            NDArray owned = chunk.duplicate();
            owned.attach(manager);
            return owned;
        }
        NDArray grown = NDArrays.concat(new NDList(cache, chunk), 1);
        grown.attach(manager);
        cache.close();
        return grown;
    }

    /** Drops the open segment's keys and values once they are folded into memory. */
    void clearSegment() {
        for (NDArray a : new NDArray[] {keysRotated, keys, values}) {
            if (a != null) {
                a.close();
            }
        }
        keysRotated = keys = values = null;
    }

    @Override
    public void close() {
        clearSegment();
        memory.close();
        normalizer.close();
    }
}
