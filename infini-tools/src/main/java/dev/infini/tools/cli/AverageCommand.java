package dev.infini.tools.cli;

import ai.djl.ndarray.NDManager;
import dev.infini.engine.InfiniException;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.weights.LlamaLayout;
import dev.infini.tools.train.TrainableModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code infini average}: the element-wise mean of checkpoints of one training run (stochastic weight averaging). A
 * run at a high learning rate moves around a minimum from checkpoint to checkpoint; the mean of a few of them often
 * recalls and predicts better than any one (docs/recall-training.md measures it). The checkpoints must share their
 * config.json and tokenizer; the tokenizer files are copied from the first.
 */
@Command(name = "average", mixinStandardHelpOptions = true,
        description = {"Write the element-wise mean of two or more checkpoints of one model (same config.json and"
                + " tokenizer), e.g. several steps of one training run: stochastic weight averaging."})
final class AverageCommand implements Callable<Integer> {

    @Parameters(arity = "2..*", paramLabel = "DIR", description = "The checkpoints to average (two or more).")
    List<Path> inputs;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
            description = "Where to write the mean (not one of the inputs).")
    Path output;

    @Mixin
    StorageOptions storage;

    @Override
    public Integer call() throws IOException {
        String dtype;
        long total;
        try {
            dtype = storage.dtype();
            check();
            total = LlamaLayout.of(ModelConfig.read(inputs.get(0)), true).shapes().values().stream()
                    .mapToLong(shape -> java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact)).sum();
        } catch (IllegalArgumentException | InfiniException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        Progress progress = new Progress(System.err, "average of " + inputs.size(), total, "parameters");
        try (NDManager root = NDManager.newBaseManager(ai.djl.Device.cpu());
             TrainableModel model = TrainableModel.average(root, inputs,
                     done -> progress.update(done, done, null))) {
            progress.finish(total, total, null);
            model.save(output, inputs.get(0), dtype);
            System.out.printf("%s: the mean of %d checkpoints, %,d parameters in %s%n", output, inputs.size(),
                    model.parameterCount(), dtype);
        } catch (IllegalArgumentException | InfiniException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        return 0;
    }

    /** Every input a checkpoint, none of them the output, all with the first one's tokenizer. */
    private void check() throws IOException {
        Path tokenizer = inputs.get(0).resolve("tokenizer.json");
        for (Path input : inputs) {
            if (!Files.isRegularFile(input.resolve("config.json"))) {
                throw new IllegalArgumentException(input + " holds no config.json");
            }
            if (Files.exists(output) && Files.isSameFile(input, output)) {
                throw new IllegalArgumentException("write the mean to another folder than its input " + input);
            }
            Path other = input.resolve("tokenizer.json");
            if (Files.isRegularFile(tokenizer) != Files.isRegularFile(other)
                    || Files.isRegularFile(other) && Files.mismatch(tokenizer, other) != -1) {
                throw new IllegalArgumentException(input + " has another tokenizer than " + inputs.get(0)
                        + ": only checkpoints of one model can be averaged");
            }
        }
    }
}
