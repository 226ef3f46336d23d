/**
 * The hot math behind two small interfaces: {@link dev.infini.engine.kernels.Kernels} on PyTorch arrays (prefill,
 * folding, training) and {@link dev.infini.engine.kernels.DecodeKernels} as Vector API loops (one decoded token).
 */
package dev.infini.engine.kernels;
