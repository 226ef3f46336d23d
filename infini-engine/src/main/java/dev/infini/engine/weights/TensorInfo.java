package dev.infini.engine.weights;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where one tensor lies in a safetensors file.
 *
 * @param name   tensor name
 * @param dtype  safetensors dtype: F32, F16 or BF16 are readable
 * @param shape  dimensions
 * @param file   the file holding it
 * @param offset absolute byte offset of its data in the file
 * @param bytes  byte length of its data
 */
public record TensorInfo(String name, String dtype, long[] shape, Path file, long offset, long bytes) {

    /** Number of elements. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
