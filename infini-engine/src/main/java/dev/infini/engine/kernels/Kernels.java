package dev.infini.engine.kernels;

import ai.djl.ndarray.NDArray;

/**
 * The hot math of the engine, kept behind one small interface so that a faster backend (fused kernels, another
 * engine) can slot in without touching the layers. Every method returns a new array owned by the manager of its
 * first argument, except {@link #foldIntoMemory}, which updates M and z in place.
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
     * Folds one segment into memory in place: eq. (4) (linear) or eq. (5) (delta, whose retrieved term is 0 while
     * the memory is empty), and z += Σ_t σ(K_t).
     *
     * @param sigmaK       σ(K) of the segment, keys taken before RoPE, {@code [kvHeads, N, d]}
     * @param v            V of the segment, {@code [kvHeads, N, d]}
     * @param delta        the delta rule instead of the linear one
     * @param memoryIsEmpty true for the first segment
     */
    void foldIntoMemory(NDArray memory, NDArray normalizer, NDArray sigmaK, NDArray v, boolean delta,
                        boolean memoryIsEmpty);
}
