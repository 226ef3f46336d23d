package dev.infini.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * {@link DecodeKernels} with the incubating Vector API (Java 17). Loaded only through reflection by
 * {@link VectorKernels}, after it has checked that the module is present.
 */
final class PanamaDecodeKernels implements DecodeKernels {

    // static finals, so the JIT sees constants: a species held in a plain field leaves the vector ops
    // un-intrinsified and about 4x slower (measured on JDK 17.0.15).
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int STEP = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /**
     * Matrices below this many floats (1 MiB) stay on the calling thread: handing rows to another thread costs
     * tens of microseconds, as long as streaming a megabyte.
     */
    private static final long SPLIT_MIN_FLOATS = 1 << 18;
    /** Rows up to this many floats go four at a time ({@link #quad}); longer ones stream one at a time. */
    private static final int QUAD_MAX_COLS = 512;

    private final int threads;
    private final ForkJoinPool pool;

    /** @param threads threads a large matrix's rows are split over, the calling thread included */
    PanamaDecodeKernels(int threads) {
        this.threads = Math.max(1, threads);
        // daemon workers that end when idle: nothing to close with the model
        this.pool = this.threads > 1 ? new ForkJoinPool(this.threads - 1) : null;
    }

    @Override
    public void matVec(Matrix w, float[] x, float[] y) {
        int rows = w.rows();
        int parts = pool == null || (long) rows * w.cols() < SPLIT_MIN_FLOATS ? 1 : Math.min(threads, rows);
        if (parts == 1) {
            rows(w, x, y, 0, rows);
            return;
        }
        // contiguous blocks of rows: each thread streams its own part of the matrix
        ForkJoinTask<?>[] others = new ForkJoinTask<?>[parts - 1];
        for (int p = 1; p < parts; p++) {
            int from = (int) ((long) rows * p / parts);
            int to = (int) ((long) rows * (p + 1) / parts);
            others[p - 1] = pool.submit(() -> rows(w, x, y, from, to));
        }
        rows(w, x, y, 0, rows / parts);
        for (ForkJoinTask<?> task : others) {
            task.join();
        }
    }

    private static void rows(Matrix w, float[] x, float[] y, int from, int to) {
        ByteBuffer data = w.data();
        int cols = w.cols();
        int r = from;
        if (cols <= QUAD_MAX_COLS) {
            for (; r + 4 <= to; r += 4) {
                quad(data, r, cols, x, y);
            }
        }
        for (; r < to; r++) {
            y[r] = dot(data, r * cols * Float.BYTES, x, 0, cols);
        }
    }

    /**
     * Rows r..r+3 side by side, sharing each load of x. On short rows a product is mostly its fixed costs (the
     * horizontal sum of the accumulator above all), which four independent rows overlap: measured 1.5–2.3× faster
     * per row than one row at a time on 64- to 176-float rows. Long rows stay one at a time (see {@link #dot}).
     */
    private static void quad(ByteBuffer data, int r, int cols, float[] x, float[] y) {
        int b0 = r * cols * Float.BYTES;
        int b1 = b0 + cols * Float.BYTES;
        int b2 = b1 + cols * Float.BYTES;
        int b3 = b2 + cols * Float.BYTES;
        int narrow = SPECIES.loopBound(cols);
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = FloatVector.zero(SPECIES);
        FloatVector a2 = FloatVector.zero(SPECIES);
        FloatVector a3 = FloatVector.zero(SPECIES);
        int c = 0;
        for (; c < narrow; c += STEP) {
            FloatVector xv = FloatVector.fromArray(SPECIES, x, c);
            int at = c * Float.BYTES;
            a0 = FloatVector.fromByteBuffer(SPECIES, data, b0 + at, ORDER).fma(xv, a0);
            a1 = FloatVector.fromByteBuffer(SPECIES, data, b1 + at, ORDER).fma(xv, a1);
            a2 = FloatVector.fromByteBuffer(SPECIES, data, b2 + at, ORDER).fma(xv, a2);
            a3 = FloatVector.fromByteBuffer(SPECIES, data, b3 + at, ORDER).fma(xv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) {
            int at = c * Float.BYTES;
            s0 += data.getFloat(b0 + at) * x[c];
            s1 += data.getFloat(b1 + at) * x[c];
            s2 += data.getFloat(b2 + at) * x[c];
            s3 += data.getFloat(b3 + at) * x[c];
        }
        y[r] = s0;
        y[r + 1] = s1;
        y[r + 2] = s2;
        y[r + 3] = s3;
    }

    @Override
    public float dotRow(float[] a, int from, Matrix m, int row, int length) {
        return dot(m.data(), row * m.cols() * Float.BYTES, a, from, length);
    }

    /**
     * Σ_i data[base + i]·x[from + i] over length floats. Four independent accumulators: the fma chains overlap,
     * and the row is read as a single sequential stream. For a matrix-vector product of long rows, four rows side by
     * side sharing the x loads was measured half as fast (12 vs 24 GB/s on a 3072 × 768 matrix, AMD EPYC),
     * presumably because four streams defeat the prefetcher.
     */
    private static float dot(ByteBuffer data, int base, float[] x, int from, int length) {
        int wide = length - length % (4 * STEP);
        int narrow = SPECIES.loopBound(length);
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = FloatVector.zero(SPECIES);
        FloatVector a2 = FloatVector.zero(SPECIES);
        FloatVector a3 = FloatVector.zero(SPECIES);
        int i = 0;
        for (; i < wide; i += 4 * STEP) {
            int at = base + i * Float.BYTES;
            a0 = FloatVector.fromByteBuffer(SPECIES, data, at, ORDER)
                    .fma(FloatVector.fromArray(SPECIES, x, from + i), a0);
            a1 = FloatVector.fromByteBuffer(SPECIES, data, at + STEP * Float.BYTES, ORDER)
                    .fma(FloatVector.fromArray(SPECIES, x, from + i + STEP), a1);
            a2 = FloatVector.fromByteBuffer(SPECIES, data, at + 2 * STEP * Float.BYTES, ORDER)
                    .fma(FloatVector.fromArray(SPECIES, x, from + i + 2 * STEP), a2);
            a3 = FloatVector.fromByteBuffer(SPECIES, data, at + 3 * STEP * Float.BYTES, ORDER)
                    .fma(FloatVector.fromArray(SPECIES, x, from + i + 3 * STEP), a3);
        }
        for (; i < narrow; i += STEP) {
            a0 = FloatVector.fromByteBuffer(SPECIES, data, base + i * Float.BYTES, ORDER)
                    .fma(FloatVector.fromArray(SPECIES, x, from + i), a0);
        }
        float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < length; i++) {
            sum += data.getFloat(base + i * Float.BYTES) * x[from + i];
        }
        return sum;
    }

