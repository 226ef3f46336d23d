package dev.infini.engine.kernels;

import java.nio.ByteBuffer;

/**
 * y = W · x for one row-major float32 matrix read in place. An interface of its own so that
 * {@link VectorKernels} can load the Panama implementation reflectively: nothing links against
 * {@code jdk.incubator.vector} unless the JVM was started with that module.
 */
interface MatVec {

    /**
     * @param weight {@code rows × cols} floats, row-major, in native byte order, from index 0
     * @param bias   {@code rows} floats in native byte order, or null
     * @param y      receives {@code rows} values
     */
    void multiply(ByteBuffer weight, int rows, int cols, float[] x, ByteBuffer bias, float[] y);
}
