package dev.infini.tools.bench;

import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryMode;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.config.WeightFormat;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.weights.Checkpoint;
import dev.infini.engine.weights.LlamaLayout;

import java.nio.file.Path;

/** Loading the models a benchmark compares, and the analytic sizes and costs of a model shape. */
public final class BenchModels {

    private BenchModels() {
    }

    /**
     * The Infini model: the checkpoint's own memory gates, or {@link BenchOptions#gateInit()} for a checkpoint
     * without them, so that the memory (retrieval and fold) always takes part in what is measured.
     */
    public static InfiniModel infini(Path dir, BenchOptions o) {
        return infini(dir, o, null);
    }

    /** {@link #infini(Path, BenchOptions)} with decode's weights held in {@code decodeWeights} (null: the default). */
    public static InfiniModel infini(Path dir, BenchOptions o, WeightFormat decodeWeights) {
        EngineOptions.Builder b = EngineOptions.builder().device(o.device()).segmentLength(o.segmentLength())
                .memoryMode(MemoryMode.ON).decodeWeights(decodeWeights);
        if (!hasGates(dir)) {
            b.gateInit(o.gateInit());
        }
        return InfiniModel.load(dir, b.build());
    }

    /**
     * The same weights as a plain full-attention model: one segment as long as {@code contextTokens} and the memory
     * off, so every token attends to every earlier token, as in an ordinary transformer.
     */
    public static InfiniModel fullAttention(Path dir, BenchOptions o, int contextTokens) {
        return InfiniModel.load(dir, EngineOptions.builder().device(o.device()).segmentLength(contextTokens)
                .memoryMode(MemoryMode.OFF).build());
    }

    public static boolean hasGates(Path dir) {
        return Checkpoint.open(dir).has(LlamaLayout.layer(0, LlamaLayout.MEMORY_GATE));
    }



    /** Bytes of a float32 KV cache per token: K and V for every layer and KV head (2·L·H_kv·d·4). */
    public static long kvBytesPerToken(ModelConfig c) {
        return 2L * c.numLayers() * c.numKvHeads() * c.headDim() * 4;
    }

    /** Weights of the linear maps of one decoder layer (q, k, v, o, gate, up, down). */
    public static long linearParamsPerLayer(ModelConfig c) {
        long h = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        return h * q * 2 + h * kv * 2 + 3 * h * c.intermediateSize();
    }

    /**
     * Bytes of weights one decode step must read, float32: every layer's linear maps and norms, the final norm and
     * the LM head (the embedding table itself only gives one row).
     */
    public static long weightBytesPerToken(ModelConfig c) {
        return weightBytesPerToken(c, WeightFormat.F32);
    }

    /**
     * Bytes of weights a decode step reads with its matrices in {@code format}: every linear map and the LM head in
     * that format (Q8_0 with a float32 scale per block of 32), the norms in float32.
     */
    public static long weightBytesPerToken(ModelConfig c, WeightFormat format) {
        long h = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long im = c.intermediateSize();
        // every matrix a step multiplies by, as rows × columns: q, k, v, o, gate, up, down per layer; the LM head
        long[][] layer = {{q, h}, {kv, h}, {kv, h}, {h, q}, {im, h}, {im, h}, {h, im}};
        long bytes = matrixBytes(c.vocabSize(), h, format);
        for (long[] m : layer) {
            bytes += c.numLayers() * matrixBytes(m[0], m[1], format);
        }
        return bytes + 4 * (2 * h * c.numLayers() + h); // the norms, float32
    }

    /** A rows × cols matrix in {@code format}: Q8_0 adds a float32 scale per block of each row, a short one too. */
    private static long matrixBytes(long rows, long cols, WeightFormat format) {
        long bytes = rows * cols * format.elementBytes();
        return format == WeightFormat.Q8_0 ? bytes + rows * WeightFormat.q8Blocks((int) cols) * Float.BYTES : bytes;
    }

    /**
     * Floating-point operations per token when a prompt of {@code prompt} tokens is prefilled as one chunk: the
     * linear maps (2 per weight), the causal attention as computed (QKᵀ and AV over the whole chunk, masked: 4·heads·d
     * per key) and the LM head, which runs for the last position only.
     */
    public static double prefillFlopsPerToken(ModelConfig c, int prompt) {
        double linear = 2.0 * linearParamsPerLayer(c) * c.numLayers();
        double attention = 4.0 * c.numHeads() * c.headDim() * prompt * c.numLayers();
        double head = 2.0 * c.vocabSize() * c.hiddenSize() / prompt;
        return linear + attention + head;
    }
}
