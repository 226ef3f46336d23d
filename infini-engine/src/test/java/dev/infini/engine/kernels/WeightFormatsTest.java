package dev.infini.engine.kernels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.infini.engine.OneTorchThread;
import dev.infini.engine.config.WeightFormat;
import dev.infini.engine.weights.Dtypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Weights held in 16 or 8 bits for the Java decode step: encoding rounds each weight as its format promises, and
 * the vector kernels' widening gives exactly the values the encoded matrix holds, on rows of any length (whole
 * vector steps, a scalar tail, Q8_0's shorter last block) and on one thread or several.
 */
@ExtendWith(OneTorchThread.class)
class WeightFormatsTest {

    private static final int[] WIDTHS = {8, 37, 64, 172, 300, 1024};

    @ParameterizedTest
    @EnumSource(WeightFormat.class)
    void theKernelMultipliesByExactlyTheValuesTheEncodedMatrixHolds(WeightFormat format) {
        Random random = new Random(format.ordinal());
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            for (int threads : new int[] {1, 3}) {
                DecodeKernels kernels = new PanamaDecodeKernels(threads);
                // 1100 × 1024 passes the size (1 MiB) from which rows are split across threads
                for (int cols : threads == 1 ? WIDTHS : new int[] {1024}) {
                    // 70 rows: whole blocks of a column-major layout (prepare, small F32 and BF16 weights) and a rest
                    for (int rows : threads == 1 ? new int[] {9, 70} : new int[] {1100}) {
                        Matrix encoded = weights(manager, random, rows, cols).encode(format, manager);
                        float[] x = gaussian(random, cols);
                        float[] y = new float[rows];
                        kernels.matVec(encoded, x, y);
                        kernels.prepare(encoded); // from now on in the backend's own layout, where it keeps one
                        float[] yPrepared = new float[rows];
                        kernels.matVec(encoded, x, yPrepared);
                        float[] row = new float[cols];
                        for (int r = 0; r < rows; r++) {
                            encoded.copyRow(r, row, 0);
                            double expected = 0;
                            double magnitude = 0;
                            for (int c = 0; c < cols; c++) {
                                expected += (double) row[c] * x[c];
                                magnitude += Math.abs((double) row[c] * x[c]);
                            }
                            assertThat((double) y[r])
                                    .as("%s, %d threads, %d × %d, row %d", format, threads, rows, cols, r)
                                    .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5 * magnitude + 1e-7));
                            assertThat((double) yPrepared[r]).as("prepared %s, %d × %d, row %d", format, rows, cols, r)
                                    .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5 * magnitude + 1e-7));
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(WeightFormat.class)
    void encodingRoundsEachWeightWithinItsFormatsPrecision(WeightFormat format) {
        Random random = new Random(7);
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            int cols = 172;
            Matrix original = weights(manager, random, 5, cols);
            Matrix encoded = original.encode(format, manager);
            assertThat(encoded.format()).isEqualTo(format);
            assertThat(encoded.bytes()).isEqualTo(switch (format) {
                case F32 -> 5L * cols * 4;
                case F16, BF16 -> 5L * cols * 2;
                case Q8_0 -> 5L * cols + 5L * WeightFormat.q8Blocks(cols) * 4;
            });
            float[] before = new float[cols];
            float[] after = new float[cols];
            for (int r = 0; r < 5; r++) {
                original.copyRow(r, before, 0);
                encoded.copyRow(r, after, 0);
                float blockMax = 0;
                for (int c = 0; c < cols; c++) {
                    if (c % WeightFormat.Q8_BLOCK == 0) {
                        blockMax = 0;
                        for (int k = c; k < Math.min(cols, c + WeightFormat.Q8_BLOCK); k++) {
                            blockMax = Math.max(blockMax, Math.abs(before[k]));
                        }
                    }
                    double error = Math.abs(after[c] - before[c]);
                    double bound = switch (format) {
                        case F32 -> 0;
                        case F16 -> Math.abs(before[c]) * 0x1p-11 + 0x1p-25; // half an ulp; subnormals' spacing
                        case BF16 -> Math.abs(before[c]) * 0x1p-8;
                        case Q8_0 -> blockMax / 127 / 2 * 1.0001;
                    };
                    assertThat(error).as("%s, weight (%d, %d) = %s", format, r, c, before[c]).isLessThanOrEqualTo(bound);
                }
            }
        }
    }

