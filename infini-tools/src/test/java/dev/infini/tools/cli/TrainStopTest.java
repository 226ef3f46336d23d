package dev.infini.tools.cli;

import dev.infini.engine.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code infini train} in its own JVM, stopped the way people stop it: SIGTERM (what Ctrl-C's SIGINT also starts, the
 * JVM's shutdown). Before the shutdown hook the JVM exited under a training step still inside PyTorch and crashed in
 * libtorch's teardown (an {@code hs_err_pid*.log} in the working folder), losing the steps since the last checkpoint.
 */
class TrainStopTest {

    @Test
    void sigtermEndsTheRunAfterItsStepWithThatStepsCheckpointAndTheSameCommandResumes(@TempDir Path dir)
            throws Exception {
        Path run = dir.resolve("run");
        Path log = dir.resolve("train.log");
        // checkpoints every 1,000 steps: any checkpoint before that is the stop's own
        Process training = start(dir, log, run, 100_000);
        try {
            waitFor(log, "step 3/", training);
            training.destroy(); // SIGTERM
            assertThat(training.waitFor(120, TimeUnit.SECONDS)).as("the process ends").isTrue();
        } finally {
            training.destroyForcibly();
        }
        String out = Files.readString(log);
        assertThat(out).contains("stopping after the current step", "stopped after step", "stopped: ");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no JVM crash report")
                    .noneMatch(name -> name.startsWith("hs_err"));
        }
        long stoppedAt = com.google.gson.JsonParser.parseString(Files.readString(run.resolve("last/trainer.json")))
                .getAsJsonObject().get("step").getAsLong();
        assertThat(stoppedAt).isGreaterThanOrEqualTo(3).isLessThan(1_000);
        assertThat(out).contains("stopped after step " + stoppedAt + " of 100000");

        Path resumedLog = dir.resolve("resumed.log");
        Process resumed = start(dir, resumedLog, run, stoppedAt + 1);
        assertThat(resumed.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(resumed.exitValue()).isZero();
        assertThat(Files.readString(resumedLog)).contains("at step " + stoppedAt, "step " + (stoppedAt + 1) + "/",
                "done: " + (stoppedAt + 1) + " steps");
    }

    /** A tiny model from scratch, one step a fraction of a second, every step logged. */
    private static Process start(Path dir, Path log, Path run, long steps) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx512m", "-Dai.djl.offline=true",
                "-DOPT_OUT_TRACKING=true", "-Dai.djl.pytorch.num_threads=1", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), InfiniCli.class.getName(), "train",
                "--tokenizer", SharedData.stories260k().toString(), "--hidden", "32", "--layers", "1", "--heads", "2",
                "--kv-heads", "1", "--intermediate", "64", "--segment-length", "32", "--steps", Long.toString(steps),
                "--batch", "1", "--min-segments", "6", "--max-segments", "6", "--prose-tokens", "0",
                "--passkey-share", "1", "--chat-share", "0", "--prose-share", "0", "--warmup", "1",
                "--log-every", "1", "--eval-every", "100000", "--checkpoint-every", "1000", "--val-size", "2",
                "--val-segments", "6", "--threads", "1", "-o", run.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("OPT_OUT_TRACKING", "true");
        return builder.start();
    }

    private static void waitFor(Path log, String text, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(text)) {
                return;
            }
            assertThat(process.isAlive()).as("training still running: " + Files.readString(log)).isTrue();
            Thread.sleep(200);
        }
        throw new AssertionError("no '" + text + "' within 3 minutes: " + Files.readString(log));
    }
}
