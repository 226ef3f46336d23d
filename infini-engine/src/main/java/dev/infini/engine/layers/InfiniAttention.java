package dev.infini.engine.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.infini.engine.config.MemoryMode;
import dev.infini.engine.kernels.Kernels;

/**
 * Infini-attention (paper, section 2.1): causal softmax attention inside the segment, A_dot (eq. 2), mixed by a
 * learned per-head gate with what the compressive memory retrieves for the same queries, A_mem (eq. 3):
 * A = sigmoid(β)·A_mem + (1 − sigmoid(β))·A_dot (eq. 6). With grouped-query attention the memory lives per KV
 * head and every query head of a group reads it.
 */
public final class InfiniAttention {

    private final Kernels kernels;
    private final Rope rope;
    private final NDArray wq;
    private final NDArray wk;
    private final NDArray wv;
    private final NDArray wo;
    private final NDArray bq;
    private final NDArray bk;
    private final NDArray bv;
    /** sigmoid(β) per query head, [kvHeads, group, 1, 1]; null when the checkpoint has no gates. */
    private final NDArray gate;
    /** 1 − sigmoid(β), same shape. */
    private final NDArray oneMinusGate;
    private final int heads;
    private final int kvHeads;
    private final int headDim;

    /**
     * @param beta β per query head, [heads], or null for a checkpoint without memory gates
     */
    public InfiniAttention(Kernels kernels, Rope rope, NDArray wq, NDArray wk, NDArray wv, NDArray wo, NDArray bq,
                           NDArray bk, NDArray bv, NDArray beta, int heads, int kvHeads, int headDim) {
        this.kernels = kernels;
        this.rope = rope;
        this.wq = wq;
        this.wk = wk;
        this.wv = wv;
        this.wo = wo;
        this.bq = bq;
        this.bk = bk;
        this.bv = bv;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        if (beta != null) {
            // [H] → [Hkv, group, 1, 1]: β of query head j sits at (j / group, j % group), as the queries below
            NDArray g = ai.djl.nn.Activation.sigmoid(beta).reshape(kvHeads, heads / kvHeads, 1, 1);
            this.gate = g;
            this.oneMinusGate = g.neg().add(1f);
        } else {
            this.gate = null;
            this.oneMinusGate = null;
        }
    }

    /** Whether the checkpoint carries memory gates. */
    public boolean hasGates() {
        return gate != null;
    }

    /**
     * Puts back an open segment saved with a snapshot: its keys before RoPE and its values, each {@code [Hkv, n, d]}
     * owned by {@code step}, at segment positions 0..n-1. The keys are rotated again here, as {@link #forward}
     * rotates them, so the segment's attention sees what it saw before the snapshot.
     */
    public void restoreOpen(NDManager step, CompressiveMemory state, NDArray keys, NDArray values) {
        NDArray[] cosSin = rope.rows(step, 0, (int) keys.getShape().get(1));
        state.append(kernels.rope(keys, cosSin[0], cosSin[1]), keys, values);
    }

    /**
     * Attention for a chunk of L tokens that sit at segment positions offset..offset+L-1; appends their keys and
     * values to the open segment of {@code state}.
     *
     * @param x             normalized hidden states, [L, hidden], owned by {@code step}
     * @param memoryIsEmpty true in the first segment, where A = A_dot
     */
    public NDArray forward(NDManager step, NDArray x, CompressiveMemory state, int offset, boolean memoryIsEmpty,
                           MemoryMode mode) {
        long length = x.getShape().get(0);
        int group = heads / kvHeads;
        // [L, H·d] → [L, H, d] → [H, L, d]: q_proj's rows are the query heads one after another
        NDArray q = kernels.linear(x, wq, bq).reshape(length, heads, headDim).transpose(1, 0, 2);
        // [L, Hkv·d] → [Hkv, L, d]
        NDArray k = kernels.linear(x, wk, bk).reshape(length, kvHeads, headDim).transpose(1, 0, 2);
        NDArray v = kernels.linear(x, wv, bv).reshape(length, kvHeads, headDim).transpose(1, 0, 2);
        NDArray[] cosSin = rope.rows(step, offset, (int) length);
        // [H, L, d] → [Hkv, group, L, d]: query head j = kv·group + g reads KV head kv = j / group (the order of
        // Hugging Face's repeat_kv), so each group's queries broadcast against their one KV head
        NDArray qRotated = kernels.rope(q, cosSin[0], cosSin[1]).reshape(kvHeads, group, length, headDim);
        NDArray kRotated = kernels.rope(k, cosSin[0], cosSin[1]);
        state.append(kRotated, k, v);

        NDArray attention = kernels.causalAttention(qRotated, state.keysRotated(step), state.values(step),
                offset);
        if (gate != null && !memoryIsEmpty && mode != MemoryMode.OFF) {
            if (mode == MemoryMode.ON) {
                // eq. (3) with Q before RoPE: the memory is position-free.
                NDArray sigmaQ = kernels.sigma(q.reshape(kvHeads, group, length, headDim));
                NDArray retrieved = kernels.retrieve(sigmaQ, state.memory, state.normalizer);
                attention = retrieved.mul(gate).add(attention.mul(oneMinusGate)); // eq. (6)
            } else {
                attention = attention.mul(oneMinusGate); // the ZEROED control: A_mem read as 0
            }
        }
        // [Hkv, group, L, d] → [H, L, d] → [L, H, d] → [L, H·d]: heads back in q_proj's order for o_proj
        NDArray merged = attention.reshape(heads, length, headDim).transpose(1, 0, 2).reshape(length, heads * headDim);
        return kernels.linear(merged, wo, null);
    }

    /** Folds the full open segment into M and z (eq. 4 or 5) and empties it. */
    public void fold(NDManager step, CompressiveMemory state, boolean delta, boolean memoryIsEmpty, boolean update) {
        if (update) {
            NDArray sigmaK = kernels.sigma(state.keys(step));
            Kernels.MemoryIncrement increment = kernels.memoryIncrement(state.memory, state.normalizer, sigmaK,
                    state.values(step), delta, memoryIsEmpty);
            state.memory.addi(increment.memory());
            state.normalizer.addi(increment.normalizer());
        }
        state.clearSegment();
    }
}
