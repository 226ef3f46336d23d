package dev.infini.engine.model;

import ai.djl.Device;
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
import dev.infini.engine.config.WeightFormat;
import dev.infini.engine.kernels.Devices;
import dev.infini.engine.kernels.Kernels;
import dev.infini.engine.kernels.VectorKernels;
import dev.infini.engine.layers.CompressiveMemory;
import dev.infini.engine.layers.DecoderLayer;
import dev.infini.engine.layers.InfiniAttention;
import dev.infini.engine.layers.Mlp;
import dev.infini.engine.layers.RmsNorm;
import dev.infini.engine.layers.Rope;
import dev.infini.engine.tokenizer.InfiniTokenizer;
import dev.infini.engine.weights.Checkpoint;
import dev.infini.engine.weights.LlamaLayout;
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

import static dev.infini.engine.weights.LlamaLayout.layer;

/**
 * A loaded Infini-Transformer: a Llama-family checkpoint whose every attention layer is Infini-attention. The model
 * is immutable and thread-safe; each conversation holds a {@link ModelState} of its own ({@link #newState()}), runs
 * tokens through it with {@link #forward} and folds each full segment into its memory with {@link #fold}
 * ({@code session.Session} does both).
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
    private final WeightFormat decodeWeights;

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
        Device device = Devices.resolve(options.device());
        this.manager = NDManager.newBaseManager(device);
        try {
            this.tokenizer = InfiniTokenizer.load(dir, config.vocabSize());
            int h = config.hiddenSize();
            int d = config.headDim();
            boolean hasGates = checkpoint.has(layer(0, LlamaLayout.MEMORY_GATE));
            LlamaLayout layout = LlamaLayout.of(config, hasGates);
            this.embeddings = tensor(checkpoint, layout, LlamaLayout.EMBEDDINGS);
            Rope rope = new Rope(manager, config, segmentLength);
            List<LayerWeights> weights = new ArrayList<>();
            List<DecoderLayer> built = new ArrayList<>();
            for (int i = 0; i < config.numLayers(); i++) {
                NDArray beta = null;
                if (hasGates) {
                    beta = tensor(checkpoint, layout, layer(i, LlamaLayout.MEMORY_GATE));
                } else if (options.gateInit() != null) {
                    beta = manager.full(new Shape(config.numHeads()), options.gateInit());
                }
                boolean bias = config.attentionBias();
                LayerWeights w = new LayerWeights(
                        tensor(checkpoint, layout, layer(i, LlamaLayout.INPUT_NORM)),
                        tensor(checkpoint, layout, layer(i, LlamaLayout.Q_PROJ)),
                        tensor(checkpoint, layout, layer(i, LlamaLayout.K_PROJ)),
                        tensor(checkpoint, layout, layer(i, LlamaLayout.V_PROJ)),
                        tensor(checkpoint, layout, layer(i, LlamaLayout.O_PROJ)),
                        bias ? tensor(checkpoint, layout, layer(i, LlamaLayout.Q_BIAS)) : null,
                        bias ? tensor(checkpoint, layout, layer(i, LlamaLayout.K_BIAS)) : null,
                        bias ? tensor(checkpoint, layout, layer(i, LlamaLayout.V_BIAS)) : null,
                        beta,
                        tensor(checkpoint, layout, layer(i, LlamaLayout.POST_ATTENTION_NORM)),
                        tensor(checkpoint, layout, layer(i, LlamaLayout.MLP_GATE)),
                        tensor(checkpoint, layout, layer(i, LlamaLayout.MLP_UP)),
                        tensor(checkpoint, layout, layer(i, LlamaLayout.MLP_DOWN)));
                weights.add(w);
                built.add(new DecoderLayer(kernels,
                        new RmsNorm(w.inputNorm(), config.rmsNormEps()),
                        new InfiniAttention(kernels, rope, w.wq(), w.wk(), w.wv(), w.wo(), w.bq(), w.bk(), w.bv(),
                                w.beta(), config.numHeads(), config.numKvHeads(), d),
                        new RmsNorm(w.postAttentionNorm(), config.rmsNormEps()),
                        new Mlp(w.gate(), w.up(), w.down())));
            }
            this.layers = List.copyOf(built);
            NDArray finalNormWeight = tensor(checkpoint, layout, LlamaLayout.FINAL_NORM);
            this.finalNorm = new RmsNorm(finalNormWeight, config.rmsNormEps());
            this.lmHead = config.tieWordEmbeddings() || !checkpoint.has(LlamaLayout.LM_HEAD) ? embeddings
                    : tensor(checkpoint, layout, LlamaLayout.LM_HEAD);
            boolean gated = hasGates || options.gateInit() != null;
            this.memoryMode = gated ? options.memoryMode() : MemoryMode.OFF;
            this.memoryUsed = gated && memoryMode == MemoryMode.ON;
            WeightFormat format = options.decodeWeights() != null ? options.decodeWeights()
                    : VectorKernels.decodeWeights();
            this.javaStep = device.isGpu() ? null : VectorKernels.preferredDecode()
                    .flatMap(loops -> JavaDecodeStep.over(loops, config, rope, memoryMode, embeddings, weights,
                            finalNormWeight, lmHead, format, manager))
                    .orElse(null);
            this.decodeWeights = javaStep == null ? null : format;
            this.fingerprint = fingerprint(config, checkpoint, options);
            if (!gated) {
                log.info("{} has no infini memory gates (self_attn.memory_gate): the memory is switched off and "
                        + "attention is local to segments of {} tokens; set a gate initialisation to switch it on",
                        dir, segmentLength);
            }
            log.info("Loaded {} ({} layers, hidden {}, {}/{} heads, vocab {}) on {}: segment {} tokens, {} memory"
                            + " update, memory {}, decode through {}", dir,
                    config.numLayers(), h, config.numHeads(), config.numKvHeads(), config.vocabSize(), device,
                    segmentLength, memoryUpdate.jsonName(), memoryMode,
                    javaStep != null ? "Java loops over " + decodeWeights + " weights" : "PyTorch");
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

    private NDArray tensor(Checkpoint checkpoint, LlamaLayout layout, String name) {
        long[] shape = layout.shape(name);
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

    /** An empty conversation state: M = 0, z = 0, no open segment. */
    public ModelState newState() {
        NDManager stateManager = manager.newSubManager();
        List<CompressiveMemory> memories = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            memories.add(new CompressiveMemory(stateManager, config.numKvHeads(), config.headDim()));
        }
        return new ModelState(stateManager, memories, new DecodeBuffers(config), memoryUpdate, segmentLength,
                config.numKvHeads(), config.headDim());
    }

    /**
     * A conversation state with the given memory and an empty open segment: with {@link #restoreState(byte[],
     * float[], float[], boolean, float[], float[])} the only way to put M and z into a state, so every restore
     * checks that they were made by this model.
     *
     * @param fingerprint   the {@link #fingerprint()} of the model that made M and z
     * @param memory        M of every layer and KV head, laid out as {@link ModelState#memory()}
     * @param normalizer    z of every layer and KV head, laid out as {@link ModelState#normalizer()}
     * @param memoryIsEmpty true if no segment was folded yet
     * @throws ForeignStateException if the fingerprint is another model's or the arrays do not fit this model
     */
    public ModelState restoreState(byte[] fingerprint, float[] memory, float[] normalizer, boolean memoryIsEmpty) {
        return restoreState(fingerprint, memory, normalizer, memoryIsEmpty, new float[0], new float[0]);
    }

    /**
     * As {@link #restoreState(byte[], float[], float[], boolean)}, with the open segment put back from its keys
     * before RoPE and its values (laid out as {@link ModelState#openKeysValues()}, n positions) instead of being
     * left empty: no token runs through the model.
     *
     * @throws ForeignStateException if the fingerprint is another model's or the arrays do not fit this model
     */
    public ModelState restoreState(byte[] fingerprint, float[] memory, float[] normalizer, boolean memoryIsEmpty,
                                   float[] openKeys, float[] openValues) {
        requireOwn(fingerprint);
        int kvHeads = config.numKvHeads();
        int d = config.headDim();
        // z, and one open position's keys (or values), hold L·H·d floats
        long perLayerHeadWidth = (long) config.numLayers() * kvHeads * d;
        if (normalizer.length != perLayerHeadWidth || memory.length != perLayerHeadWidth * d
                || openKeys.length != openValues.length || openKeys.length % perLayerHeadWidth != 0
                || openKeys.length / perLayerHeadWidth >= segmentLength) {
            throw new ForeignStateException("state shapes do not match this model");
        }
        int open = (int) (openKeys.length / perLayerHeadWidth);
        ModelState state = newState();
        try {
            state.load(memory, normalizer, memoryIsEmpty);
            if (open > 0) {
                int size = kvHeads * open * d;
                try (NDManager step = state.manager().newSubManager()) {
                    for (int i = 0; i < layers.size(); i++) {
                        Shape shape = new Shape(kvHeads, open, d);
                        layers.get(i).attention().restoreOpen(step, state.layers().get(i),
                                step.create(Arrays.copyOfRange(openKeys, i * size, (i + 1) * size), shape)
                                        .toDevice(manager.getDevice(), false),
                                step.create(Arrays.copyOfRange(openValues, i * size, (i + 1) * size), shape)
                                        .toDevice(manager.getDevice(), false));
                    }
                }
            }
            return state;
        } catch (RuntimeException e) {
            state.close();
            throw e;
        }
    }

    /**
     * Checks that a state's fingerprint is this model's.
     *
     * @throws ForeignStateException if it is not
     */
    public void requireOwn(byte[] stateFingerprint) {
        if (!MessageDigest.isEqual(stateFingerprint, fingerprint)) {
            throw new ForeignStateException("state belongs to another model (fingerprint "
                    + HexFormat.of().formatHex(stateFingerprint).substring(0, 16) + "…, this model is "
                    + fingerprintHex().substring(0, 16) + "…)");
        }
    }

    /**
     * Whether a chunk of one token runs as Java loops over the weights in place (the Java decode step) rather than
     * through PyTorch: on the CPU, with the Vector API module, unless switched off (see
     * {@link VectorKernels}).
     */
    public boolean decodesInJava() {
        return javaStep != null;
    }

    /** How the Java decode step holds the weights, or null when decode runs through PyTorch. */
    public WeightFormat decodeWeights() {
        return decodeWeights;
    }

    /**
     * Runs tokens that fit in the open segment and appends their keys and values to it: a single token through the
     * Java decode step when it is on, anything else through PyTorch.
     *
     * @param allLogits logits for every position ([L·V]) instead of the last one only ([V])
     * @return the logits, row after row
     * @throws IllegalArgumentException if the tokens do not fit in the open segment ({@link ModelState#openRoom()})
     */
    public float[] forward(ModelState state, int[] ids, boolean allLogits) {
        if (ids.length == 0 || ids.length > state.openRoom()) {
            throw new IllegalArgumentException(ids.length + " tokens do not fit in the open segment, which has room"
                    + " for " + state.openRoom());
        }
        int offset = state.openLength();
        if (ids.length == 1 && javaStep != null) {
            return javaStep.logits(ids[0], state.layers(), state.buffers(), offset, state.memoryIsEmpty());
        }
        try (NDManager step = state.manager().newSubManager()) {
            return forward(step, ids, state.layers(), offset, state.memoryIsEmpty(), allLogits).toFloatArray();
        }
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

    /**
     * Folds every layer's full open segment into memory (eq. 4 or 5, by the state's update rule) and empties it.
     *
     * @throws IllegalStateException if the open segment is not full
     */
    public void fold(ModelState state) {
        if (state.openRoom() != 0) {
            throw new IllegalStateException("only a full segment folds: the open segment holds "
                    + state.openLength() + " of " + segmentLength + " tokens");
        }
        try (NDManager step = state.manager().newSubManager()) {
            for (int i = 0; i < layers.size(); i++) {
                layers.get(i).attention().fold(step, state.layers().get(i),
                        state.memoryUpdate() == MemoryUpdate.DELTA, state.memoryIsEmpty(), memoryUsed);
            }
        }
        state.folded();
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
