package dev.infini.tools.train;

import dev.infini.engine.SharedData;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.session.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@org.junit.jupiter.api.extension.ExtendWith(dev.infini.engine.OneTorchThread.class)
class TrainerTest {

    private static TrainSettings settings(Path out, long steps) {
        // chats of 6 segments of 32 tokens, 2 per step: seconds on a CPU; validation on 2 passkey sequences
        return new TrainSettings(null, TrainableModelTest.tiny(), SharedData.stories260k(), out, 32,
                MemoryUpdate.DELTA, 0f, steps, 2, 6, 6, 5e-3, 3, 0.1,
                new AdamW.Settings(0.9, 0.95, 1e-8, 0.01, 10, 1.0),
                new TrainingData.Mix(0, 1, 0, 5f, 5, 0.85, 0), null, out.resolve("corpus"), 0, 7,
                5, 10, 10, 0, 6, 2, 0, null, null, "cpu", null);
    }

    @Test
    void aFewStepsLowerTheLossAndWriteACheckpointTheEngineLoads(@TempDir Path out) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Trainer.Result result = new Trainer(settings(out, 20), new PrintStream(log, true)).run();
        assertThat(result.steps()).isEqualTo(20);
        List<String> csv = Files.readAllLines(out.resolve("loss.csv"));
        double first = Double.parseDouble(csv.get(1).split(",")[1]);
        double last = Double.parseDouble(csv.get(csv.size() - 1).split(",")[1]);
        assertThat(last).as("mean loss of the last 5 steps vs the first 5").isLessThan(first * 0.8);
        assertThat(log.toString()).contains("step 20/20", "tok/s", "loss", "answer tokens");
        String[] evaluated = csv.get(csv.size() - 1).split(",", -1);
        assertThat(csv.get(0).split(",")).hasSize(evaluated.length).endsWith("val_answer_tokens");
        // a sequence matches exactly only when all its answer tokens do, so the token share is at least the exact one
        assertThat(Double.parseDouble(evaluated[8])).isBetween(Double.parseDouble(evaluated[5]), 1.0);
        assertThat(out.resolve("loss.png")).isRegularFile();
        try (InfiniModel model = InfiniModel.load(out.resolve("last"), EngineOptions.builder().device("cpu").build());
             Session session = new Session(model)) {
            assertThat(model.segmentLength()).isEqualTo(32);
            assertThat(model.memoryMode()).isEqualTo(dev.infini.engine.config.MemoryMode.ON);
            session.append(model.tokenizer().encode("The pass key is"));
            for (float v : session.lastLogits()) {
                assertThat(Float.isFinite(v)).as("finite logits").isTrue();
            }
        }
    }

    @Test
    void aResumedRunEndsWithTheWeightsAndLossesOfAnUninterruptedOne(@TempDir Path straight, @TempDir Path cut)
            throws Exception {
        new Trainer(settings(straight, 15), new PrintStream(new ByteArrayOutputStream())).run();
        // The same run, dying after step 15's log row and before its checkpoint: it resumes from step 10's.
        assertThatThrownBy(() -> new Trainer(settings(cut, 15), dyingAt("step 15/15")).run())
                .isInstanceOf(Crash.class);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Trainer.Result resumed = new Trainer(settings(cut, 15), new PrintStream(log, true)).run();
        assertThat(log.toString()).contains("resuming from", "at step 10");
        assertThat(resumed.steps()).isEqualTo(15);
        // Steps 11-15 see the same data (its position follows from the step) with the same weights and optimizer
        // moments (restored), so they compute the same losses and gradient norms, and end on the same weights.
        List<String> expected = lossAndNorm(straight);
        assertThat(lossAndNorm(cut)).as("one row per logged step, none twice").isEqualTo(expected).hasSize(3);
        assertThat(Files.readAllBytes(cut.resolve("last/model.safetensors")))
                .isEqualTo(Files.readAllBytes(straight.resolve("last/model.safetensors")));
    }

    @Test
    void aStopRequestEndsTheRunAfterTheCurrentStepWithThatStepsCheckpoint(@TempDir Path out) throws Exception {
        java.util.concurrent.atomic.AtomicReference<Trainer> running = new java.util.concurrent.atomic.AtomicReference<>();
        // the request arrives while step 6 is under way (step 5's line is printed before step 6 starts)
        PrintStream stoppingAtStep5 = new PrintStream(java.io.OutputStream.nullOutputStream()) {
            @Override
            public void println(String line) {
                if (line.startsWith("step 5/")) {
                    running.get().requestStop();
                }
            }
        };
        running.set(new Trainer(settings(out, 15), stoppingAtStep5));
        Trainer.Result stopped = running.get().run();
        assertThat(stopped.stopped()).isTrue();
        assertThat(stopped.steps()).isEqualTo(6);
        // checkpoints come every 10 steps: this one is the stop's own
        assertThat(out.resolve("last/trainer.json")).content().contains("\"step\": 6");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Trainer.Result resumed = new Trainer(settings(out, 8), new PrintStream(log, true)).run();
        assertThat(log.toString()).contains("at step 6");
        assertThat(resumed.stopped()).isFalse();
        assertThat(resumed.steps()).isEqualTo(8);
    }

    private static final class Crash extends RuntimeException {
    }

    /** A progress stream that throws when a line starting with {@code prefix} is printed. */
    private static PrintStream dyingAt(String prefix) {
        return new PrintStream(java.io.OutputStream.nullOutputStream()) {
            @Override
            public void println(String line) {
                if (line.startsWith(prefix)) {
                    throw new Crash();
                }
            }
        };
    }

    /** "step,loss,grad_norm" of every step logged. */
    private static List<String> lossAndNorm(Path out) throws Exception {
        return Files.readAllLines(out.resolve("loss.csv")).stream().skip(1).map(line -> line.split(","))
                .map(f -> f[0] + "," + f[1] + "," + f[3]).toList();
    }

    @Test
    void theRecallMixtureTrainsFromTheOpenDataAndValidatesOnHeldOutChats(@TempDir Path out) throws Exception {
        Path data = out.resolve("open-data");
        dev.infini.tools.eval.PackageTarballs.write(data);
        TrainSettings settings = new TrainSettings(null, TrainableModelTest.tiny(), SharedData.stories260k(),
                out.resolve("run"), 32, MemoryUpdate.DELTA, 0f, 4, 2, 6, 8, 5e-3, 2, 0.1,
                new AdamW.Settings(0.9, 0.95, 1e-8, 0.01, 10, 1.0),
                new TrainingData.Mix(0, 0, 0, 3f, 5, 0.85, 0), null, out.resolve("corpus"), 20_000, 7,
                2, 4, 4, 0, 12, 2, 0, data,
                new RecallData.Mix(1, 1, 1, 1, 1, 3f, 2f, 0.25, 0.5, 16, 100, RecallData.Mix.THIRD, 0.5, 0.5), "cpu", null);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Trainer.Result result = new Trainer(settings, new PrintStream(log, true)).run();
        assertThat(result.steps()).isEqualTo(4);
        assertThat(log.toString()).contains("recall mixture", "33% of the copies symbols of an alphabet of 16",
                "50% longer than a segment", "val held-out chat recall", "memory off");
        assertThat(Double.isFinite(result.lastLoss())).isTrue();
        assertThat(out.resolve("run/last/model.safetensors")).isRegularFile();
    }

    @Test
    void theRunSaysWhichDeviceItIsOnAndRefusesADeviceThatIsNotThere(@TempDir Path out) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        new Trainer(settings(out.resolve("cpu"), 1), new PrintStream(log, true)).run();
        assertThat(log.toString()).contains("parameters on cpu()");

        TrainSettings base = settings(out.resolve("bad"), 1);
        assertThatThrownBy(() -> withDevice(base, "tpu")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the device must be cpu, gpu or auto");
        assumeTrue(ai.djl.engine.Engine.getInstance().getGpuCount() == 0, "this machine has a GPU");
        Path gpu = out.resolve("gpu");
        assertThatThrownBy(() -> new Trainer(withDevice(settings(gpu, 1), "gpu"),
                new PrintStream(new ByteArrayOutputStream())).run())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("DJL sees no GPU");
        assertThat(gpu.resolve("last")).doesNotExist(); // it stops before writing anything
    }

    private static TrainSettings withDevice(TrainSettings s, String device) {
        return with(s, s.keepEvery(), device);
    }

    private static TrainSettings with(TrainSettings s, int keepEvery, String device) {
        return new TrainSettings(s.init(), s.scratchConfig(), s.tokenizer(), s.output(), s.segmentLength(),
                s.memoryUpdate(), s.gateInit(), s.steps(), s.batch(), s.minSegments(), s.maxSegments(),
                s.peakLearningRate(), s.warmupSteps(), s.minLearningRateRatio(), s.adam(), s.mix(), s.corpus(),
                s.corpusCache(), s.proseTokens(), s.seed(), s.logEvery(), s.evalEvery(), s.checkpointEvery(),
                keepEvery, s.validationSegments(), s.validationSize(), s.bpttSegments(), s.recallData(), s.recallMix(),
                device, s.distillation());
    }

    @Test
    void keepsEveryKthStepsWeightsForAveraging(@TempDir Path out) throws Exception {
        new Trainer(with(settings(out, 12), 4, "cpu"), new PrintStream(new ByteArrayOutputStream())).run();
        assertThat(out.resolve("step-4/model.safetensors")).isRegularFile();
        assertThat(out.resolve("step-8/model.safetensors")).isRegularFile();
        assertThat(out.resolve("step-12/trainer.json")).content().contains("\"step\": 12");
        assertThat(out.resolve("step-12/optimizer")).as("weights only").doesNotExist();
        assertThat(Files.readAllBytes(out.resolve("step-12/model.safetensors")))
                .isEqualTo(Files.readAllBytes(out.resolve("last/model.safetensors")));
        assertThat(Files.readAllBytes(out.resolve("step-4/model.safetensors")))
                .isNotEqualTo(Files.readAllBytes(out.resolve("step-8/model.safetensors")));
        assertThat(dev.infini.tools.cli.InfiniCli.run("average", out.resolve("step-4").toString(),
                out.resolve("step-8").toString(), out.resolve("step-12").toString(), "-o",
                out.resolve("mean").toString())).isZero();
        assertThat(out.resolve("mean/model.safetensors")).isRegularFile();
        assertThatThrownBy(() -> with(settings(out, 12), -1, "cpu")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--keep-every");
    }

    @Test
    void learningRateWarmsUpThenDecaysToTheFloor(@TempDir Path out) {
        TrainSettings s = settings(out, 100);
        assertThat(s.learningRate(0)).isLessThan(s.learningRate(2));
        assertThat(s.learningRate(2)).isEqualTo(5e-3, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(s.learningRate(99)).isGreaterThanOrEqualTo(5e-4).isLessThan(5.1e-4);
    }
}
