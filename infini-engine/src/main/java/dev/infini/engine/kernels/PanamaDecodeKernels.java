package dev.infini.engine.kernels;

import dev.infini.engine.config.WeightFormat;
import dev.infini.engine.weights.Dtypes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * {@link DecodeKernels} with the incubating Vector API (Java 17). Loaded only through reflection by
 * {@link VectorKernels}, after it has checked that the module is present.
 */
final class PanamaDecodeKernels implements DecodeKernels {

    // static finals, so the JIT sees constants: a species held in a plain field leaves the vector ops
    // un-intrinsified and about 4x slower (measured on JDK 17.0.15).
    private static final VectorSpecies<Float> SPECIES = NativeVectors.FLOATS;
    private static final int STEP = SPECIES.length();
    /** Weights read as ints and unpacked in the lane: two 16-bit weights or four Q8_0 bytes to an int. */
    private static final VectorSpecies<Integer> WIDE = NativeVectors.INTS;
    /** Q8_0 blocks (8 ints each) in one vector: 1 with 256-bit vectors, 2 with 512; 0 (scalar loop) below. */
    private static final int Q8_BLOCKS_PER_VECTOR = STEP / (WeightFormat.Q8_BLOCK / 4);
    /** The lanes of a vector's second Q8_0 block, which take its own scale. */
    private static final VectorMask<Float> SECOND_BLOCK = Q8_BLOCKS_PER_VECTOR == 2
            ? VectorMask.fromLong(SPECIES, 0xFF00L) : null;
    /**
     * Matrices below this many bytes (1 MiB) stay on the calling thread: handing rows to another thread costs
     * tens of microseconds, as long as streaming a megabyte.
     */
    private static final long SPLIT_MIN_BYTES = 1 << 20;
    /** Rows up to this many floats go four at a time ({@link #quad}); longer ones stream one at a time. */
    private static final int QUAD_MAX_COLS = 512;
    /**
     * Float32 and bfloat16 weights with rows up to {@link #QUAD_MAX_COLS} and at most this many bytes (4 MiB) are
     * also kept column by column on the Java heap ({@link #prepare}), a copy that small models can afford: their
     * products then need no horizontal sum at all ({@link #columns}, {@link #bf16Columns}).
     */
    private static final long COLUMNS_MAX_BYTES = 4L << 20;
    /** Output rows a pass of {@link #columns} accumulates in registers: four vectors. */
    private static final int COLUMN_BLOCK = 4 * STEP;

    private final int threads;
    private final ForkJoinPool pool;
    /** Column-major copies of small float32 weights, by identity; replaced whole, so readers need no lock. */
    private volatile Map<Matrix, float[]> columnMajor = new IdentityHashMap<>();
    /** The same for small bfloat16 weights, two rows to an int ({@link #bf16Columns}). */
    private volatile Map<Matrix, int[]> bf16ColumnMajor = new IdentityHashMap<>();

    /** @param threads threads a large matrix's rows are split over, the calling thread included */
    PanamaDecodeKernels(int threads) {
        if (NativeVectors.unavailable() != null) {
            throw new UnsupportedOperationException(NativeVectors.unavailable());
        }
        this.threads = Math.max(1, threads);
        // daemon workers that end when idle: nothing to close with the model
        this.pool = this.threads > 1 ? new ForkJoinPool(this.threads - 1) : null;
    }

