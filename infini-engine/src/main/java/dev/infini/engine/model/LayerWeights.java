package dev.infini.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * One decoder layer's tensors as loaded: the PyTorch layers ({@code layers.DecoderLayer}) and the Java decode step
 * ({@link JavaDecodeStep}) are built on the same arrays.
 *
 * @param inputNorm         RMSNorm weight before attention, [hidden]
 * @param wq                q_proj, [heads·d, hidden]
 * @param wk                k_proj, [kvHeads·d, hidden]
 * @param wv                v_proj, [kvHeads·d, hidden]
 * @param wo                o_proj, [hidden, heads·d]
 * @param bq                q_proj bias or null (qwen2 has them)
 * @param bk                k_proj bias or null
 * @param bv                v_proj bias or null
 * @param beta              the memory gate β per query head (eq. 6), or null when the memory is not gated in
 * @param postAttentionNorm RMSNorm weight before the MLP
 * @param gate              mlp.gate_proj, [intermediate, hidden]
 * @param up                mlp.up_proj, [intermediate, hidden]
 * @param down              mlp.down_proj, [hidden, intermediate]
 */
record LayerWeights(NDArray inputNorm, NDArray wq, NDArray wk, NDArray wv, NDArray wo, NDArray bq, NDArray bk,
                    NDArray bv, NDArray beta, NDArray postAttentionNorm, NDArray gate, NDArray up, NDArray down) {
}
