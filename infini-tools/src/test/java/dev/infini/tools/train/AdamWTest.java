package dev.infini.tools.train;

import ai.djl.ndarray.NDManager;
import dev.infini.engine.OneTorchThread;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OneTorchThread.class)
class AdamWTest {

    /**
     * The update's temporaries (scaled gradient, squares, the moments' corrections, the change) are freed parameter
     * by parameter: the step keeps only the gradients' handles. Kept to the step's end they took about 44 bytes per
     * parameter, which for a 1B model is more than the weights, gradients and moments together (issue 17).
     */
    @Test
    void anUpdateLeavesOnlyTheGradientHandlesInTheStep() {
        ModelConfig shape = TrainableModelTest.tiny().withInfini(new ModelConfig.InfiniSettings(8, MemoryUpdate.DELTA));
        try (NDManager root = NDManager.newBaseManager(ai.djl.Device.cpu());
             TrainableModel model = TrainableModel.fromScratch(root, shape, 0f, 1)) {
            AdamW optimizer = new AdamW(model, new AdamW.Settings(0.9, 0.95, 1e-8, 0.01, 10, 1.0));
            int[][] ids = {{1, 5, 9, 7, 5, 9, 7, 5, 9, 7, 5, 9, 7, 5, 9, 7, 5}};
            float[][] weights = {new float[16]};
            java.util.Arrays.fill(weights[0], 1f);
            float before = model.parameters().get("model.layers.0.self_attn.q_proj.weight").getFloat(0, 0);
            try (NDManager step = root.newSubManager()) {
                model.backward(step, ids, weights, true, 0);
                int arrays = step.getManagedArrays().size();
                double norm = optimizer.update(step, 1e-2);
                assertThat(norm).isPositive();
                assertThat(step.getManagedArrays().size() - arrays).as("arrays the update left in the step")
                        .isEqualTo(model.parameters().size());
            }
            assertThat(model.parameters().get("model.layers.0.self_attn.q_proj.weight").getFloat(0, 0))
                    .as("the weights moved").isNotEqualTo(before);
            assertThat(optimizer.step()).isEqualTo(1);
        }
    }
}
