package dev.infini.engine.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.infini.engine.CheckpointException;
import dev.infini.engine.DjlDefaults;
import dev.infini.engine.ForeignStateException;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryMode;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.kernels.Kernels;
import dev.infini.engine.kernels.VectorKernels;
import dev.infini.engine.layers.CompressiveMemory;
import dev.infini.engine.layers.DecoderLayer;
import dev.infini.engine.layers.InfiniAttention;
import dev.infini.engine.layers.Mlp;
import dev.infini.engine.layers.RmsNorm;
import dev.infini.engine.layers.Rope;
import dev.infini.engine.session.Session;
import dev.infini.engine.session.SessionState;
import dev.infini.engine.session.StateCodec;
import dev.infini.engine.tokenizer.InfiniTokenizer;
import dev.infini.engine.weights.Checkpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A loaded Infini-Transformer: a Llama-family checkpoint whose every attention layer is Infini-attention. The model
 * is immutable and thread-safe; each conversation is a {@link Session} of its own.
 */
public final class InfiniModel implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InfiniModel.class);

    static {
        DjlDefaults.apply();
    }

    private final ModelConfig config;
    private final EngineOptions options;
    private final int segmentLength;
    private final MemoryUpdate memoryUpdate;
    private final MemoryMode memoryMode;
    private final NDManager manager;
    private final Kernels kernels;
    private final InfiniTokenizer tokenizer;
    private final NDArray embeddings;
    private final List<DecoderLayer> layers;
    private final RmsNorm finalNorm;
    private final NDArray lmHead;
    private final byte[] fingerprint;
    private final boolean memoryUsed;
    /** The decode step in Java, or null when decode goes through PyTorch (switched off, GPU, no Vector API). */
    private final JavaDecodeStep javaStep;

    private InfiniModel(Path dir, EngineOptions options) {
        ModelConfig read = ModelConfig.read(dir);
        Checkpoint checkpoint = Checkpoint.open(dir);
        this.options = options;
        ModelConfig.InfiniSettings settings = read.infini();
        this.segmentLength = options.segmentLength() > 0 ? options.segmentLength()
                : settings != null ? settings.segmentLength() : EngineOptions.DEFAULT_SEGMENT_LENGTH;
        this.memoryUpdate = options.memoryUpdate() != null ? options.memoryUpdate()
                : settings != null ? settings.memoryUpdate() : MemoryUpdate.LINEAR;
        this.config = read.withInfini(new ModelConfig.InfiniSettings(segmentLength, memoryUpdate));
        this.kernels = VectorKernels.preferred();
        Device device = chooseDevice(options.device());
        this.manager = NDManager.newBaseManager(device);
        try {
            this.tokenizer = InfiniTokenizer.load(dir, config.vocabSize());
            int h = config.hiddenSize();
            int d = config.headDim();
            int qWidth = config.numHeads() * d;
            int kvWidth = config.numKvHeads() * d;
            this.embeddings = tensor(checkpoint, "model.embed_tokens.weight", config.vocabSize(), h);
            boolean hasGates = checkpoint.has("model.layers.0.self_attn.memory_gate");
            Rope rope = new Rope(manager, config, segmentLength);
            List<LayerWeights> weights = new ArrayList<>();
            List<DecoderLayer> built = new ArrayList<>();
            for (int i = 0; i < config.numLayers(); i++) {
                String p = "model.layers." + i + ".";
                NDArray beta = null;
                if (hasGates) {
                    beta = tensor(checkpoint, p + "self_attn.memory_gate", config.numHeads());
                } else if (options.gateInit() != null) {
                    beta = manager.full(new Shape(config.numHeads()), options.gateInit());
                }
                boolean bias = config.attentionBias();
                LayerWeights w = new LayerWeights(
                        tensor(checkpoint, p + "input_layernorm.weight", h),
                        tensor(checkpoint, p + "self_attn.q_proj.weight", qWidth, h),
                        tensor(checkpoint, p + "self_attn.k_proj.weight", kvWidth, h),
                        tensor(checkpoint, p + "self_attn.v_proj.weight", kvWidth, h),
                        tensor(checkpoint, p + "self_attn.o_proj.weight", h, qWidth),
                        bias ? tensor(checkpoint, p + "self_attn.q_proj.bias", qWidth) : null,
                        bias ? tensor(checkpoint, p + "self_attn.k_proj.bias", kvWidth) : null,
                        bias ? tensor(checkpoint, p + "self_attn.v_proj.bias", kvWidth) : null,
                        beta,
                        tensor(checkpoint, p + "post_attention_layernorm.weight", h),
                        tensor(checkpoint, p + "mlp.gate_proj.weight", config.intermediateSize(), h),
                        tensor(checkpoint, p + "mlp.up_proj.weight", config.intermediateSize(), h),
                        tensor(checkpoint, p + "mlp.down_proj.weight", h, config.intermediateSize()));
                weights.add(w);
                built.add(new DecoderLayer(kernels,
                        new RmsNorm(w.inputNorm(), config.rmsNormEps()),
                        new InfiniAttention(kernels, rope, w.wq(), w.wk(), w.wv(), w.wo(), w.bq(), w.bk(), w.bv(),
                                w.beta(), config.numHeads(), config.numKvHeads(), d),
                        new RmsNorm(w.postAttentionNorm(), config.rmsNormEps()),
                        new Mlp(w.gate(), w.up(), w.down())));
            }
            this.layers = List.copyOf(built);
            NDArray finalNormWeight = tensor(checkpoint, "model.norm.weight", h);
            this.finalNorm = new RmsNorm(finalNormWeight, config.rmsNormEps());
            this.lmHead = config.tieWordEmbeddings() || !checkpoint.has("lm_head.weight") ? embeddings
                    : tensor(checkpoint, "lm_head.weight", config.vocabSize(), h);
            boolean gated = hasGates || options.gateInit() != null;
            this.memoryMode = gated ? options.memoryMode() : MemoryMode.OFF;
            this.memoryUsed = gated && memoryMode == MemoryMode.ON;
            this.javaStep = device.isGpu() ? null : VectorKernels.preferredDecode()
                    .flatMap(loops -> JavaDecodeStep.over(loops, config, rope, memoryMode, embeddings, weights,
                            finalNormWeight, lmHead, VectorKernels.decodeWeights(), manager))
                    .orElse(null);
            this.fingerprint = fingerprint(config, checkpoint, options);
            if (!gated) {
                log.info("{} has no infini memory gates (self_attn.memory_gate): the memory is switched off and "
                        + "attention is local to segments of {} tokens; set a gate initialisation to switch it on",
                        dir, segmentLength);
            }
            log.info("Loaded {} ({} layers, hidden {}, {}/{} heads, vocab {}) on {}: segment {} tokens, {} memory"
                            + " update, memory {}, state {} bytes per conversation, decode through {}", dir,
                    config.numLayers(), h, config.numHeads(), config.numKvHeads(), config.vocabSize(), device,
                    segmentLength, memoryUpdate.jsonName(), memoryMode, stateBytes(),
                    javaStep != null ? "Java loops" : "PyTorch");
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Loads a checkpoint folder with the default options (auto device). */
    public static InfiniModel load(Path dir) {
        return load(dir, EngineOptions.defaults());
    }

    /** Loads a checkpoint folder: config.json, model.safetensors (or shards) and tokenizer.json. */
    public static InfiniModel load(Path dir, EngineOptions options) {
        return new InfiniModel(dir, options);
    }

    private static Device chooseDevice(String choice) {
        if (choice.equals("cpu")) {
            return Device.cpu();
        }
        int gpus = Engine.getInstance().getGpuCount();
        return switch (choice) {
            case "gpu" -> {
                if (gpus == 0) {
                    throw new IllegalStateException("device gpu was asked for but DJL sees no GPU: add the CUDA "
                            + "PyTorch native artifact (see README) and check the driver");
                }
                yield Device.gpu();
            }
            default -> gpus > 0 ? Device.gpu() : Device.cpu();
        };
    }

    private NDArray tensor(Checkpoint checkpoint, String name, long... shape) {
        NDArray array = manager.create(checkpoint.readFloats(name, shape), new Shape(shape));
        if (array.getShape().size() > 0) {
            // one cheap check that conversion went right: NaN weights would poison every conversation silently
            float first = array.getFloat(new long[shape.length]);
            if (Float.isNaN(first)) {
                throw new CheckpointException(checkpoint.dir(), "tensor \"" + name + "\" holds NaN");
            }
        }
        return array;
    }

    private static byte[] fingerprint(ModelConfig config, Checkpoint checkpoint, EngineOptions options) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(config.toJson().toString().getBytes(StandardCharsets.UTF_8));
            sha.update(String.valueOf(options.gateInit()).getBytes(StandardCharsets.UTF_8));
            for (String name : checkpoint.names()) {
                sha.update(name.getBytes(StandardCharsets.UTF_8));
                sha.update(checkpoint.info(name).dtype().getBytes(StandardCharsets.UTF_8));
                sha.update(Arrays.toString(checkpoint.info(name).shape()).getBytes(StandardCharsets.UTF_8));
                // a sample of every tensor tells checkpoints of one shape apart without hashing gigabytes
                sha.update(checkpoint.sample(name, 4096));
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The architecture, with the effective infini settings. */
    public ModelConfig config() {
        return config;
    }

    /** The options the model was loaded with. */
    public EngineOptions options() {
        return options;
    }

    /** N, tokens per segment. */
    public int segmentLength() {
        return segmentLength;
    }

    /** Linear or delta memory update. */
    public MemoryUpdate memoryUpdate() {
        return memoryUpdate;
    }

    /** Whether and how the memory takes part; OFF for a checkpoint without gates. */
    public MemoryMode memoryMode() {
        return memoryMode;
    }

    /** The checkpoint's tokenizer. */
    public InfiniTokenizer tokenizer() {
        return tokenizer;
    }

    /** The device the weights live on. */
    public Device device() {
        return manager.getDevice();
    }

    /** SHA-256 of the architecture, infini settings and a sample of every tensor. */
    public byte[] fingerprint() {
        return fingerprint.clone();
    }

    /** {@link #fingerprint()} as hex. */
    public String fingerprintHex() {
        return HexFormat.of().formatHex(fingerprint);
    }

    /** Bytes of one conversation's encoded state: a constant of the model and segment length. */
    public long stateBytes() {
        return StateCodec.encodedSize(segmentLength, config.vocabSize(), config.numLayers(), config.numKvHeads(),
                config.headDim());
    }

    /** Number of parameters (the tied LM head counted once). */
    public long parameterCount() {
        long h = config.hiddenSize();
        long d = config.headDim();
        long perLayer = h * config.numHeads() * d * 2 + 2 * h * config.numKvHeads() * d
                + 3 * h * config.intermediateSize() + 2 * h + (memoryUsed || layers.get(0).attention().hasGates()
                ? config.numHeads() : 0);
        if (config.attentionBias()) {
            perLayer += config.numHeads() * d + 2L * config.numKvHeads() * d;
        }
        long head = lmHead == embeddings ? 0 : h * config.vocabSize();
        return h * config.vocabSize() + head + h + perLayer * config.numLayers();
    }

    /** Starts an empty conversation. */
    public Session newSession() {
        return new Session(this);
    }

    /**
     * Continues a conversation from a snapshot.
     *
     * @throws ForeignStateException if the state belongs to another model or segment length
     */
    public Session restore(SessionState state) {
        if (!MessageDigest.isEqual(state.modelFingerprint(), fingerprint)) {
            throw new ForeignStateException("state belongs to another model (fingerprint "
                    + HexFormat.of().formatHex(state.modelFingerprint()).substring(0, 16) + "…, this model is "
                    + fingerprintHex().substring(0, 16) + "…)");
        }
        if (state.segmentLength() != segmentLength || state.numLayers() != config.numLayers()
                || state.numKvHeads() != config.numKvHeads() || state.headDim() != config.headDim()
                || state.vocabSize() != config.vocabSize() || state.memoryUpdate() != memoryUpdate) {
            throw new ForeignStateException("state shapes do not match this model");
        }
        return Session.restore(this, state);
    }

    // ---- used by Session ----

    /** Per-layer state holders for a new conversation, owned by {@code sessionManager}. */
    public List<CompressiveMemory> newMemories(NDManager sessionManager) {
        List<CompressiveMemory> memories = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            memories.add(new CompressiveMemory(sessionManager, config.numKvHeads(), config.headDim()));
        }
        return memories;
    }

    /** A manager for one conversation's long-lived arrays, on the model's device. */
    public NDManager newSessionManager() {
        return manager.newSubManager();
    }

    /** Scratch for one conversation's decode steps in Java (see {@link #decodesInJava()}). */
    public DecodeBuffers newDecodeBuffers() {
        return new DecodeBuffers(config);
    }

    /**
     * Whether a chunk of one token runs as Java loops over the weights in place (the Java decode step) rather than
     * through PyTorch: on the CPU, with the Vector API module, unless switched off (see
     * {@link VectorKernels}).
     */
    public boolean decodesInJava() {
        return javaStep != null;
    }

    /**
     * Runs a chunk of tokens that fits in the open segment and appends its keys and values to it: a single token
     * through the Java decode step when it is on, anything else through PyTorch.
     *
     * @param offset        segment position of the chunk's first token
     * @param memoryIsEmpty true in the first segment
     * @param allLogits     logits for every position ([L·V]) instead of the last one only ([V])
     * @return the logits, row after row
     */
    public float[] logits(NDManager step, int[] ids, List<CompressiveMemory> memories, DecodeBuffers buffers,
                          int offset, boolean memoryIsEmpty, boolean allLogits) {
        if (ids.length == 1 && javaStep != null) {
            return javaStep.logits(ids[0], memories, buffers, offset, memoryIsEmpty);
        }
        return forward(step, ids, memories, offset, memoryIsEmpty, allLogits).toFloatArray();
    }

    private NDArray forward(NDManager step, int[] ids, List<CompressiveMemory> memories, int offset,
                            boolean memoryIsEmpty, boolean allLogits) {
        NDArray index = step.create(Arrays.stream(ids).asLongStream().toArray());
        if (!index.getDevice().equals(embeddings.getDevice())) {
            index = index.toDevice(embeddings.getDevice(), false);
        }
        NDArray x = embeddings.get(index);
        x.attach(step);
        for (int i = 0; i < layers.size(); i++) {
            x = layers.get(i).forward(step, x, memories.get(i), offset, memoryIsEmpty, memoryMode);
        }
        if (!allLogits && ids.length > 1) {
            x = x.get(new NDIndex("{}:", ids.length - 1));
        }
        return kernels.linear(finalNorm.apply(kernels, x), lmHead, null);
    }

    /** Folds every layer's full open segment into memory. */
    public void fold(NDManager step, List<CompressiveMemory> memories, boolean memoryIsEmpty) {
        boolean update = memoryUsed;
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).attention().fold(step, memories.get(i), memoryUpdate == MemoryUpdate.DELTA, memoryIsEmpty,
                    update);
        }
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
