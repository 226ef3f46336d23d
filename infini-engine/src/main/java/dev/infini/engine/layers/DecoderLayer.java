package dev.infini.engine.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.infini.engine.config.MemoryMode;
import dev.infini.engine.kernels.Kernels;

/** One pre-norm Llama block: x + attention(norm(x)), then + mlp(norm(·)). */
public final class DecoderLayer {

    private final Kernels kernels;
    private final RmsNorm inputNorm;
    private final InfiniAttention attention;
    private final RmsNorm postAttentionNorm;
    private final Mlp mlp;

    public DecoderLayer(Kernels kernels, RmsNorm inputNorm, InfiniAttention attention, RmsNorm postAttentionNorm,
                        Mlp mlp) {
        this.kernels = kernels;
        this.inputNorm = inputNorm;
        this.attention = attention;
        this.postAttentionNorm = postAttentionNorm;
        this.mlp = mlp;
    }

    public InfiniAttention attention() {
        return attention;
    }

    public NDArray forward(NDManager step, NDArray x, CompressiveMemory state, int offset, boolean memoryIsEmpty,
                           MemoryMode mode) {
        NDArray h = x.add(attention.forward(step, inputNorm.apply(kernels, x), state, offset, memoryIsEmpty, mode));
        return h.add(mlp.apply(kernels, postAttentionNorm.apply(kernels, h)));
    }
}
