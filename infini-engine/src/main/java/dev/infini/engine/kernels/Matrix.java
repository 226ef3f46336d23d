package dev.infini.engine.kernels;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.infini.engine.config.WeightFormat;
import dev.infini.engine.weights.Dtypes;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A row-major matrix in place in a tensor's native memory: a weight the Java decode loops multiply by, or a buffer
 * of the session's state they read and write (the open segment's keys and values, M and z). A tensor of any rank is
 * a matrix of its last axis: {@code [kvHeads, capacity, d]} is {@code kvHeads·capacity} rows of d.
 * <p>
 * State is always float32 ({@link WeightFormat#F32}); a weight may also be held in 16 or 8 bits
 * ({@link #encode}), which the kernels widen as they read.
 * <p>
 * Two matrices are equal only when they are the same object (the kernels key their own layouts by identity).
 */
public final class Matrix {

    private final ByteBuffer data;
    private final int rows;
    private final int cols;
    private final WeightFormat format;
    private final ByteBuffer scales;
    /**
     * {@code data} as the Vector API loops read it on this JVM ({@link NativeVectors#memory}), made on their first
     * use: a matrix of a model whose decode runs on PyTorch never loads the incubator module. Not volatile: racing
     * threads at worst each make an equal one, and what they publish is {@code data} or a JDK segment whose fields
     * are all final, so a reader that sees the reference sees it whole.
     */
    private Object memory;

    /**
     * @param data   the elements, {@code rows × cols × format.elementBytes()} bytes
     * @param rows   rows
     * @param cols   elements per row
     * @param format how an element is stored
     * @param scales {@link WeightFormat#Q8_0}'s float32 scales, {@code rows × q8Blocks(cols)}, row by row; else null
     */
    public Matrix(ByteBuffer data, int rows, int cols, WeightFormat format, ByteBuffer scales) {
        if (data.capacity() != (long) rows * cols * format.elementBytes()) {
            throw new IllegalArgumentException("a " + rows + " × " + cols + " " + format + " matrix needs "
                    + (long) rows * cols * format.elementBytes() + " bytes, the buffer has " + data.capacity());
        }
        if ((format == WeightFormat.Q8_0) != (scales != null)) {
            throw new IllegalArgumentException("Q8_0 and only Q8_0 has scales");
        }
        if (scales != null && scales.capacity() != (long) rows * WeightFormat.q8Blocks(cols) * Float.BYTES) {
            throw new IllegalArgumentException("a " + rows + " × " + cols + " Q8_0 matrix needs "
                    + rows * WeightFormat.q8Blocks(cols) + " scales, the buffer has room for "
                    + scales.capacity() / Float.BYTES);
        }
        // indices count from the buffer's start, whatever its position (a segment over it starts at its position)
        this.data = data.duplicate().clear().order(ByteOrder.nativeOrder());
        this.rows = rows;
        this.cols = cols;
        this.format = format;
        this.scales = scales == null ? null : scales.duplicate().clear().order(ByteOrder.nativeOrder());
    }

    /** The elements, row by row, in {@link #format()}; a native-order view of the buffer given. */
    public ByteBuffer data() {
        return data;
    }

    /** Rows. */
    public int rows() {
        return rows;
    }

    /** Elements per row. */
    public int cols() {
        return cols;
    }

    /** How an element is stored. */
    public WeightFormat format() {
        return format;
    }

    /** {@link WeightFormat#Q8_0}'s float32 scales, row by row, or null for the other formats. */
    public ByteBuffer scales() {
        return scales;
    }

    /** {@link #data()} as the Vector API loops read it ({@link NativeVectors#memory}). */
    Object memory() {
        Object m = memory;
        if (m == null) {
            m = NativeVectors.memory(data);
            memory = m;
        }
        return m;
    }

    /** A float32 matrix over {@code data}. */
    public Matrix(ByteBuffer data, int rows, int cols) {
        this(data, rows, cols, WeightFormat.F32, null);
    }

    /**
     * The tensor's own memory as a float32 matrix of its last axis, or null when it cannot be used in place: not
     * float32, not on the CPU, released, empty, too large for one buffer, or DJL could only hand out a copy (a
     * non-contiguous tensor).
     */
    public static Matrix of(NDArray tensor) {
        long[] shape = tensor.getShape().getShape();
        if (shape.length < 1 || tensor.size() == 0 || tensor.getDataType() != DataType.FLOAT32
                || !Device.cpu().equals(tensor.getDevice()) || tensor.isReleased()
                || tensor.size() * Float.BYTES > Integer.MAX_VALUE) {
            return null;
        }
        int cols = (int) shape[shape.length - 1];
        int rows = (int) (tensor.size() / cols);
        ByteBuffer direct = inPlace(tensor, tensor.size() * Float.BYTES);
        return direct == null ? null : new Matrix(direct, rows, cols);
    }

    /**
     * This float32 matrix in {@code format}, rounded to nearest, in new memory of {@code manager} (freed with it),
     * or this matrix itself for {@link WeightFormat#F32}. The copy is what the kernels read; converting a 16-bit
     * checkpoint's widened weights back to their format is exact.
     */
    public Matrix encode(WeightFormat format, NDManager manager) {
        requireF32("encode");
        if (format == WeightFormat.F32) {
            return this;
        }
        ByteBuffer out = allocate(manager, (long) rows * cols * format.elementBytes());
        ByteBuffer scaleOut = format == WeightFormat.Q8_0
                ? allocate(manager, (long) rows * WeightFormat.q8Blocks(cols) * Float.BYTES) : null;
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            copyRow(r, row, 0);
            long at = (long) r * cols;
            switch (format) {
                case F16 -> {
                    for (int c = 0; c < cols; c++) {
                        out.putShort((int) ((at + c) * 2), Dtypes.floatToHalf(row[c]));
                    }
                }
                case BF16 -> {
                    for (int c = 0; c < cols; c++) {
                        out.putShort((int) ((at + c) * 2), Dtypes.floatToBfloat16(row[c]));
                    }
                }
                case Q8_0 -> {
                    int blocks = WeightFormat.q8Blocks(cols);
                    for (int b = 0; b < blocks; b++) {
                        int from = b * WeightFormat.Q8_BLOCK;
                        int to = Math.min(cols, from + WeightFormat.Q8_BLOCK);
                        float max = 0;
                        for (int c = from; c < to; c++) {
                            max = Math.max(max, Math.abs(row[c]));
                        }
                        float scale = max / 127f;
                        float inverse = scale == 0 ? 0 : 1 / scale;
                        scaleOut.putFloat((r * blocks + b) * Float.BYTES, scale);
                        for (int c = from; c < to; c++) {
                            out.put((int) (at + c), (byte) Math.round(row[c] * inverse));
                        }
                    }
                }
                default -> throw new AssertionError(format);
            }
        }
        return new Matrix(out, rows, cols, format, scaleOut);
    }

    /** Sets element (row, col) of a float32 matrix. */
    public void set(int row, int col, float value) {
        requireF32("set");
        data.putFloat((row * cols + col) * Float.BYTES, value);
    }

    /** Copies row {@code row}, widened to float32, into {@code out} from index {@code at}. */
    public void copyRow(int row, float[] out, int at) {
        int first = row * cols;
        switch (format) {
            case F32 -> data.asFloatBuffer().get(first, out, at, cols);
            case F16 -> {
                for (int c = 0; c < cols; c++) {
                    out[at + c] = Dtypes.halfToFloat(data.getShort((first + c) * 2));
                }
            }
            case BF16 -> {
                for (int c = 0; c < cols; c++) {
                    out[at + c] = Dtypes.bfloat16ToFloat(data.getShort((first + c) * 2));
                }
            }
            case Q8_0 -> {
                int blocks = WeightFormat.q8Blocks(cols);
                for (int c = 0; c < cols; c++) {
                    float scale = scales.getFloat((row * blocks + c / WeightFormat.Q8_BLOCK) * Float.BYTES);
                    out[at + c] = scale * data.get(first + c);
                }
            }
            default -> throw new AssertionError(format);
        }
    }

    /** Overwrites row {@code row} of a float32 matrix with {@code cols} values of {@code values} from {@code at}. */
    public void setRow(int row, float[] values, int at) {
        requireF32("setRow");
        data.asFloatBuffer().put(row * cols, values, at, cols);
    }

    /** Bytes the kernels read for one pass over the matrix: its elements and, for Q8_0, its scales. */
    public long bytes() {
        return data.capacity() + (scales == null ? 0 : scales.capacity());
    }

    private void requireF32(String operation) {
        if (format != WeightFormat.F32) {
            throw new UnsupportedOperationException(operation + " needs a float32 matrix, this one is " + format);
        }
    }

    /** {@code bytes} of zeroed native memory owned by {@code manager}, as a buffer over the tensor itself. */
    private static ByteBuffer allocate(NDManager manager, long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a matrix of " + bytes + " bytes does not fit one buffer");
        }
        NDArray tensor = manager.zeros(new Shape(bytes), DataType.INT8);
        ByteBuffer direct = inPlace(tensor, bytes);
        if (direct == null) {
            throw new IllegalStateException("DJL handed out a copy of a new tensor's memory, not the memory itself");
        }
        return direct.order(ByteOrder.nativeOrder());
    }

    private static ByteBuffer inPlace(NDArray tensor, long bytes) {
        ByteBuffer direct = tensor.toByteBuffer(true);
        return direct == null || !direct.isDirect() || direct.capacity() != bytes ? null : direct;
    }
}
