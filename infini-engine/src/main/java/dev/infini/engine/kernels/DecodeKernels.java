package dev.infini.engine.kernels;

import dev.infini.engine.config.WeightFormat;

/**
 * The hot loops of a decode step run in Java: one token's activations (Java float arrays) against matrices read
 * in place from native memory, the weights and the session's cached keys, values and memory. The rest of the step
 * is O(hidden) plain Java around these calls; keeping the loops behind this interface lets another backend (wider
 * vectors, 16-bit or quantized weights, native code) slot in without touching the step.
 */
public interface DecodeKernels {

    /**
     * y = W·x: y[r] = Σ_c W[r][c]·x[c] for every row r of W (a linear map of one token), W in any
     * {@link WeightFormat}, widened to float32 as it is read.
     */
    void matVec(Matrix w, float[] x, float[] y);

    /**
     * Called once for each weight matrix when a model loads, before any product with it and never again: a backend
     * may keep a layout of its own for {@link #matVec(Matrix, float[], float[])} (the weights are never written
     * afterwards). The default keeps none.
     */
    default void prepare(Matrix weight) {
    }

    /**
     * A block of rows of a float32 matrix times x over their first {@code length} columns:
     * y[yFrom + r] = Σ_{c<length} m[first + r][c]·x[c] for r < rows (attention weights against the cached values).
     */
    void matVec(Matrix m, int first, int rows, int length, float[] x, float[] y, int yFrom);

    /**
     * s times a block of rows of a float32 matrix over their first {@code length} columns:
     * out[c] = Σ_{r<rows} s[sFrom + r]·m[first + r][c] for c < length (a query against the cached keys, σ(Q)·M).
     */
    void vecMat(float[] s, int sFrom, Matrix m, int first, int rows, int length, float[] out);

    /** Softmax of x[0..length) in place: exp(x − max) / Σ exp(x − max). */
    void softmax(float[] x, int length);

    /** SwiGLU in place over {@code length} values: gate = gate·sigmoid(gate)·up. */
    void swiglu(float[] gate, float[] up, int length);
}
