package dev.infini.tools.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.infini.engine.SharedData;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.session.Session;
import dev.infini.engine.weights.LlamaLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

@org.junit.jupiter.api.extension.ExtendWith(dev.infini.engine.OneTorchThread.class)
class TrainableModelTest {

    @ParameterizedTest
    @EnumSource(MemoryUpdate.class)
    void trainingForwardMatchesTheInferenceEngineAcrossSegments(MemoryUpdate update, @TempDir Path dir) throws Exception {
        int n = 8;
        int[] ids = new int[3 * n + 5]; // three full segments folded into memory, then a partial one
        Random random = new Random(7);
        ids[0] = 1;
        for (int i = 1; i < ids.length; i++) {
            ids[i] = 3 + random.nextInt(500);
        }
        try (NDManager root = NDManager.newBaseManager(ai.djl.Device.cpu());
             TrainableModel model = TrainableModel.fromCheckpoint(root, SharedData.stories260k(),
                     new ModelConfig.InfiniSettings(n, update), 0f)) {
            // distinct gates per head, so a head mix-up would show
            for (var e : model.parameters().entrySet()) {
                if (e.getKey().endsWith(LlamaLayout.MEMORY_GATE)) {
                    float[] beta = new float[8];
                    for (int h = 0; h < beta.length; h++) {
                        beta[h] = -1.5f + 0.4f * h;
                    }
                    e.getValue().set(beta);
                }
            }
            model.save(dir, SharedData.stories260k());
            float[] trained;
            try (NDManager step = root.newSubManager()) {
                List<NDArray> logits = model.forward(step, new int[][] {ids}, true);
                assertThat(logits).hasSize(4);
                trained = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(logits), 1)
                        .logSoftmax(-1).toFloatArray();
            }
            try (InfiniModel engine = InfiniModel.load(dir, EngineOptions.builder().device("cpu").build());
                 Session session = new Session(engine)) {
                assertThat(engine.segmentLength()).isEqualTo(n);
                double[] scored = session.appendScored(ids);
                for (int t = 1; t < ids.length; t++) {
                    assertThat((double) trained[(t - 1) * 512 + ids[t]]).as("log p(token %d)", t)
                            .isCloseTo(scored[t], within(2e-4));
                }
            }
        }
    }

    /**
     * In-context copying is what chat recall needs, and what the default model's training never produced for words:
     * the training stack itself must be able to learn it. Sixteen random tokens from an alphabet of 20, then the same
     * sixteen again, loss on the repeat only: a 2-layer model copies them after a few hundred steps (guessing costs
     * ln 20 ≈ 3.0 nats per token).
     */
    @Test
    void aSmallModelLearnsToCopyFromItsSegment() {
        ModelConfig shape = new ModelConfig("llama", 64, 128, 2, 4, 2, 16, 512, 1e-5, 10000.0, null, false, true, 1,
                java.util.Set.of(2), new ModelConfig.InfiniSettings(64, MemoryUpdate.DELTA));
        try (NDManager root = NDManager.newBaseManager(ai.djl.Device.cpu());
             TrainableModel model = TrainableModel.fromScratch(root, shape, 0f, 1)) {
            AdamW optimizer = new AdamW(model, new AdamW.Settings(0.9, 0.95, 1e-8, 0.0, 1, 1.0));
            Random random = new Random(1);
            double first = 0;
            double last = 0;
            for (int step = 1; step <= 300; step++) {
                int[][] ids = new int[32][33];
                float[][] weights = new float[32][32];
                for (int[] row : ids) {
                    row[0] = 1;
                    for (int i = 1; i <= 16; i++) {
                        row[i] = row[i + 16] = 100 + random.nextInt(20);
                    }
                }
                for (float[] row : weights) {
                    java.util.Arrays.fill(row, 16, 32, 1f);
                }
                try (NDManager stepManager = root.newSubManager()) {
                    double loss = model.backward(stepManager, ids, weights, true, 0);
                    optimizer.update(stepManager, 1e-3);
                    first = step == 1 ? loss : first;
                    last = loss;
                }
            }
            assertThat(first).isGreaterThan(2.5);
            assertThat(last).as("loss on the copied half after 300 steps").isLessThan(0.1);
        }
    }

    @Test
    void gradientsReachEarlierSegmentsThroughTheMemoryOnly() {
        int n = 8;
        ModelConfig shape = tinyDelta(n);
        try (NDManager root = NDManager.newBaseManager(ai.djl.Device.cpu());
             TrainableModel model = TrainableModel.fromScratch(root, shape, 0f, 3)) {
            int[][] ids = new int[1][2 * n + 1];
            for (int i = 0; i < ids[0].length; i++) {
                ids[0][i] = 3 + i;
            }
            float[][] weights = new float[1][2 * n];
            weights[0][2 * n - 1] = 1f; // only the last prediction of the second segment counts
            for (boolean memory : new boolean[] {true, false}) {
                try (NDManager step = root.newSubManager()) {
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        collector.backward(model.loss(step, ids, weights, memory));
                    }
                    NDArray gate = model.parameters().get("model.layers.0." + LlamaLayout.MEMORY_GATE).getGradient();
                    gate.attach(step);
                    float gateGradient = gate.abs().sum().getFloat();
                    if (memory) {
                        assertThat(gateGradient).as("the gate learns when the memory is on").isGreaterThan(0f);
                    } else {
                        assertThat(gateGradient).as("no path to the gate with the memory off").isEqualTo(0f);
                    }
                    for (NDArray p : model.parameters().values()) {
                        NDArray g = p.getGradient();
                        g.attach(step);
                        g.muli(0);
                    }
                }
            }
        }
    }

    @Test
    void backPropagationInChunksAddsUpToTheSameLossButCutsGradientsBetweenChunks() {
        int n = 8;
        ModelConfig shape = tinyDelta(n);
        try (NDManager root = NDManager.newBaseManager(ai.djl.Device.cpu());
             TrainableModel model = TrainableModel.fromScratch(root, shape, 0f, 5)) {
            int[][] ids = new int[2][4 * n + 3]; // 4 full segments and a partial one
            float[][] weights = new float[2][4 * n + 2];
            for (int b = 0; b < 2; b++) {
                for (int i = 0; i < ids[b].length; i++) {
                    ids[b][i] = 3 + (7 * i + 11 * b) % 50;
                }
                java.util.Arrays.fill(weights[b], 1f);
            }
            double[] full = new double[1];
            float[] fullGradient = keyGradient(model, root, () -> full[0] = model.backward(root, ids, weights, true, 0));
            double[] wide = new double[1];
            float[] wideGradient = keyGradient(model, root, () -> wide[0] = model.backward(root, ids, weights, true, 5));
            double[] cut = new double[1];
            float[] cutGradient = keyGradient(model, root, () -> cut[0] = model.backward(root, ids, weights, true, 2));
            double[] reference = new double[1];
            try (NDManager step = root.newSubManager()) {
                reference[0] = model.loss(step, ids, weights, true).getFloat();
            }
            assertThat(full[0]).as("one chunk is the plain loss").isCloseTo(reference[0], within(1e-6));
            assertThat(cut[0]).as("chunks carry M and z on: the loss is the same").isCloseTo(reference[0], within(1e-5));
            double difference = 0;
            for (int i = 0; i < fullGradient.length; i++) {
                assertThat(wideGradient[i]).as("a window longer than the sequence changes nothing")
                        .isCloseTo(fullGradient[i], within(1e-6f + 1e-4f * Math.abs(fullGradient[i])));
                assertThat(Float.isFinite(cutGradient[i])).isTrue();
                difference += Math.abs(fullGradient[i] - cutGradient[i]);
            }
            assertThat(difference).as("no gradient flows back through M and z into an earlier chunk").isGreaterThan(1e-6);
            assertThatThrownBy(() -> model.backward(root, ids, weights, true, -1))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void gradientsDoNotDependOnAGarbageCollectionBetweenForwardAndBackward() {
        // long sequences give the JVM time to collect between forward and backward; a constant of the graph that
        // lived in a Java buffer was then freed and its memory reused (see kernels.Scalars)
        int n = 8;
        ModelConfig shape = tinyDelta(n);
        try (NDManager root = NDManager.newBaseManager(ai.djl.Device.cpu());
             TrainableModel model = TrainableModel.fromScratch(root, shape, 0f, 9)) {
            int[][] ids = new int[1][3 * n + 1];
            float[][] weights = new float[1][3 * n];
            for (int i = 0; i < ids[0].length; i++) {
                ids[0][i] = 3 + (5 * i) % 40;
            }
            java.util.Arrays.fill(weights[0], 1f);
            float[] plain = keyGradient(model, root, () -> model.backward(root, ids, weights, true, 0));
            float[] collected = keyGradient(model, root, () -> {
                try (NDManager step = root.newSubManager();
                     GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = model.chunkLoss(step, ids, weights, 0, 3 * n, true, new TrainableModel.Carry(
                            shape.numLayers()), 3 * n, null);
                    dev.infini.engine.FreedNativeMemory.scribbleNaN();
                    collector.backward(loss);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(collected).containsExactly(plain);
        }
    }

    /**
     * Self-distillation mixes the next token with the teacher's distribution. A teacher with the student's own
     * weights adds no gradient (the soft cross-entropy's gradient is p_student − p_teacher = 0), so a share s leaves
     * (1 − s) of the next-token gradient, and a row without a share keeps all of its own.
     */
    @Test
    void aTeacherWithTheStudentsWeightsLeavesOneMinusItsShareOfTheNextTokenGradient(@TempDir Path dir) throws Exception {
        int n = 8;
        ModelConfig.InfiniSettings segments = new ModelConfig.InfiniSettings(n, MemoryUpdate.DELTA);
        try (NDManager root = NDManager.newBaseManager(ai.djl.Device.cpu());
             TrainableModel model = TrainableModel.fromScratch(root, tinyDelta(n), 0f, 13)) {
            model.save(dir, SharedData.stories260k());
            assertThatThrownBy(() -> TrainableModel.teacher(root, dir, segments, 511))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same tokenizer");
            try (TrainableModel teacher = TrainableModel.teacher(root, dir, segments, 512)) {
                int[][] ids = new int[2][n + 1]; // one segment each: the student's memory is empty, as the teacher's
                float[][] weights = new float[2][n];
                float[][] secondRowOnly = new float[2][n];
                for (int b = 0; b < 2; b++) {
                    for (int i = 0; i < ids[b].length; i++) {
                        ids[b][i] = 3 + (13 * i + 29 * b) % 300;
                    }
                    java.util.Arrays.fill(weights[b], 1f);
                }
                java.util.Arrays.fill(secondRowOnly[1], 1f);
                float[] hard = keyGradient(model, root, () -> model.backward(root, ids, weights, true, 0));
                float[] mixed = keyGradient(model, root, () -> model.backward(root, ids, weights, true, 0,
                        new TrainableModel.Soft(teacher, new float[] {0.75f, 0.75f})));
                float[] firstTaught = keyGradient(model, root, () -> model.backward(root, ids, weights, true, 0,
                        new TrainableModel.Soft(teacher, new float[] {1f, 0f})));
                // the loss is divided by the weight of both rows; with the first row's weights at 0, by half of it
                float[] secondAlone = keyGradient(model, root, () -> model.backward(root, ids, secondRowOnly, true, 0));
                assertThat(hard).as("a gradient to scale").matches(g -> {
                    double norm = 0;
                    for (float v : g) {
                        norm += Math.abs(v);
                    }
                    return norm > 1e-4;
                });
                for (int i = 0; i < hard.length; i++) {
                    assertThat(mixed[i]).isCloseTo(0.25f * hard[i], within(1e-7f + 1e-4f * Math.abs(hard[i])));
                    assertThat(firstTaught[i]).isCloseTo(0.5f * secondAlone[i],
                            within(1e-7f + 1e-4f * Math.abs(secondAlone[i])));
                }
                assertThat(teacher.parameters().values()).allMatch(p -> !p.hasGradient());
            }
        }
    }

    /** Runs a backward pass and returns layer 0's W_k gradient, then zeroes every gradient. */
    private static float[] keyGradient(TrainableModel model, NDManager root, Runnable backward) {
        backward.run();
        float[] gradient;
        try (NDManager step = root.newSubManager()) {
            NDArray g = model.parameters().get("model.layers.0.self_attn.k_proj.weight").getGradient();
            g.attach(step);
            gradient = g.toFloatArray();
        }
        model.parameters().values().forEach(AdamW::zeroGradient);
        return gradient;
    }

    /** {@link #tiny} with segments of n tokens and the delta rule. */
    private static ModelConfig tinyDelta(int n) {
        return tiny().withInfini(new ModelConfig.InfiniSettings(n, MemoryUpdate.DELTA));
    }

    static ModelConfig tiny() {
        return new ModelConfig("llama", 32, 64, 2, 4, 2, 8, 512, 1e-5, 10000.0, null, false, true, 1,
                java.util.Set.of(2), null);
    }
}
