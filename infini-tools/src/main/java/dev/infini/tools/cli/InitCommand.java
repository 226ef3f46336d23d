package dev.infini.tools.cli;

import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;
import dev.infini.tools.checkpoint.RandomCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code infini init}: a randomly initialised checkpoint with infini gates, for tests and benchmarks. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Write a randomly initialised Infini checkpoint of a given shape (with memory gates).")
final class InitCommand implements Callable<Integer> {

    /** Named shapes; explicit options override any field. */
    enum Preset {
        /** 2 layers, width 64: for unit tests. */
        TINY(64, 128, 2, 4, 2, 16),
        /** About 100M parameters with a 512-token vocabulary. */
        M100(768, 3072, 12, 12, 4, 64),
        /** About 1B parameters with a 512-token vocabulary. */
        B1(2048, 8192, 16, 32, 8, 64);

        final int hidden;
        final int intermediate;
        final int layers;
        final int heads;
        final int kvHeads;
        final int headDim;

        Preset(int hidden, int intermediate, int layers, int heads, int kvHeads, int headDim) {
            this.hidden = hidden;
            this.intermediate = intermediate;
            this.layers = layers;
            this.heads = heads;
            this.kvHeads = kvHeads;
            this.headDim = headDim;
        }
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "Folder to create (must not exist or be empty).")
    Path output;

    @Option(names = "--tokenizer-from", required = true, paramLabel = "DIR",
            description = "Checkpoint folder whose tokenizer.json (and tokenizer_config.json) are copied.")
    Path tokenizerFrom;

    @Option(names = "--preset", defaultValue = "tiny", paramLabel = "tiny|m100|b1",
            description = "Base shape (default: ${DEFAULT-VALUE}); the options below override its fields.")
    Preset preset;

    @Option(names = "--hidden-size", paramLabel = "N", description = "Model width.")
    Integer hidden;

    @Option(names = "--intermediate-size", paramLabel = "N", description = "MLP width.")
    Integer intermediate;

    @Option(names = "--layers", paramLabel = "N", description = "Decoder layers.")
    Integer layers;

    @Option(names = "--heads", paramLabel = "N", description = "Query heads.")
    Integer heads;

    @Option(names = "--kv-heads", paramLabel = "N", description = "Key/value heads (fewer than heads: GQA).")
    Integer kvHeads;

    @Option(names = "--head-dim", paramLabel = "N", description = "Width of one head.")
    Integer headDim;

    @Option(names = "--vocab-size", paramLabel = "N",
            description = "Vocabulary size; default: the tokenizer folder's config.json vocab_size.")
    Integer vocab;

    @Option(names = "--segment-length", defaultValue = "2048", paramLabel = "N",
            description = "infini_attention.segment_length (default: ${DEFAULT-VALUE}).")
    int segmentLength;

    @Option(names = "--memory-update", defaultValue = "linear", paramLabel = "linear|delta",
            description = "infini_attention.memory_update (default: ${DEFAULT-VALUE}).")
    MemoryUpdate memoryUpdate;

    @Option(names = "--model-type", defaultValue = "llama", paramLabel = "llama|mistral|qwen2",
            description = "model_type; qwen2 adds q/k/v biases (default: ${DEFAULT-VALUE}).")
    String modelType;

    @Option(names = "--untied", description = "A separate LM head instead of tied embeddings.")
    boolean untied;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of every random value (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--init-std", defaultValue = "0.02", description = "Weight standard deviation (default: ${DEFAULT-VALUE}).")
    double initStd;

    @Option(names = "--gate-init", paramLabel = "BETA", description = "One β for every head instead of N(0,1) draws.")
    Float gateInit;

    @Option(names = "--no-gates", description = "Write no memory gates: a plain Llama checkpoint.")
    boolean noGates;

    @Option(names = "--dtype", defaultValue = "F32", paramLabel = "F32|F16|BF16",
            description = "Storage dtype (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--max-shard-bytes", defaultValue = "0",
            description = "Split into shards of at most this many bytes; 0 writes one file (default).")
    long maxShardBytes;

    @Override
    public Integer call() {
        // Special token ids come with the tokenizer: take them from its checkpoint's config.json when it has one.
        ModelConfig source = java.nio.file.Files.isRegularFile(tokenizerFrom.resolve("config.json"))
                ? ModelConfig.read(tokenizerFrom) : null;
        if (vocab == null && source == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--vocab-size is required: " + tokenizerFrom + " has no config.json to take it from");
        }
        int vocabSize = vocab != null ? vocab : source.vocabSize();
        int bos = source != null ? source.bosTokenId() : 1;
        Set<Integer> eos = source != null && !source.eosTokenIds().isEmpty() ? source.eosTokenIds() : Set.of(2);
        boolean bias = modelType.equals("qwen2");
        ModelConfig config = new ModelConfig(modelType, or(hidden, preset.hidden), or(intermediate, preset.intermediate),
                or(layers, preset.layers), or(heads, preset.heads), or(kvHeads, preset.kvHeads),
                or(headDim, preset.headDim), vocabSize, 1e-5, 10000.0, null, bias, !untied, bos, eos,
                new ModelConfig.InfiniSettings(segmentLength, memoryUpdate));
        RandomCheckpoint checkpoint = RandomCheckpoint.builder(config).tokenizerFrom(tokenizerFrom).seed(seed)
                .initStd(initStd).gateInit(gateInit).gates(!noGates).dtype(dtype).maxShardBytes(maxShardBytes).build();
        Progress progress = new Progress(System.err, "init", checkpoint.weightBytes(), "bytes");
        RandomCheckpoint.Result result = checkpoint.writeTo(output,
                (tensor, written, total) -> progress.update(written, written, tensor));
        progress.finish(checkpoint.weightBytes(), checkpoint.weightBytes(), "done");
        System.out.printf("wrote %s: %,d parameters, %,d bytes of weights (%s)%n", result.dir(),
                result.parameterCount(), result.weightBytes(), dtype);
        return 0;
    }

    private static int or(Integer value, int fallback) {
        return value != null ? value : fallback;
    }
}
