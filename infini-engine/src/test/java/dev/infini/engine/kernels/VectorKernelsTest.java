package dev.infini.engine.kernels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.infini.engine.OneTorchThread;
import dev.infini.engine.SharedData;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.session.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The Vector API decode path must give PyTorch's results: the test JVMs start with the incubator module (parent
 * pom's argLine), so the path is on here, and a missing module would be a failure, not a skip.
 */
@ExtendWith(OneTorchThread.class)
class VectorKernelsTest {

    private final Kernels torch = new TorchKernels();

    @Test
    void isPreferredWhenTheModuleIsPresentAndSwitchedOffByTheProperty() {
        assertThat(VectorKernels.available()).isTrue();
        assertThat(VectorKernels.preferred()).isInstanceOf(VectorKernels.class);
        String previous = System.setProperty(VectorKernels.SWITCH_PROPERTY, "false");
        try {
            assertThat(VectorKernels.preferred()).isInstanceOf(TorchKernels.class);
        } finally {
            restore(previous);
        }
    }

    @Test
    void decodeStepIsJavaByDefaultAndTorchOnRequestOrWithTheVectorPathOff() {
        assertThat(VectorKernels.preferredDecode()).isPresent();
        String previous = System.setProperty(VectorKernels.DECODE_PROPERTY, "torch");
        try {
            assertThat(VectorKernels.preferredDecode()).isEmpty();
        } finally {
            restore(VectorKernels.DECODE_PROPERTY, previous);
        }
        previous = System.setProperty(VectorKernels.SWITCH_PROPERTY, "false");
        try {
            assertThat(VectorKernels.preferredDecode()).isEmpty();
        } finally {
            restore(VectorKernels.SWITCH_PROPERTY, previous);
        }
    }

    @Test
    void unknownDecodeOrThreadSettingsAreRejectedWithTheirName() {
        for (String[] bad : new String[][] {{VectorKernels.DECODE_PROPERTY, "fast"},
                {VectorKernels.THREADS_PROPERTY, "0"}, {VectorKernels.THREADS_PROPERTY, "two"}}) {
            String previous = System.setProperty(bad[0], bad[1]);
            try {
                assertThatThrownBy(VectorKernels::preferredDecode).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(bad[0]).hasMessageContaining(bad[1]);
            } finally {
                restore(bad[0], previous);
            }
        }
    }

    @Test
    void decodeLoopsEqualPlainLoopsOnOddShapesWithOneOrSeveralThreads() {
        Random random = new Random(11);
        // rows and columns around the vector length (8 or 16 floats), the four-row block and its 512-float limit,
        // the default model's MLP shapes (rows past the column-major block of 64 or 32), and one matrix large
        // enough to be split over threads
        int[][] shapes = {{1, 1}, {3, 5}, {7, 17}, {5, 64}, {64, 172}, {13, 511}, {9, 513}, {33, 1001},
                {344, 128}, {128, 344}, {600, 768}};
        for (String threads : new String[] {"1", "3"}) {
            String previous = System.setProperty(VectorKernels.THREADS_PROPERTY, threads);
            DecodeKernels loops;
            try {
                loops = VectorKernels.preferredDecode().orElseThrow();
            } finally {
                restore(VectorKernels.THREADS_PROPERTY, previous);
            }
            for (int[] s : shapes) {
                float[] values = gaussian(random, s[0] * s[1]);
                Matrix m = matrix(values, s[0], s[1]);
                float[] x = gaussian(random, Math.max(s[0], s[1]) + 3); // vecMat below reads a weight per row
                float[] y = new float[s[0]];
                loops.matVec(m, x, y);
                // the same weights prepared at load (small ones are then multiplied column by column)
                Matrix prepared = matrix(values, s[0], s[1]);
                loops.prepare(prepared);
                float[] yPrepared = new float[s[0]];
                loops.matVec(prepared, x, yPrepared);
                // a block of rows over a prefix of their columns, as attention reads the open segment of the cache
                int first = s[0] / 3;
                int rows = s[0] - first - s[0] / 4;
                int length = s[1] - s[1] / 3;
                float[] block = new float[rows + 2];
                loops.matVec(m, first, rows, length, x, block, 2);
                float[] transposed = new float[length];
                loops.vecMat(x, 1, m, first, rows, length, transposed);
                double[] expectedTransposed = new double[length];
                for (int r = 0; r < s[0]; r++) {
                    double expected = 0;
                    double prefix = 0;
                    for (int c = 0; c < s[1]; c++) {
                        expected += (double) values[r * s[1] + c] * x[c];
                        prefix += c < length ? (double) values[r * s[1] + c] * x[c] : 0;
                        if (r >= first && r < first + rows && c < length) {
                            expectedTransposed[c] += (double) x[1 + r - first] * values[r * s[1] + c];
                        }
                    }
                    String what = s[0] + "x" + s[1] + " row " + r + ", " + threads + " threads";
                    assertThat((double) y[r]).as(what).isCloseTo(expected, within(1e-4 * (1 + Math.abs(expected))));
                    assertThat((double) yPrepared[r]).as("prepared " + what)
                            .isCloseTo(expected, within(1e-4 * (1 + Math.abs(expected))));
                    if (r >= first && r < first + rows) {
                        assertThat((double) block[2 + r - first]).as("block " + what)
                                .isCloseTo(prefix, within(1e-4 * (1 + Math.abs(prefix))));
                    }
                }
                for (int c = 0; c < length; c++) {
                    assertThat((double) transposed[c]).as("vecMat column %d of %dx%d", c, s[0], s[1])
                            .isCloseTo(expectedTransposed[c], within(1e-4 * (1 + Math.abs(expectedTransposed[c]))));
                }
            }
        }
    }

