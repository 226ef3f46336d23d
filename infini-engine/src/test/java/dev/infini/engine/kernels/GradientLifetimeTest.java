package dev.infini.engine.kernels;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.infini.engine.DjlDefaults;
import dev.infini.engine.FreedNativeMemory;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kernels' gradients must not depend on a garbage collection between forward and backward: with DJL's
 * {@code x.mul(2f)} they did (see {@link Scalars}).
 */
class GradientLifetimeTest {

    static {
        DjlDefaults.apply();
    }

    private final TorchKernels kernels = new TorchKernels();

    @Test
    void rawDjlScalarOperandIsFreedBeforeBackward() throws Exception {
        // pins the DJL behaviour Scalars works around; if DJL fixes it this fails and Scalars can go
        float[] gradient = gradientAfterCollection(x -> x.mul(3f));
        assertThat(gradient[0]).isNotEqualTo(3f);
    }

    @Test
    void scalarsSurviveACollectionBeforeBackward() throws Exception {
        float[] gradient = gradientAfterCollection(x -> x.mul(Scalars.of(x.getManager(), 3f)));
        assertThat(gradient).containsOnly(3f);
    }

    @Test
    void sigmaGradientSurvivesACollectionBeforeBackward() throws Exception {
        assertThat(gradientAfterCollection(kernels::sigma)).containsExactly(gradient(kernels::sigma));
    }

    @Test
    void rmsNormGradientSurvivesACollectionBeforeBackward() throws Exception {
        Function<NDArray, NDArray> norm = x -> kernels.rmsNorm(x.reshape(2, 8), x.getManager().ones(new Shape(8)), 1e-5f);
        assertThat(gradientAfterCollection(norm)).containsExactly(gradient(norm));
    }

    @Test
    void causalAttentionGradientSurvivesACollectionBeforeBackward() throws Exception {
        Function<NDArray, NDArray> attention = x -> {
            NDArray q = x.reshape(1, 1, 4, 4);
            return kernels.causalAttention(q, x.reshape(1, 4, 4).mul(x.reshape(1, 4, 4)), x.reshape(1, 4, 4), 0);
        };
        assertThat(gradientAfterCollection(attention)).containsExactly(gradient(attention));
    }

    private static float[] gradient(Function<NDArray, NDArray> f) throws Exception {
        return run(f, false);
    }

    private static float[] gradientAfterCollection(Function<NDArray, NDArray> f) throws Exception {
        return run(f, true);
    }

    private static float[] run(Function<NDArray, NDArray> f, boolean collect) throws Exception {
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            float[] values = new float[16];
            for (int i = 0; i < values.length; i++) {
                values[i] = (i - 7) * 0.37f;
            }
            NDArray x = manager.create(values);
            x.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray y = f.apply(x);
                if (collect) {
                    FreedNativeMemory.scribbleNaN();
                }
                collector.backward(y.sum());
            }
            return x.getGradient().toFloatArray();
        }
    }
}