    @Override
    public void addScaledRow(float[] out, int from, float scale, Matrix m, int row, int length) {
        ByteBuffer data = m.data();
        int base = row * m.cols() * Float.BYTES;
        int narrow = SPECIES.loopBound(length);
        int i = 0;
        FloatVector factor = FloatVector.broadcast(SPECIES, scale);
        for (; i < narrow; i += STEP) {
            FloatVector.fromByteBuffer(SPECIES, data, base + i * Float.BYTES, ORDER)
                    .fma(factor, FloatVector.fromArray(SPECIES, out, from + i))
                    .intoArray(out, from + i);
        }
        for (; i < length; i++) {
            out[from + i] += scale * data.getFloat(base + i * Float.BYTES);
        }
    }

    @Override
    public void softmax(float[] x, int length) {
        int narrow = SPECIES.loopBound(length);
        float max = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (narrow > 0) {
            FloatVector m = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
            for (; i < narrow; i += STEP) {
                m = m.max(FloatVector.fromArray(SPECIES, x, i));
            }
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < length; i++) {
            max = Math.max(max, x[i]);
        }
        // the vector EXP is an intrinsic (SVML on x86), several times cheaper than Math.exp per element
        FloatVector shift = FloatVector.broadcast(SPECIES, max);
        FloatVector sums = FloatVector.zero(SPECIES);
        for (i = 0; i < narrow; i += STEP) {
            FloatVector e = FloatVector.fromArray(SPECIES, x, i).sub(shift).lanewise(VectorOperators.EXP);
            e.intoArray(x, i);
            sums = sums.add(e);
        }
        float sum = sums.reduceLanes(VectorOperators.ADD);
        for (; i < length; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        float inverse = 1 / sum;
        FloatVector factor = FloatVector.broadcast(SPECIES, inverse);
        for (i = 0; i < narrow; i += STEP) {
            FloatVector.fromArray(SPECIES, x, i).mul(factor).intoArray(x, i);
        }
        for (; i < length; i++) {
            x[i] *= inverse;
        }
    }

    @Override
    public void swiglu(float[] gate, float[] up, int length) {
        int narrow = SPECIES.loopBound(length);
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        int i = 0;
        for (; i < narrow; i += STEP) {
            FloatVector g = FloatVector.fromArray(SPECIES, gate, i);
            FloatVector sigmoid = one.div(g.neg().lanewise(VectorOperators.EXP).add(one));
            g.mul(sigmoid).mul(FloatVector.fromArray(SPECIES, up, i)).intoArray(gate, i);
        }
        for (; i < length; i++) {
            float g = gate[i];
            gate[i] = g * (float) (1 / (1 + Math.exp(-g))) * up[i];
        }
    }
}
