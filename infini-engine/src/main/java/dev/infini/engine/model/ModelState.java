package dev.infini.engine.model;

import ai.djl.ndarray.NDManager;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.layers.CompressiveMemory;

import java.util.Arrays;
import java.util.List;

/**
 * One conversation's state inside a model: per layer the compressive memory (M, z) and the open segment's keys and
 * values, in native memory on the model's device. It knows whether the memory is still empty (nothing folded yet:
 * A = A_dot and the delta term is 0) and which update rule folds into it (eq. 4 or 5).
 * <p>
 * Get one from {@link InfiniModel#newState()} or {@link InfiniModel#restoreState}, run tokens through it with
 * {@link InfiniModel#forward} and fold a full segment with {@link InfiniModel#fold}. Not thread-safe; close it to
 * free its native memory.
 */
public final class ModelState implements AutoCloseable {

    private final NDManager manager;
    private final List<CompressiveMemory> layers;
    private final DecodeBuffers buffers;
    private final MemoryUpdate memoryUpdate;
    private final int segmentLength;
    private final int kvHeads;
    private final int headDim;
    private boolean memoryIsEmpty = true;
    private boolean closed;

    ModelState(NDManager manager, List<CompressiveMemory> layers, DecodeBuffers buffers, MemoryUpdate memoryUpdate,
               int segmentLength, int kvHeads, int headDim) {
        this.manager = manager;
        this.layers = List.copyOf(layers);
        this.buffers = buffers;
        this.memoryUpdate = memoryUpdate;
        this.segmentLength = segmentLength;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
    }

    /** True until the first segment is folded: the memory reads as nothing, M = 0 and z = 0. */
    public boolean memoryIsEmpty() {
        return memoryIsEmpty;
    }

    /** The rule that folds a segment into M: linear (eq. 4) or delta (eq. 5). */
    public MemoryUpdate memoryUpdate() {
        return memoryUpdate;
    }

    /** Tokens in the open segment, 0..N; at N the segment must be folded before more tokens run. */
    public int openLength() {
        return (int) layers.get(0).openLength();
    }

    /** Tokens the open segment still has room for. */
    public int openRoom() {
        return segmentLength - openLength();
    }

    /** M of every layer and KV head as one float32 array, [layers][kvHeads][d][d]. */
    public float[] memory() {
        int size = kvHeads * headDim * headDim;
        float[] all = new float[layers.size() * size];
        for (int i = 0; i < layers.size(); i++) {
            System.arraycopy(layers.get(i).memoryValues(), 0, all, i * size, size);
        }
        return all;
    }

    /** z of every layer and KV head as one float32 array, [layers][kvHeads][d]. */
    public float[] normalizer() {
        int size = kvHeads * headDim;
        float[] all = new float[layers.size() * size];
        for (int i = 0; i < layers.size(); i++) {
            System.arraycopy(layers.get(i).normalizerValues(), 0, all, i * size, size);
        }
        return all;
    }

    /**
     * The open segment's keys before RoPE and its values of every layer, each {@code [layers][kvHeads][n][d]}
     * flattened.
     */
    public float[][] openKeysValues() {
        int n = openLength();
        int size = kvHeads * n * headDim;
        float[] keys = new float[layers.size() * size];
        float[] values = new float[layers.size() * size];
        for (int i = 0; i < layers.size(); i++) {
            float[][] layer = layers.get(i).openKeysValues();
            System.arraycopy(layer[0], 0, keys, i * size, size);
            System.arraycopy(layer[1], 0, values, i * size, size);
        }
        return new float[][] {keys, values};
    }

    /** Replaces M and z of every layer; the arrays are laid out as {@link #memory()} and {@link #normalizer()}. */
    void load(float[] memory, float[] normalizer, boolean empty) {
        int memorySize = kvHeads * headDim * headDim;
        int normalizerSize = kvHeads * headDim;
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).load(Arrays.copyOfRange(memory, i * memorySize, (i + 1) * memorySize),
                    Arrays.copyOfRange(normalizer, i * normalizerSize, (i + 1) * normalizerSize));
        }
        this.memoryIsEmpty = empty;
    }

    /** Marks a segment folded: from now on the memory takes part. */
    void folded() {
        memoryIsEmpty = false;
    }

    NDManager manager() {
        ensureOpen();
        return manager;
    }

    List<CompressiveMemory> layers() {
        return layers;
    }

    DecodeBuffers buffers() {
        return buffers;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("model state is closed");
        }
    }

    /** Frees the state's native memory. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            layers.forEach(CompressiveMemory::close);
            manager.close();
        }
    }
}
