package dev.infini.engine.layers;

import ai.djl.ndarray.NDArray;
import dev.infini.engine.kernels.Kernels;

/** Llama's gated MLP: down(silu(gate(x)) · up(x)). */
public final class Mlp {

    private final NDArray gate;
    private final NDArray up;
    private final NDArray down;

    public Mlp(NDArray gate, NDArray up, NDArray down) {
        this.gate = gate;
        this.up = up;
        this.down = down;
    }

    public NDArray apply(Kernels kernels, NDArray x) {
        return kernels.linear(kernels.swiglu(kernels.linear(x, gate, null), kernels.linear(x, up, null)), down, null);
    }
}
