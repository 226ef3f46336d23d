package dev.infini.engine.kernels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Scalar operands for any math that autograd may record.
 *
 * <p>DJL's {@code x.mul(2f)} (and {@code div}, {@code maximum}, … taking a {@code Number}) wraps the number in a
 * tensor over a Java direct buffer and closes it as soon as the op returns. PyTorch's autograd keeps that tensor for
 * the backward pass ({@code mul}, {@code div}, {@code maximum} and {@code minimum} save their other operand), but
 * once the JVM collects the buffer its memory is freed and reused: a backward pass after a garbage collection reads
 * whatever lies there, and the gradients come out scaled by garbage or NaN. The longer the graph, the likelier a
 * collection in between, which is why long training sequences failed. A tensor from {@link #of} lives in memory
 * PyTorch allocated and owns, so the graph's reference keeps it valid.
 */
public final class Scalars {

    private Scalars() {
    }

    /** A 0-d float32 tensor holding {@code value}, in PyTorch-owned memory on {@code manager}'s device. */
    public static NDArray of(NDManager manager, float value) {
        return manager.full(new Shape(), value);
    }
}
