package dev.infini.engine.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The safetensors dtypes the engine reads, and their conversion to float32. BF16 and F16 are widened here in Java:
 * DJL's PyTorch engine aborts the whole JVM on a BFLOAT16 tensor.
 */
final class Dtypes {

    private Dtypes() {
    }

    /** Bytes per element of a readable dtype, or 0 for one the engine cannot read. */
    static int width(String dtype) {
        return switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> 0;
        };
    }

    /** Converts little-endian raw data to a direct, native-order float buffer. */
    static FloatBuffer toFloat32(ByteBuffer raw, String dtype, long count) {
        raw = raw.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (dtype.equals("F32") && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN && raw.isDirect()) {
            return raw.asFloatBuffer();
        }
        FloatBuffer out = ByteBuffer.allocateDirect(Math.toIntExact(count * 4)).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        switch (dtype) {
            case "F32" -> out.put(raw.asFloatBuffer());
            case "BF16" -> {
                for (long i = 0; i < count; i++) {
                    // bfloat16 is the upper half of a float32.
                    out.put(Float.intBitsToFloat((raw.getShort() & 0xFFFF) << 16));
                }
            }
            case "F16" -> {
                for (long i = 0; i < count; i++) {
                    out.put(halfToFloat(raw.getShort()));
                }
            }
            default -> throw new IllegalArgumentException("dtype " + dtype + " is not readable");
        }
        return out.flip();
    }

    /** IEEE 754 half precision to float (Java 17 lacks Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int h = half & 0xFFFF;
        int sign = (h >>> 15) << 31;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            if (mantissa == 0) {
                return Float.intBitsToFloat(sign);
            }
            float value = mantissa / 1024f / 16384f; // subnormal: mantissa · 2^-24
            return sign != 0 ? -value : value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
