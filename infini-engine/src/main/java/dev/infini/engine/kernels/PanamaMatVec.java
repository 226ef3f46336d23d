package dev.infini.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@link MatVec} with the incubating Vector API (Java 17), reading the weights straight from PyTorch's memory.
 * Loaded only through reflection by {@link VectorKernels}, after it has checked that the module is present.
 */
final class PanamaMatVec implements MatVec {

    // static finals, so the JIT sees constants: a species held in a plain field leaves the vector ops
    // un-intrinsified and about 4x slower (measured on JDK 17.0.15).
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int STEP = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    @Override
    public void multiply(ByteBuffer weight, int rows, int cols, float[] x, ByteBuffer bias, float[] y) {
        // One row at a time, four independent accumulators along it: the fma chains overlap, and the matrix is
        // read as a single sequential stream. Four rows side by side sharing the x loads was measured half as
        // fast (12 vs 24 GB/s on a 3072 × 768 matrix), presumably because four streams defeat the prefetcher.
        int wide = cols - cols % (4 * STEP);
        int narrow = SPECIES.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int row = r * cols * Float.BYTES;
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = FloatVector.zero(SPECIES);
            FloatVector a2 = FloatVector.zero(SPECIES);
            FloatVector a3 = FloatVector.zero(SPECIES);
            int c = 0;
            for (; c < wide; c += 4 * STEP) {
                int at = row + c * Float.BYTES;
                a0 = FloatVector.fromByteBuffer(SPECIES, weight, at, ORDER)
                        .fma(FloatVector.fromArray(SPECIES, x, c), a0);
                a1 = FloatVector.fromByteBuffer(SPECIES, weight, at + STEP * Float.BYTES, ORDER)
                        .fma(FloatVector.fromArray(SPECIES, x, c + STEP), a1);
                a2 = FloatVector.fromByteBuffer(SPECIES, weight, at + 2 * STEP * Float.BYTES, ORDER)
                        .fma(FloatVector.fromArray(SPECIES, x, c + 2 * STEP), a2);
                a3 = FloatVector.fromByteBuffer(SPECIES, weight, at + 3 * STEP * Float.BYTES, ORDER)
                        .fma(FloatVector.fromArray(SPECIES, x, c + 3 * STEP), a3);
            }
            for (; c < narrow; c += STEP) {
                a0 = FloatVector.fromByteBuffer(SPECIES, weight, row + c * Float.BYTES, ORDER)
                        .fma(FloatVector.fromArray(SPECIES, x, c), a0);
            }
            float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
            for (; c < cols; c++) {
                sum += weight.getFloat(row + c * Float.BYTES) * x[c];
            }
            y[r] = bias == null ? sum : sum + bias.getFloat(r * Float.BYTES);
        }
    }
}
