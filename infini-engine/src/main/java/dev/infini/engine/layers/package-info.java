/**
 * One Llama block with Infini-attention on PyTorch ops: RMSNorm, RoPE, the attention with its compressive memory
 * (eq. 2 to 6 of the paper), the SwiGLU MLP.
 */
package dev.infini.engine.layers;