    @Test
    void aMatrixReadsItsBufferFromTheStartWhateverThePositionItWasGivenAt() {
        DecodeKernels loops = VectorKernels.preferredDecode().orElseThrow();
        Random random = new Random(14);
        int rows = 5;
        int cols = 37; // vector part and scalar tail both
        float[] values = gaussian(random, rows * cols);
        float[] x = gaussian(random, cols);
        Matrix matrix = matrix(values, rows, cols);
        ByteBuffer moved = matrix.data().duplicate().position(12).limit(100);
        float[] expected = new float[rows];
        float[] actual = new float[rows];
        loops.matVec(matrix, x, expected);
        loops.matVec(new Matrix(moved, rows, cols), x, actual);
        assertThat(actual).containsExactly(expected);
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += values[r * cols + c] * x[c];
            }
            assertThat((double) actual[r]).isCloseTo(sum, org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    @Test
    void swigluEqualsThePlainFormulaOnOddLengthsAndExtremeGates() {
        DecodeKernels loops = VectorKernels.preferredDecode().orElseThrow();
        Random random = new Random(13);
        for (int n : new int[] {1, 7, 16, 17, 172, 344}) {
            float[] gate = gaussian(random, n);
            float[] up = gaussian(random, n);
            gate[0] = n % 2 == 0 ? -100f : 100f; // exp overflows on one side, underflows on the other
            float[] expected = new float[n];
            for (int i = 0; i < n; i++) {
                expected[i] = (float) (gate[i] / (1 + Math.exp(-gate[i])) * up[i]);
            }
            loops.swiglu(gate, up, n);
            assertClose(gate, expected, "swiglu of " + n);
        }
    }

    @Test
    void softmaxEqualsThePlainFormulaOnOddLengths() {
        DecodeKernels loops = VectorKernels.preferredDecode().orElseThrow();
        Random random = new Random(12);
        for (int n : new int[] {1, 2, 7, 16, 17, 63, 300}) {
            float[] x = gaussian(random, n + 5);
            for (int i = 0; i < x.length; i++) {
                x[i] *= 10;
            }
            float[] expected = x.clone();
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, x[i]);
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += Math.exp(x[i] - max);
            }
            for (int i = 0; i < n; i++) {
                expected[i] = (float) (Math.exp(x[i] - max) / sum);
            }
            loops.softmax(x, n);
            assertClose(x, expected, "softmax of " + n + " (the rest untouched)");
        }
    }

    @Test
    void singleRowLinearEqualsPyTorchOnOddShapes() {
        Kernels vector = VectorKernels.preferred();
        Random random = new Random(7);
        // sizes around and off the vector length (8 or 16 floats) and its four-fold unroll, and m100's shapes
        int[][] shapes = {{1, 1}, {3, 5}, {7, 17}, {16, 64}, {33, 63}, {65, 129}, {256, 768}, {768, 3072},
                {3072, 768}, {13, 1001}};
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (int[] s : shapes) {
                for (boolean withBias : new boolean[] {false, true}) {
                    NDArray weight = manager.randomNormal(new Shape(s[0], s[1]));
                    NDArray bias = withBias ? manager.randomNormal(new Shape(s[0])) : null;
                    for (Shape xShape : new Shape[] {new Shape(1, s[1]), new Shape(s[1]), new Shape(1, 1, s[1])}) {
                        NDArray x = manager.create(gaussian(random, s[1]), xShape);
                        float[] expected = torch.linear(x, weight, bias).toFloatArray();
                        NDArray result = vector.linear(x, weight, bias);
                        assertThat(x.getShape()).as("the input's shape is left alone").isEqualTo(xShape);
                        assertThat(result.getShape()).isEqualTo(torch.linear(x, weight, bias).getShape());
                        assertClose(result.toFloatArray(), expected, s[0] + "x" + s[1] + " " + xShape);
                    }
                }
            }
        }
    }

    @Test
    void otherInputsGoToPyTorch() {
        Kernels vector = VectorKernels.preferred();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray weight = manager.randomNormal(new Shape(40, 24));
            NDArray rows = manager.randomNormal(new Shape(5, 24)); // prefill: several rows
            assertClose(vector.linear(rows, weight, null).toFloatArray(), torch.linear(rows, weight, null)
                    .toFloatArray(), "5 rows");
            NDArray half = weight.toType(DataType.FLOAT64, false);
            NDArray x = manager.randomNormal(new Shape(1, 24)).toType(DataType.FLOAT64, false);
            assertThat(vector.linear(x, half, null).getDataType()).isEqualTo(DataType.FLOAT64);
        }
    }

    @Test
    void decodingStories260kGivesTheSameLogitsWithAndWithoutTheVectorPath() {
        int[] prompt = {1, 403, 407, 261, 378, 429, 271, 269, 458, 266};
        float[] withVector = decodeLogits(null, prompt);
        float[] withTorch = decodeLogits("false", prompt);
        assertClose(withVector, withTorch, "logits after decoding");
    }

    /** Feeds the prompt one token at a time, as decode does, and returns every step's logits end to end. */
    private static float[] decodeLogits(String switchValue, int[] prompt) {
        String previous = switchValue == null ? System.clearProperty(VectorKernels.SWITCH_PROPERTY)
                : System.setProperty(VectorKernels.SWITCH_PROPERTY, switchValue);
        try (InfiniModel model = InfiniModel.load(SharedData.stories260k(),
                EngineOptions.builder().device("cpu").segmentLength(8).gateInit(0f).build());
             Session session = new Session(model)) {
            float[] all = new float[0];
            for (int id : prompt) {
                session.append(new int[] {id});
                float[] step = session.lastLogits();
                float[] grown = java.util.Arrays.copyOf(all, all.length + step.length);
                System.arraycopy(step, 0, grown, all.length, step.length);
                all = grown;
            }
            return all;
        } finally {
            restore(previous);
        }
    }

    private static void restore(String previous) {
        restore(VectorKernels.SWITCH_PROPERTY, previous);
    }

    private static void restore(String property, String previous) {
        if (previous == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, previous);
        }
    }

    /** A matrix over a direct buffer, as tensors' memory is. */
    private static Matrix matrix(float[] values, int rows, int cols) {
        ByteBuffer data = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder());
        data.asFloatBuffer().put(values);
        return new Matrix(data, rows, cols);
    }

    private static float[] gaussian(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    /** Relative to the largest magnitude: summation order differs, so the last bits may. */
    private static void assertClose(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSize(expected.length);
        float scale = 1e-6f;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("%s [%d]", what, i).isCloseTo(expected[i], within(1e-5f * scale));
        }
    }
}
