package dev.infini.tools.cli;

import ai.djl.ndarray.NDManager;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;
import dev.infini.tools.train.TrainableModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
 * the starting point. Run on an Infini checkpoint it keeps its gates, segment length and update rule (unless told
 * otherwise), which with {@code --dtype F16} or {@code BF16} stores a trained model at half its bytes. Weights are
 * written as float32 unless {@code --dtype} says otherwise; a checkpoint that ties its head to the embeddings yet
 * stores {@code lm_head.weight} as well loses that copy, which the engine never reads.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Add Infini-attention to a plain Hugging Face Llama/Mistral/Qwen2 checkpoint: every weight kept,"
                + " memory gates added, infini_attention written to config.json. On an Infini checkpoint its gates and"
                + " settings are kept: with --dtype F16 or BF16 this stores a trained model at half its bytes."})
final class ConvertCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DIR", description = "The checkpoint to convert (config.json,"
            + " model.safetensors or shards, tokenizer files).")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Where to write the"
            + " converted checkpoint (not the input folder).")
    Path output;

    @Option(names = "--segment-length", paramLabel = "N",
            description = "N, tokens per segment (default: the checkpoint's own when it is an Infini checkpoint, else"
                    + " 2048).")
    Integer segmentLength;

    @Option(names = "--memory-update", paramLabel = "linear|delta",
            description = "Memory update rule (default: the checkpoint's own when it is an Infini checkpoint, else"
                    + " delta).")
    MemoryUpdate memoryUpdate;

    @Mixin
    StorageOptions storage;

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
        String dtype;
        try {
            dtype = storage.dtype();
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        ModelConfig.InfiniSettings own = ModelConfig.read(input).infini();
        int n = segmentLength != null ? segmentLength : own != null ? own.segmentLength() : 2048;
        MemoryUpdate update = memoryUpdate != null ? memoryUpdate
                : own != null ? own.memoryUpdate() : MemoryUpdate.DELTA;
        if (n < 1) {
            System.err.println("error: --segment-length must be positive, got " + n);
            return 2;
        }
        try (NDManager root = NDManager.newBaseManager(ai.djl.Device.cpu());
             TrainableModel model = TrainableModel.fromCheckpoint(root, input,
                     new ModelConfig.InfiniSettings(n, update), gateInit)) {
            model.save(output, input, dtype);
            System.out.printf("%s: %,d parameters in %s (%d layers x %d heads of gates%s), segment %d, %s update%n",
                    output, model.parameterCount(), dtype, model.config().numLayers(), model.config().numHeads(),
                    own != null ? ", kept" : " at beta " + gateInit, n, update.jsonName());
        }
        return 0;
    }
}
