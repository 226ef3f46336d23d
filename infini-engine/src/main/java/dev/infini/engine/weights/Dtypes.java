package dev.infini.engine.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The safetensors dtypes the engine reads (and infini-tools writes), and their conversion from and to float32. BF16 and F16 are
 * widened here in Java: DJL's PyTorch engine aborts the whole JVM on a BFLOAT16 tensor.
 */
public final class Dtypes {

    private Dtypes() {
    }

    /** Bytes per element of a readable dtype, or 0 for one the engine cannot read. */
    public static int width(String dtype) {
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
                    out.put(bfloat16ToFloat(raw.getShort()));
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

    /** bfloat16 to float, exactly: bfloat16 is the upper half of a float32. */
    public static float bfloat16ToFloat(short value) {
        return Float.intBitsToFloat((value & 0xFFFF) << 16);
    }

    /** float to bfloat16 bits, rounding to nearest even (plain truncation would bias every weight toward 0). */
    public static short floatToBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40); // keep it a NaN: truncation could leave an infinity
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /** float to IEEE 754 half precision bits, rounding to nearest even (Java 17 lacks Float.floatToFloat16). */
    public static short floatToHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xFF;
        int mantissa = bits & 0x7FFFFF;
        if (exponent == 0xFF) {
            return (short) (sign | 0x7C00 | (mantissa != 0 ? 0x200 | (mantissa >>> 13) : 0));
        }
        int e = exponent - 127 + 15;
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00); // too large: infinity, as IEEE rounding gives
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign; // below half the smallest subnormal: rounds to zero
            }
            // subnormal half: mantissa (with the implicit bit) · 2^(e - 14) in units of 2^-24
            int full = mantissa | 0x800000;
            int shift = 14 - e;
            return (short) (sign | roundShift(full, shift));
        }
        // a carry out of the mantissa bumps the exponent, up to infinity: exactly what rounding should do
        return (short) (sign | (((e << 10) | (mantissa >>> 13)) + roundingCarry(mantissa, 13)));
    }

    private static int roundShift(int value, int shift) {
        return (value >>> shift) + roundingCarry(value, shift);
    }

    // 1 when the bits shifted out round the kept part up (above half, or exactly half and the kept part is odd)
    private static int roundingCarry(int value, int shift) {
        int rest = value & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        int kept = value >>> shift;
        return rest > half || (rest == half && (kept & 1) != 0) ? 1 : 0;
    }

    /** IEEE 754 half precision to float (Java 17 lacks Float.float16ToFloat). */
    public static float halfToFloat(short half) {
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