    @Override
    public synchronized void prepare(Matrix weight) {
        if (weight.cols() > QUAD_MAX_COLS || weight.bytes() > COLUMNS_MAX_BYTES || columnMajor.containsKey(weight)
                || bf16ColumnMajor.containsKey(weight)) {
            return;
        }
        if (weight.format() == WeightFormat.BF16) {
            prepareBf16(weight);
            return;
        }
        if (weight.format() != WeightFormat.F32) {
            return;
        }
        int rows = weight.rows();
        int cols = weight.cols();
        float[] transposed = new float[rows * cols];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            weight.copyRow(r, row, 0);
            for (int c = 0; c < cols; c++) {
                transposed[c * rows + r] = row[c];
            }
        }
        Map<Matrix, float[]> next = new IdentityHashMap<>(columnMajor);
        next.put(weight, transposed);
        columnMajor = next;
    }

    /**
     * A bfloat16 weight in blocks of 2·{@link #STEP} rows, each block column by column: int i of column c of block k
     * holds row 2·STEP·k + i in its low half and row 2·STEP·k + STEP + i in its high half. Rows past the last whole
     * block stay in the row-major matrix.
     */
    private void prepareBf16(Matrix weight) {
        int cols = weight.cols();
        int blocks = weight.rows() / (2 * STEP);
        if (blocks == 0) {
            return;
        }
        ByteBuffer data = weight.data();
        int[] packed = new int[blocks * cols * STEP];
        for (int k = 0; k < blocks; k++) {
            for (int c = 0; c < cols; c++) {
                for (int i = 0; i < STEP; i++) {
                    int low = data.getShort(((2 * STEP * k + i) * cols + c) * 2) & 0xFFFF;
                    int high = data.getShort(((2 * STEP * k + STEP + i) * cols + c) * 2) & 0xFFFF;
                    packed[(k * cols + c) * STEP + i] = high << 16 | low;
                }
            }
        }
        Map<Matrix, int[]> next = new IdentityHashMap<>(bf16ColumnMajor);
        next.put(weight, packed);
        bf16ColumnMajor = next;
    }

    @Override
    public void matVec(Matrix w, float[] x, float[] y) {
        float[] transposed = columnMajor.get(w);
        if (transposed != null) {
            columns(transposed, w.rows(), w.cols(), x, y);
            return;
        }
        int[] packed = bf16ColumnMajor.get(w);
        if (packed != null) {
            int done = bf16Columns(packed, w.cols(), x, y);
            if (done < w.rows()) {
                weightRows(w, done, w.rows() - done, x, split(x, 2), y);
            }
            return;
        }
        int rows = w.rows();
        int parts = pool == null || w.bytes() < SPLIT_MIN_BYTES ? 1 : Math.min(threads, rows);
        // x split once per product, for every thread's rows, as many ways as weights share an int (see weightRows)
        float[][] split = w.format() == WeightFormat.F32 ? null : split(x, Integer.BYTES / w.format().elementBytes());
        if (parts == 1) {
            weightRows(w, 0, rows, x, split, y);
            return;
        }
        // contiguous blocks of rows: each thread streams its own part of the matrix
        ForkJoinTask<?>[] others = new ForkJoinTask<?>[parts - 1];
        for (int p = 1; p < parts; p++) {
            int from = (int) ((long) rows * p / parts);
            int to = (int) ((long) rows * (p + 1) / parts);
            others[p - 1] = pool.submit(() -> weightRows(w, from, to - from, x, split, y));
        }
        weightRows(w, 0, rows / parts, x, split, y);
        for (ForkJoinTask<?> task : others) {
            task.join();
        }
    }

    /**
     * y[first + r] = row first + r of the weight · x, for r < rows, in the weight's own format. A 16-bit or 8-bit
     * weight is read as ints, each holding 2 or 4 weights, which are unpacked in the lane by shifts and masks:
     * lane-crossing conversions (short to int, byte to float) cost more than the bytes they save on this JDK. So x
     * is split the same way ({@code split}, null for F32): its even and odd elements, or its elements 4i, 4i + 1,
     * 4i + 2 and 4i + 3.
     * Each format has a loop of its own, so that no vector flows through a branch (the JIT then keeps them in
     * registers).
     */
    private static void weightRows(Matrix w, int first, int rows, float[] x, float[][] split, float[] y) {
        int cols = w.cols();
        switch (w.format()) {
            case F32 -> rows(w, first, rows, cols, x, y, first);
            case F16 -> {
                for (int r = first; r < first + rows; r++) {
                    y[r] = dotF16(w.data(), w.memory(), r * cols * 2, split, x, cols);
                }
            }
            case BF16 -> {
                for (int r = first; r < first + rows; r++) {
                    y[r] = dotBf16(w.data(), w.memory(), r * cols * 2, split, x, cols);
                }
            }
            case Q8_0 -> {
                for (int r = first; r < first + rows; r++) {
                    y[r] = dotQ8(w, r, split, x);
                }
            }
            default -> throw new AssertionError(w.format());
        }
    }

    /**
     * y = W·x over W's column-major copy {@code t} (t[c·rows + r] = W[r][c]): y is Σ_c x[c]·(column c), each block
     * of {@link #COLUMN_BLOCK} outputs summed in four registers across all columns, one broadcast of x[c] shared by the
     * four. No horizontal sums, which on rows of 64–512 floats cost as much as the multiplications themselves in
     * {@link #quad}.
     */
    private static void columns(float[] t, int rows, int cols, float[] x, float[] y) {
        int r = 0;
        for (; r + COLUMN_BLOCK <= rows; r += COLUMN_BLOCK) {
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = FloatVector.zero(SPECIES);
            FloatVector a2 = FloatVector.zero(SPECIES);
            FloatVector a3 = FloatVector.zero(SPECIES);
            for (int c = 0, at = r; c < cols; c++, at += rows) {
                FloatVector xc = FloatVector.broadcast(SPECIES, x[c]);
                a0 = FloatVector.fromArray(SPECIES, t, at).fma(xc, a0);
                a1 = FloatVector.fromArray(SPECIES, t, at + STEP).fma(xc, a1);
                a2 = FloatVector.fromArray(SPECIES, t, at + 2 * STEP).fma(xc, a2);
                a3 = FloatVector.fromArray(SPECIES, t, at + 3 * STEP).fma(xc, a3);
            }
            a0.intoArray(y, r);
            a1.intoArray(y, r + STEP);
            a2.intoArray(y, r + 2 * STEP);
            a3.intoArray(y, r + 3 * STEP);
        }
        for (; r + STEP <= rows; r += STEP) {
            FloatVector a = FloatVector.zero(SPECIES);
            for (int c = 0, at = r; c < cols; c++, at += rows) {
                a = FloatVector.fromArray(SPECIES, t, at).fma(FloatVector.broadcast(SPECIES, x[c]), a);
            }
            a.intoArray(y, r);
        }
        for (; r < rows; r++) {
            float sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += t[c * rows + r] * x[c];
            }
            y[r] = sum;
        }
    }

    /**
     * y = W·x over the whole blocks of a bfloat16 weight laid out by {@link #prepareBf16}: per column one load of
     * STEP ints gives two vectors of weights (a shift and a mask, no split of x), both multiplied by one broadcast of
     * x[c]. Returns the rows done.
     */
    private static int bf16Columns(int[] t, int cols, float[] x, float[] y) {
        int blocks = t.length / (cols * STEP);
        for (int k = 0; k < blocks; k++) {
            FloatVector low = FloatVector.zero(SPECIES);
            FloatVector high = FloatVector.zero(SPECIES);
            for (int c = 0, at = k * cols * STEP; c < cols; c++, at += STEP) {
                FloatVector xc = FloatVector.broadcast(SPECIES, x[c]);
                IntVector w = IntVector.fromArray(WIDE, t, at);
                low = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xc, low);
                high = w.and(0xFFFF0000).reinterpretAsFloats().fma(xc, high);
            }
            low.intoArray(y, 2 * STEP * k);
            high.intoArray(y, 2 * STEP * k + STEP);
        }
        return blocks * 2 * STEP;
    }

    /** x in {@code ways} strided parts: part k holds x[ways·i + k]. */
    private static float[][] split(float[] x, int ways) {
        float[][] parts = new float[ways][x.length / ways];
        for (int i = 0; i < parts[0].length; i++) {
            for (int k = 0; k < ways; k++) {
                parts[k][i] = x[ways * i + k];
            }
        }
        return parts;
    }

    /**
     * Σ_{i<length} weight i·x[i] over bfloat16 weights from {@code base}. An int holds weight 2j in its low and
     * weight 2j + 1 in its high half; bfloat16 is the top half of a float32, so each is one shift or mask away.
     */
    private static float dotBf16(ByteBuffer data, Object memory, int base, float[][] split, float[] x, int length) {
        int narrow = WIDE.loopBound(length / 2);
        FloatVector even = FloatVector.zero(SPECIES);
        FloatVector odd = FloatVector.zero(SPECIES);
        int j = 0;
        for (; j < narrow; j += STEP) {
            IntVector w = NativeVectors.ints(memory, base + j * 4);
            even = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(SPECIES, split[0], j), even);
            odd = w.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(SPECIES, split[1], j), odd);
        }
        float sum = even.add(odd).reduceLanes(VectorOperators.ADD);
        for (int i = 2 * j; i < length; i++) {
            sum += Dtypes.bfloat16ToFloat(data.getShort(base + i * 2)) * x[i];
        }
        return sum;
    }

    /**
     * Σ_{i<length} weight i·x[i] over IEEE half weights from {@code base}, paired in ints as in {@link #dotBf16}.
     * A half at the top of a lane, shifted right by 3 with its sign, has its sign, exponent and mantissa at
     * float32's places once the smeared sign bits and what lies below are masked off; scaled by 2^112 that float is
     * the half's value, subnormals included (weights are never infinite).
     */
    private static float dotF16(ByteBuffer data, Object memory, int base, float[][] split, float[] x, int length) {
        int narrow = WIDE.loopBound(length / 2);
        FloatVector even = FloatVector.zero(SPECIES);
        FloatVector odd = FloatVector.zero(SPECIES);
        FloatVector scale = FloatVector.broadcast(SPECIES, 0x1p112f);
        int j = 0;
        for (; j < narrow; j += STEP) {
            IntVector w = NativeVectors.ints(memory, base + j * 4);
            FloatVector low = w.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000)
                    .reinterpretAsFloats().mul(scale);
            FloatVector high = w.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().mul(scale);
            even = low.fma(FloatVector.fromArray(SPECIES, split[0], j), even);
            odd = high.fma(FloatVector.fromArray(SPECIES, split[1], j), odd);
        }
        float sum = even.add(odd).reduceLanes(VectorOperators.ADD);
        for (int i = 2 * j; i < length; i++) {
            sum += Dtypes.halfToFloat(data.getShort(base + i * 2)) * x[i];
        }
        return sum;
    }

    /**
     * Row {@code row} of a Q8_0 weight · x. A block's 32 bytes are 8 ints; byte k of int j is weight 4j + k. A byte
     * b becomes a float without a conversion instruction: b XOR 0x80 in the mantissa of 2^23 is 2^23 + 128 + the
     * signed byte, exactly, and subtracting 2^23 + 128 leaves the weight's integer. Per vector (one or two blocks)
     * Σ byte·x, times the blocks' scales into the row's accumulator; one horizontal sum at the end. Blocks that do
     * not fill a vector, and a shorter last block, go scalar.
     */
    private static float dotQ8(Matrix w, int row, float[][] split, float[] x) {
        int cols = w.cols();
        int blocks = WeightFormat.q8Blocks(cols);
        ByteBuffer data = w.data();
        Object memory = w.memory();
        ByteBuffer scales = w.scales();
        int base = row * cols;
        int scaleBase = row * blocks * Float.BYTES;
        int vectorBlocks = Q8_BLOCKS_PER_VECTOR == 0 ? 0
                : cols / WeightFormat.Q8_BLOCK / Q8_BLOCKS_PER_VECTOR * Q8_BLOCKS_PER_VECTOR;
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int b = 0; b < vectorBlocks; b += Q8_BLOCKS_PER_VECTOR) {
            IntVector q = NativeVectors.ints(memory, base + b * WeightFormat.Q8_BLOCK);
            int j = b * (WeightFormat.Q8_BLOCK / 4);
            FloatVector sum = byteOf(q, 0).mul(FloatVector.fromArray(SPECIES, split[0], j));
            sum = byteOf(q, 8).fma(FloatVector.fromArray(SPECIES, split[1], j), sum);
            sum = byteOf(q, 16).fma(FloatVector.fromArray(SPECIES, split[2], j), sum);
            sum = byteOf(q, 24).fma(FloatVector.fromArray(SPECIES, split[3], j), sum);
            FloatVector scale = FloatVector.broadcast(SPECIES, scales.getFloat(scaleBase + b * Float.BYTES));
            if (Q8_BLOCKS_PER_VECTOR == 2) {
                scale = scale.blend(scales.getFloat(scaleBase + (b + 1) * Float.BYTES), SECOND_BLOCK);
            }
            acc = sum.fma(scale, acc);
        }
        float rest = 0;
        for (int b = vectorBlocks; b < blocks; b++) {
            int from = b * WeightFormat.Q8_BLOCK;
            int to = Math.min(cols, from + WeightFormat.Q8_BLOCK);
            float sum = 0;
            for (int c = from; c < to; c++) {
                sum += data.get(base + c) * x[c];
            }
            rest += scales.getFloat(scaleBase + b * Float.BYTES) * sum;
        }
        return acc.reduceLanes(VectorOperators.ADD) + rest;
    }

    /** Byte {@code shift / 8} of every lane, a signed Q8_0 weight, as a float (see {@link #dotQ8}). */
    private static FloatVector byteOf(IntVector q, int shift) {
        return q.lanewise(VectorOperators.LSHR, shift).and(0xFF).lanewise(VectorOperators.XOR, 0x4B000080)
                .reinterpretAsFloats().sub(0x1p23f + 128);
    }

    @Override
    public void matVec(Matrix m, int first, int rows, int length, float[] x, float[] y, int yFrom) {
        rows(m, first, rows, length, x, y, yFrom);
    }

    /** y[yFrom + r] = Σ_{c<length} m[first + r][c]·x[c] for r < rows of a float32 matrix. */
    private static void rows(Matrix m, int first, int rows, int length, float[] x, float[] y, int yFrom) {
        ByteBuffer data = m.data();
        Object memory = m.memory();
        int cols = m.cols();
        int r = 0;
        if (length <= QUAD_MAX_COLS) {
            for (; r + 4 <= rows; r += 4) {
                quad(data, memory, (first + r) * cols * Float.BYTES, cols * Float.BYTES, length, x, y, yFrom + r);
            }
        }
        for (; r < rows; r++) {
            y[yFrom + r] = dot(data, memory, (first + r) * cols * Float.BYTES, x, length);
        }
    }

    /**
     * Four rows side by side, {@code stride} bytes apart, sharing each load of x. On short rows a product is mostly
     * its fixed costs (the horizontal sum of the accumulator above all), which four independent rows overlap:
     * measured 1.5–2.3× faster per row than one row at a time on 64- to 176-float rows. Long rows stay one at a
     * time (see {@link #dot}).
     */
    private static void quad(ByteBuffer data, Object memory, int base, int stride, int length, float[] x, float[] y,
                             int at) {
        int b0 = base;
        int b1 = b0 + stride;
        int b2 = b1 + stride;
        int b3 = b2 + stride;
        int narrow = SPECIES.loopBound(length);
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = FloatVector.zero(SPECIES);
        FloatVector a2 = FloatVector.zero(SPECIES);
        FloatVector a3 = FloatVector.zero(SPECIES);
        int c = 0;
        for (; c < narrow; c += STEP) {
            FloatVector xv = FloatVector.fromArray(SPECIES, x, c);
            int offset = c * Float.BYTES;
            a0 = NativeVectors.floats(memory, b0 + offset).fma(xv, a0);
            a1 = NativeVectors.floats(memory, b1 + offset).fma(xv, a1);
            a2 = NativeVectors.floats(memory, b2 + offset).fma(xv, a2);
            a3 = NativeVectors.floats(memory, b3 + offset).fma(xv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; c < length; c++) {
            int offset = c * Float.BYTES;
            s0 += data.getFloat(b0 + offset) * x[c];
            s1 += data.getFloat(b1 + offset) * x[c];
            s2 += data.getFloat(b2 + offset) * x[c];
            s3 += data.getFloat(b3 + offset) * x[c];
        }
        y[at] = s0;
        y[at + 1] = s1;
        y[at + 2] = s2;
        y[at + 3] = s3;
    }

    /**
     * Σ_{i<length} data[base + i]·x[i]. Four independent accumulators: the fma chains overlap, and the row is read
     * as a single sequential stream. For a matrix-vector product of long rows, four rows side by side sharing the x
     * loads was measured half as fast (12 vs 24 GB/s on a 3072 × 768 matrix, AMD EPYC), presumably because four
     * streams defeat the prefetcher.
     */
    private static float dot(ByteBuffer data, Object memory, int base, float[] x, int length) {
        int wide = length - length % (4 * STEP);
        int narrow = SPECIES.loopBound(length);
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = FloatVector.zero(SPECIES);
        FloatVector a2 = FloatVector.zero(SPECIES);
        FloatVector a3 = FloatVector.zero(SPECIES);
        int i = 0;
        for (; i < wide; i += 4 * STEP) {
            int at = base + i * Float.BYTES;
            a0 = NativeVectors.floats(memory, at)
                    .fma(FloatVector.fromArray(SPECIES, x, i), a0);
            a1 = NativeVectors.floats(memory, at + STEP * Float.BYTES)
                    .fma(FloatVector.fromArray(SPECIES, x, i + STEP), a1);
            a2 = NativeVectors.floats(memory, at + 2 * STEP * Float.BYTES)
                    .fma(FloatVector.fromArray(SPECIES, x, i + 2 * STEP), a2);
            a3 = NativeVectors.floats(memory, at + 3 * STEP * Float.BYTES)
                    .fma(FloatVector.fromArray(SPECIES, x, i + 3 * STEP), a3);
        }
        for (; i < narrow; i += STEP) {
            a0 = NativeVectors.floats(memory, base + i * Float.BYTES)
                    .fma(FloatVector.fromArray(SPECIES, x, i), a0);
        }
        float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < length; i++) {
            sum += data.getFloat(base + i * Float.BYTES) * x[i];
        }
        return sum;
    }

    @Override
    public void vecMat(float[] s, int sFrom, Matrix m, int first, int rows, int length, float[] out) {
        // column chunk by column chunk, the rows' contributions summed in a register: one store per chunk and no
        // horizontal sums, whatever the number of rows (the head width d)
        ByteBuffer data = m.data();
        Object memory = m.memory();
        int stride = m.cols() * Float.BYTES;
        int base = first * stride;
        int narrow = SPECIES.loopBound(length);
        int c = 0;
        for (; c < narrow; c += STEP) {
            FloatVector acc = FloatVector.zero(SPECIES);
            int at = base + c * Float.BYTES;
            for (int r = 0; r < rows; r++) {
                acc = NativeVectors.floats(memory, at + r * stride)
                        .fma(FloatVector.broadcast(SPECIES, s[sFrom + r]), acc);
            }
            acc.intoArray(out, c);
        }
        for (; c < length; c++) {
            float sum = 0;
            int at = base + c * Float.BYTES;
            for (int r = 0; r < rows; r++) {
                sum += s[sFrom + r] * data.getFloat(at + r * stride);
            }
            out[c] = sum;
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
