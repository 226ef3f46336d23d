package dev.infini.engine.kernels;

import ai.djl.ndarray.NDArray;

/**
 * The hot math of the engine, kept behind one small interface so that a faster backend (fused kernels, another
 * engine) can slot in without touching the layers. Every method returns new arrays owned by the manager of its
 * first array argument ({@link #memoryIncrement}: of σ(K)) and changes none of its arguments.
 * <p>
 * Shapes: q is grouped by KV head, {@code [kvHeads, group, L, d]}; k and v are {@code [kvHeads, n, d]};
 * M is {@code [kvHeads, d, d]} and z {@code [kvHeads, d]}.
 */
public interface Kernels {

    /** x · Wᵀ + b, like {@code torch.nn.functional.linear}; bias may be null. */
    NDArray linear(NDArray x, NDArray weight, NDArray bias);

    /** x / sqrt(mean(x²) + eps) · weight over the last axis. */
    NDArray rmsNorm(NDArray x, NDArray weight, float eps);

    /** SwiGLU: silu(gate) · up. */
    NDArray swiglu(NDArray gate, NDArray up);

    /** Rotary embedding in the Hugging Face (rotate-half) layout; cos and sin are {@code [L, d]}. */
    NDArray rope(NDArray x, NDArray cos, NDArray sin);

    /**
     * Causal softmax attention inside the segment, A_dot (eq. 2): query i of the chunk sits at segment position
     * {@code offset + i} and sees keys 0..offset+i.
     */
    NDArray causalAttention(NDArray q, NDArray k, NDArray v, int offset);

    /** σ(x) = ELU(x) + 1, the memory's non-linearity. */
    NDArray sigma(NDArray x);

    /** Memory retrieval, eq. (3): A_mem = σ(Q) M / (σ(Q) z). */
    NDArray retrieve(NDArray sigmaQ, NDArray memory, NDArray normalizer);

    /**
     * What folding one segment adds to the memory: ΔM = σ(K)ᵀV (eq. 4, linear) or σ(K)ᵀ(V − σ(K)M/(σ(K)z))
     * (eq. 5, delta, whose retrieved term is 0 while the memory is empty), and Δz = Σ_t σ(K_t). The one
     * implementation of the update: inference adds it to M and z in place, training to new arrays so that autograd
     * links every segment to the ones before it.
     *
     * @param memory        M_{s-1}, {@code [kvHeads, d, d]}; read by the delta rule only (may be null otherwise)
     * @param normalizer    z_{s-1}, {@code [kvHeads, d]}; likewise
     * @param sigmaK        σ(K) of the segment, keys taken before RoPE, {@code [kvHeads, N, d]}
     * @param v             V of the segment, {@code [kvHeads, N, d]}
     * @param delta         the delta rule instead of the linear one
     * @param memoryIsEmpty true for the first segment
     */
    MemoryIncrement memoryIncrement(NDArray memory, NDArray normalizer, NDArray sigmaK, NDArray v, boolean delta,
                                    boolean memoryIsEmpty);

    /**
     * The increments of one fold.
     *
     * @param memory     ΔM, {@code [kvHeads, d, d]}
     * @param normalizer Δz, {@code [kvHeads, d]}
     */
    record MemoryIncrement(NDArray memory, NDArray normalizer) {
    }
}
