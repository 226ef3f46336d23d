package dev.infini.engine.config;

import java.util.Locale;

/**
 * How the Java decode step holds a weight matrix: a decode step reads every weight once, so on a model larger than
 * the caches its speed follows the bytes per weight. Arithmetic is float32 in every format: a 16-bit or 8-bit weight
 * is widened inside the kernel, next to the multiply.
 */
public enum WeightFormat {

    /** IEEE float32: 4 bytes a weight, exact. */
    F32(4),
    /** IEEE half precision: 2 bytes, 11 significant bits, range ±65504 (what F16 checkpoints store). */
    F16(2),
    /** bfloat16, the top half of a float32: 2 bytes, 8 significant bits, float32's range. */
    BF16(2),
    /**
     * Each row cut in blocks of {@value #Q8_BLOCK} weights, each block a float32 scale and {@value #Q8_BLOCK} signed
     * bytes, weight = scale·byte with scale = max|w| / 127 (llama.cpp's Q8_0, with a float32 scale): 1.125 bytes a
     * weight, a rounding error of at most scale / 2. A row whose length is not a multiple of the block ends in a
     * shorter block.
     */
    Q8_0(1);

    /** Weights per block of {@link #Q8_0}. */
    public static final int Q8_BLOCK = 32;

    private final int elementBytes;

    WeightFormat(int elementBytes) {
        this.elementBytes = elementBytes;
    }

    /** Bytes of one element in the matrix data (without Q8_0's scales). */
    public int elementBytes() {
        return elementBytes;
    }

    /** Blocks of {@link #Q8_0} in a row of {@code cols} weights. */
    public static int q8Blocks(int cols) {
        return (cols + Q8_BLOCK - 1) / Q8_BLOCK;
    }

    /** The format named {@code f32}, {@code f16}, {@code bf16} or {@code q8_0} (any case). */
    public static WeightFormat parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        for (WeightFormat f : values()) {
            if (f.name().equals(n)) {
                return f;
            }
        }
        throw new IllegalArgumentException("a weight format is f32, f16, bf16 or q8_0, not \"" + name + "\"");
    }
}
