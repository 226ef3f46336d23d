package dev.infini.engine.kernels;

/**
 * The hot loops of a decode step run in Java: one token's activations (Java float arrays) against matrices read
 * in place from native memory, the weights and the session's cached keys, values and memory. The rest of the step
 * is O(hidden) plain Java around these calls; keeping the loops behind this interface lets another backend (wider
 * vectors, 16-bit or quantized weights, native code) slot in without touching the step.
 */
public interface DecodeKernels {

    /** y[r] = Σ_c W[r][c]·x[c] for every row r of W; x holds at least {@code cols}, y at least {@code rows}. */
    void matVec(Matrix w, float[] x, float[] y);

    /** Σ_{i<length} a[from + i]·m[row][i]: attention weights against one component of the cached values. */
    float dotRow(float[] a, int from, Matrix m, int row, int length);

    /** out[from + i] += scale·m[row][i] for i < length: one query component times that of the cached keys. */
    void addScaledRow(float[] out, int from, float scale, Matrix m, int row, int length);

    /** Softmax of x[0..length) in place: exp(x − max) / Σ exp(x − max). */
    void softmax(float[] x, int length);

    /** SwiGLU in place over {@code length} values: gate = gate·sigmoid(gate)·up. */
    void swiglu(float[] gate, float[] up, int length);
}