    @Test
    void halfWeightsWidenExactlyInTheKernelSubnormalsAndSignsIncluded() {
        // every finite half whose magnitude fits a weight, each picked out by a one-hot x
        short[] halves = new short[2 * 0x7C00];
        int n = 0;
        for (int bits = 0; bits < 0x7C00; bits++) {
            halves[n++] = (short) bits;
            halves[n++] = (short) (bits | 0x8000);
        }
        int cols = 64;
        int rows = n / cols;
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = Dtypes.halfToFloat(halves[i]);
        }
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NDArray tensor = manager.create(values, new Shape(rows, cols));
            Matrix encoded = Matrix.of(tensor).encode(WeightFormat.F16, manager);
            DecodeKernels kernels = new PanamaDecodeKernels(1);
            float[] y = new float[rows];
            for (int c = 0; c < cols; c++) {
                float[] oneHot = new float[cols];
                oneHot[c] = 1;
                kernels.matVec(encoded, oneHot, y);
                for (int r = 0; r < rows; r++) {
                    assertThat(Float.floatToRawIntBits(y[r])).as("half 0x%04x", halves[r * cols + c] & 0xFFFF)
                            .isEqualTo(Float.floatToRawIntBits(values[r * cols + c]) & (y[r] == 0 ? 0 : -1));
                }
            }
        }
    }

    @Test
    void stateOperationsRefuseAnEncodedMatrix() {
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            Matrix encoded = weights(manager, new Random(1), 2, 32).encode(WeightFormat.Q8_0, manager);
            assertThatThrownBy(() -> encoded.set(0, 0, 1f)).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("Q8_0");
            assertThatThrownBy(() -> encoded.encode(WeightFormat.F16, manager))
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    void theWeightsPropertyChoosesTheFormatFloat32ByDefault() {
        String previous = System.getProperty(VectorKernels.WEIGHTS_PROPERTY);
        try {
            System.clearProperty(VectorKernels.WEIGHTS_PROPERTY);
            assertThat(VectorKernels.decodeWeights()).isEqualTo(WeightFormat.F32);
            System.setProperty(VectorKernels.WEIGHTS_PROPERTY, "Q8_0");
            assertThat(VectorKernels.decodeWeights()).isEqualTo(WeightFormat.Q8_0);
            System.setProperty(VectorKernels.WEIGHTS_PROPERTY, " bf16 ");
            assertThat(VectorKernels.decodeWeights()).isEqualTo(WeightFormat.BF16);
            System.setProperty(VectorKernels.WEIGHTS_PROPERTY, "int4");
            assertThatThrownBy(VectorKernels::decodeWeights).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(VectorKernels.WEIGHTS_PROPERTY).hasMessageContaining("int4");
        } finally {
            if (previous == null) {
                System.clearProperty(VectorKernels.WEIGHTS_PROPERTY);
            } else {
                System.setProperty(VectorKernels.WEIGHTS_PROPERTY, previous);
            }
        }
    }

    /** A float32 matrix in a tensor's memory, weights of an initialised layer's size with a few outliers. */
    private static Matrix weights(NDManager manager, Random random, int rows, int cols) {
        float[] values = gaussian(random, rows * cols);
        for (int i = 0; i < values.length; i++) {
            values[i] *= 0.05f;
            if (random.nextInt(200) == 0) {
                values[i] *= 20;
            }
        }
        return Matrix.of(manager.create(values, new Shape(rows, cols)));
    }

    private static float[] gaussian(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
