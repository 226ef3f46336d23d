package dev.infini.engine.layers;

import ai.djl.ndarray.NDArray;
import dev.infini.engine.kernels.Kernels;

/** Root-mean-square layer norm, as Llama uses before attention, before the MLP and at the end. */
public final class RmsNorm {

    private final NDArray weight;
    private final float eps;

    public RmsNorm(NDArray weight, double eps) {
        this.weight = weight;
        this.eps = (float) eps;
    }

    public NDArray apply(Kernels kernels, NDArray x) {
        return kernels.rmsNorm(x, weight, eps);
    }
}
