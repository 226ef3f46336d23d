package dev.infini.engine.weights;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** float32 ↔ F16 / BF16 conversions: exact round trips and round-to-nearest-even. */
class DtypesTest {

    @Test
    void everyHalfSurvivesTheRoundTripThroughFloat() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short half = (short) bits;
            float value = Dtypes.halfToFloat(half);
            if (Float.isNaN(value)) {
                assertThat(Float.isNaN(Dtypes.halfToFloat(Dtypes.floatToHalf(value)))).isTrue();
            } else {
                assertThat(Dtypes.floatToHalf(value)).as("half 0x%04x (%s)", bits, value).isEqualTo(half);
            }
        }
    }

    @Test
    void floatToHalfRoundsToTheNearestHalf() {
        Random random = new Random(1);
        for (int i = 0; i < 200_000; i++) {
            float value = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(9) - 6));
            float rounded = Dtypes.halfToFloat(Dtypes.floatToHalf(value));
            // no other half lies closer: compare with the neighbours of the chosen one
            short chosen = Dtypes.floatToHalf(value);
            for (int neighbour : new int[] {chosen - 1, chosen + 1}) {
                float other = Dtypes.halfToFloat((short) neighbour);
                if ((neighbour & 0x7C00) != 0x7C00 && Math.signum(other) == Math.signum(rounded)) {
                    assertThat(Math.abs(value - rounded)).as("%s → %s, neighbour %s", value, rounded, other)
                            .isLessThanOrEqualTo(Math.abs(value - other));
                }
            }
        }
        // ties go to the even mantissa
        assertThat(Dtypes.halfToFloat(Dtypes.floatToHalf(1f + 1f / 2048))).isEqualTo(1f);
        assertThat(Dtypes.halfToFloat(Dtypes.floatToHalf(1f + 3f / 2048))).isEqualTo(1f + 2f / 1024);
        assertThat(Dtypes.halfToFloat(Dtypes.floatToHalf(65520f))).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Dtypes.halfToFloat(Dtypes.floatToHalf(65519f))).isEqualTo(65504f);
        assertThat(Dtypes.halfToFloat(Dtypes.floatToHalf(1e-8f))).isEqualTo(0f); // below half the smallest subnormal
        assertThat(Dtypes.halfToFloat(Dtypes.floatToHalf(-3e-8f))).isEqualTo(-5.9604645e-8f); // rounds up to it
    }

    @Test
    void floatToBfloat16RoundsToNearestEven() {
        Random random = new Random(2);
        for (int i = 0; i < 200_000; i++) {
            float value = Float.intBitsToFloat(random.nextInt());
            if (Float.isNaN(value) || Float.isInfinite(value)) {
                continue;
            }
            float rounded = widenBf16(Dtypes.floatToBfloat16(value));
            int bits = Float.floatToRawIntBits(value);
            float down = Float.intBitsToFloat(bits & 0xFFFF0000);
            float up = Float.intBitsToFloat((bits & 0xFFFF0000) + 0x10000);
            if (Float.isInfinite(up) || Float.isNaN(up)) {
                continue; // the largest values may round to infinity, as IEEE rounding says
            }
            assertThat(rounded).isIn(down, up);
            assertThat(Math.abs((double) value - rounded)).isLessThanOrEqualTo(Math.abs((double) value - (rounded == down ? up : down)));
        }
        assertThat(widenBf16(Dtypes.floatToBfloat16(1f + 1f / 256))).isEqualTo(1f); // tie to even
        assertThat(widenBf16(Dtypes.floatToBfloat16(1f + 3f / 256))).isEqualTo(1f + 4f / 256);
        assertThat(Float.isNaN(widenBf16(Dtypes.floatToBfloat16(Float.NaN)))).isTrue();
    }

    private static float widenBf16(short bits) {
        ByteBuffer raw = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(0, bits);
        FloatBuffer out = Dtypes.toFloat32(raw, "BF16", 1);
        return out.get(0);
    }
}
