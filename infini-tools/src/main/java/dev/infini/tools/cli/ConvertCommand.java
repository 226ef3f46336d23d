package dev.infini.tools.cli;

import ai.djl.ndarray.NDManager;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;
import dev.infini.tools.train.TrainableModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code infini convert}: a plain Llama, Mistral or Qwen2 checkpoint becomes an Infini checkpoint (the paper's
 * plug-and-play step, issue 17): every weight kept, a gate β per query head and layer added
 * ({@code self_attn.memory_gate}), and the {@code infini_attention} object written into config.json.
 * <p>
 * With a very negative β the memory's share sigmoid(β) is nil and the converted model computes what the original
 * does with segment-local attention; β = 0 mixes memory and local attention half and half. {@code train --init}
 * does the same conversion in memory before continuing training; this command writes it out, to evaluate or ship
 * the starting point. Weights are written as float32 (F16 and BF16 checkpoints are widened when read); a checkpoint
 * that ties its head to the embeddings yet stores {@code lm_head.weight} as well loses that copy, which the engine
 * never reads.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Add Infini-attention to a plain Hugging Face Llama/Mistral/Qwen2 checkpoint: every weight kept,"
                + " memory gates added, infini_attention written to config.json. Weights are written as float32."})
final class ConvertCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DIR", description = "The checkpoint to convert (config.json,"
            + " model.safetensors or shards, tokenizer files).")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Where to write the"
            + " converted checkpoint (not the input folder).")
    Path output;

    @Option(names = "--segment-length", defaultValue = "2048", paramLabel = "N",
            description = "N, tokens per segment (default: ${DEFAULT-VALUE}).")
    int segmentLength;

    @Option(names = "--memory-update", defaultValue = "delta", paramLabel = "linear|delta",
            description = "Memory update rule (default: ${DEFAULT-VALUE}).")
    MemoryUpdate memoryUpdate;

    @Option(names = "--gate-init", defaultValue = "0", paramLabel = "BETA", description = "β of the added gates;"
            + " sigmoid(β) is the memory's share, so 0 is half and -30 none (default: ${DEFAULT-VALUE}). Gates the"
            + " checkpoint already has are kept.")
    float gateInit;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(input.resolve("config.json"))) {
            System.err.println("error: " + input + " holds no config.json");
            return 2;
        }
        if (Files.exists(output) && Files.isSameFile(input, output)) {
            System.err.println("error: write the converted checkpoint to another folder than " + input);
            return 2;
        }
        if (segmentLength < 1) {
            System.err.println("error: --segment-length must be positive, got " + segmentLength);
            return 2;
        }
        try (NDManager root = NDManager.newBaseManager(ai.djl.Device.cpu());
             TrainableModel model = TrainableModel.fromCheckpoint(root, input,
                     new ModelConfig.InfiniSettings(segmentLength, memoryUpdate), gateInit)) {
            model.save(output, input);
            System.out.printf("%s: %,d parameters (%d layers x %d heads of gates at beta %s), segment %d, %s update%n",
                    output, model.parameterCount(), model.config().numLayers(), model.config().numHeads(), gateInit,
                    segmentLength, memoryUpdate.jsonName());
        }
        return 0;
    }
}
