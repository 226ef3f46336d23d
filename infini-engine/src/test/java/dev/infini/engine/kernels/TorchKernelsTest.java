package dev.infini.engine.kernels;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.infini.engine.DjlDefaults;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class TorchKernelsTest {

    static {
        DjlDefaults.apply();
    }

    @Test
    void swigluHasFiniteGradientsForGatesFarBelowZero() {
        // long training sequences reach gates below -88, where 1 + exp(-gate) overflows float32
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NDArray gate = manager.create(new float[] {-200f, -100f, -89f, -1f, 0f, 2f});
            NDArray up = manager.create(new float[] {1f, 2f, 3f, 4f, 5f, 6f});
            gate.setRequiresGradient(true);
            NDArray out;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                out = new TorchKernels().swiglu(gate, up);
                collector.backward(out.sum());
            }
            float[] values = out.toFloatArray();
            float[] gradient = gate.getGradient().toFloatArray();
            for (int i = 0; i < gradient.length; i++) {
                assertThat(Float.isFinite(gradient[i])).as("d out / d gate[%d]", i).isTrue();
            }
            assertThat(values[0]).isEqualTo(0f, within(1e-30f));
            assertThat(values[3]).isEqualTo((float) (-1 / (1 + Math.exp(1)) * 4), within(1e-6f));
            assertThat(values[5]).isEqualTo((float) (2 / (1 + Math.exp(-2)) * 6), within(1e-5f));
        }
    }
}
