package dev.infini.engine.kernels;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A row-major float32 matrix in place in a tensor's native memory: a weight the Java decode loops multiply by, or a
 * buffer of the session's state they read and write (the open segment's keys and values, M and z). A tensor of any
 * rank is a matrix of its last axis: {@code [kvHeads, capacity, d]} is {@code kvHeads·capacity} rows of d.
 *
 * @param data  the tensor's memory, {@code rows × cols × 4} bytes
 * @param rows  rows
 * @param cols  floats per row
 */
public record Matrix(ByteBuffer data, int rows, int cols) {

    public Matrix {
        if (data.capacity() != (long) rows * cols * Float.BYTES) {
            throw new IllegalArgumentException("a " + rows + " × " + cols + " float32 matrix needs "
                    + (long) rows * cols * Float.BYTES + " bytes, the buffer has " + data.capacity());
        }
        data = data.duplicate().order(ByteOrder.nativeOrder());
    }

    /**
     * The tensor's own memory as a matrix of its last axis, or null when it cannot be used in place: not float32,
     * not on the CPU, released, empty, too large for one buffer, or DJL could only hand out a copy (a
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
        ByteBuffer direct = tensor.toByteBuffer(true);
        if (direct == null || !direct.isDirect() || direct.capacity() != tensor.size() * Float.BYTES) {
            return null;
        }
        return new Matrix(direct, rows, cols);
    }

    /** Sets element (row, col). */
    public void set(int row, int col, float value) {
        data.putFloat((row * cols + col) * Float.BYTES, value);
    }

    /** Copies row {@code row} into {@code out} from index {@code at}. */
    public void copyRow(int row, float[] out, int at) {
        data.asFloatBuffer().get(row * cols, out, at, cols);
    }

    /** Overwrites row {@code row} with {@code cols} values of {@code values} from index {@code at}. */
    public void setRow(int row, float[] values, int at) {
        data.asFloatBuffer().put(row * cols, values, at, cols);
    }
}
