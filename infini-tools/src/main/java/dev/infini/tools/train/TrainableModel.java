package dev.infini.tools.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.kernels.Kernels;
import dev.infini.engine.kernels.Scalars;
import dev.infini.engine.kernels.TorchKernels;
import dev.infini.engine.layers.Rope;
import dev.infini.engine.weights.Checkpoint;
import dev.infini.engine.weights.LlamaLayout;
import dev.infini.tools.checkpoint.SafetensorsWriter;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.infini.engine.weights.LlamaLayout.layer;

/**
 * A Llama-family Infini-Transformer whose weights are trainable: a differentiable forward over a whole sequence of
 * segments, back-propagating through time across segments, through M and z. It computes exactly what the
 * inference engine ({@link dev.infini.engine.model.InfiniModel} with a {@link dev.infini.engine.session.Session})
 * computes, but functionally: M and z are new arrays per segment instead of being updated in place, so the autograd
 * graph links every segment to the ones before it.
 * <p>
 * Parameters carry their Hugging Face names, so a checkpoint written by {@link #save} loads in the engine. The
 * batch axis is folded into the KV-head axis ({@code [B·kvHeads, group, N, d]}), which lets the layers reuse the
 * engine's {@link Kernels} unchanged.
 */
public final class TrainableModel implements AutoCloseable {

    private final ModelConfig config;
    private final int segmentLength;
    private final boolean delta;
    private final NDManager manager;
    private final Kernels kernels = new TorchKernels();
    private final Rope rope;
    private final Map<String, NDArray> parameters;

    private TrainableModel(ModelConfig config, NDManager manager, Map<String, NDArray> parameters) {
        if (config.infini() == null) {
            throw new IllegalArgumentException("a trainable model needs infini settings (segment length, update rule)");
        }
        this.config = config;
        this.segmentLength = config.infini().segmentLength();
        this.delta = config.infini().memoryUpdate() == MemoryUpdate.DELTA;
        this.manager = manager;
        this.parameters = parameters;
        this.rope = new Rope(manager, config, segmentLength);
        for (NDArray p : parameters.values()) {
            p.setRequiresGradient(true);
        }
    }

    /**
     * Continues a checkpoint (the paper's plug-and-play continual pre-training): its weights, plus gates β set to
     * {@code gateInit} for every head when the checkpoint has none.
     *
     * @param settings segment length and update rule to train with
     */
    public static TrainableModel fromCheckpoint(NDManager parent, Path dir, ModelConfig.InfiniSettings settings,
                                                float gateInit) {
        ModelConfig config = ModelConfig.read(dir).withInfini(settings);
        Checkpoint checkpoint = Checkpoint.open(dir);
        NDManager manager = parent.newSubManager();
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : LlamaLayout.of(config, true).shapes().entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            if (name.endsWith(LlamaLayout.MEMORY_GATE) && !checkpoint.has(name)) {
                params.put(name, manager.full(new Shape(shape), gateInit));
            } else if (name.equals(LlamaLayout.LM_HEAD) && !checkpoint.has(name)) {
                throw new IllegalArgumentException(dir + " has no lm_head.weight but does not tie it to the embeddings");
            } else {
                params.put(name, manager.create(checkpoint.readFloats(name, shape), new Shape(shape)));
            }
        }
        return new TrainableModel(config, manager, params);
    }

    /**
     * The element-wise mean of checkpoints of one model: stochastic weight averaging (Izmailov et al., 2018).
     * Checkpoints a few hundred steps apart in one run at a high learning rate lie around a minimum that their mean
     * lies closer to, so the mean often generalizes better than any one of them. Every checkpoint must be an Infini
     * checkpoint with the same config.json; 16-bit weights are widened before they are summed. One tensor at a time
     * is read from all of them, so the memory needed is one model and one tensor.
     *
     * @param progress told how many parameters are averaged after each tensor (a 1B model's checkpoints take a while
     *                 to read)
     * @throws IllegalArgumentException if fewer than two checkpoints are given, one is not an Infini checkpoint, or
     *                                  their configs differ
     */
    public static TrainableModel average(NDManager parent, List<Path> dirs, java.util.function.LongConsumer progress) {
        if (dirs.size() < 2) {
            throw new IllegalArgumentException("averaging needs two checkpoints or more, got " + dirs.size());
        }
        ModelConfig config = ModelConfig.read(dirs.get(0));
        if (config.infini() == null) {
            throw new IllegalArgumentException(dirs.get(0) + " is not an Infini checkpoint (no infini_attention in"
                    + " config.json): convert it first");
        }
        List<Checkpoint> checkpoints = new ArrayList<>();
        for (Path dir : dirs) {
            if (!ModelConfig.read(dir).equals(config)) {
                throw new IllegalArgumentException(dir + " has another config.json than " + dirs.get(0)
                        + ": only checkpoints of one model can be averaged");
            }
            checkpoints.add(Checkpoint.open(dir));
        }
        NDManager manager = parent.newSubManager();
        Map<String, NDArray> params = new LinkedHashMap<>();
        long done = 0;
        for (Map.Entry<String, long[]> e : LlamaLayout.of(config, true).shapes().entrySet()) {
            Shape shape = new Shape(e.getValue());
            float[] mean = new float[Math.toIntExact(shape.size())];
            for (int k = 0; k < checkpoints.size(); k++) {
                // a running mean: no sum grows with the count, so float32 keeps its precision
                FloatBuffer values = checkpoints.get(k).readFloats(e.getKey(), e.getValue());
                float weight = 1f / (k + 1);
                for (int i = 0; i < mean.length; i++) {
                    mean[i] += (values.get(i) - mean[i]) * weight;
                }
            }
            params.put(e.getKey(), manager.create(mean, shape));
            done += mean.length;
            progress.accept(done);
        }
        return new TrainableModel(config, manager, params);
    }

    /**
     * A checkpoint read as a frozen teacher for {@link Soft} targets: no parameter takes a gradient. Its segments are
     * {@code settings}' so that, run with the memory off, it sees exactly the context a student's segment sees.
     *
     * @param studentVocab the student's vocabulary size, which the teacher's must equal
     * @throws IllegalArgumentException if the vocabularies differ
     */
    public static TrainableModel teacher(NDManager parent, Path dir, ModelConfig.InfiniSettings settings,
                                         int studentVocab) {
        TrainableModel teacher = fromCheckpoint(parent, dir, settings, 0f);
        if (teacher.config.vocabSize() != studentVocab) {
            int vocab = teacher.config.vocabSize();
            teacher.close();
            throw new IllegalArgumentException("the teacher " + dir + " has " + vocab + " tokens, the student "
                    + studentVocab + ": distillation needs the same tokenizer");
        }
        for (NDArray p : teacher.parameters.values()) {
            p.setRequiresGradient(false);
        }
        return teacher;
    }

    /** A new model of the given shape with GPT-style initialisation (normal, σ = 0.02; norms at 1; β = gateInit). */
    public static TrainableModel fromScratch(NDManager parent, ModelConfig config, float gateInit, long seed) {
        NDManager manager = parent.newSubManager();
        Random random = new Random(seed);
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : LlamaLayout.of(config, true).shapes().entrySet()) {
            String name = e.getKey();
            Shape shape = new Shape(e.getValue());
            if (name.endsWith(LlamaLayout.MEMORY_GATE)) {
                params.put(name, manager.full(shape, gateInit));
            } else if (name.endsWith("norm.weight")) {
                params.put(name, manager.ones(shape));
            } else {
                float[] values = new float[Math.toIntExact(shape.size())];
                // residual projections scaled down by depth, as GPT-2 does, so the stream does not grow with layers
                double std = name.endsWith(LlamaLayout.O_PROJ) || name.endsWith(LlamaLayout.MLP_DOWN)
                        ? 0.02 / Math.sqrt(2.0 * config.numLayers()) : 0.02;
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (random.nextGaussian() * std);
                }
                params.put(name, manager.create(values, shape));
            }
        }
        return new TrainableModel(config, manager, params);
    }

    public ModelConfig config() {
        return config;
    }

    /** N, tokens per segment. */
    public int segmentLength() {
        return segmentLength;
    }

    /** The trainable arrays by checkpoint name (live: the optimizer updates them in place). */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /** Number of scalar parameters. */
    public long parameterCount() {
        return parameters.values().stream().mapToLong(p -> p.getShape().size()).sum();
    }

    /**
     * Logits of every position of a batch of token sequences, segment by segment, with the compressive memory
     * carried (and differentiated) across segments. The last segment may be shorter than N.
     *
     * @param ids    [B][T] token ids, T the same for every row
     * @param memory whether the memory takes part (false: every segment attends only to itself, as the OFF control)
     * @return one [B, n, V] logits array per segment, owned by {@code step}
     */
    public List<NDArray> forward(NDManager step, int[][] ids, boolean memory) {
        return forward(step, ids, memory, null);
    }

    /**
     * The memory a sequence carries from one chunk of segments to the next when back-propagation is truncated: M and
     * z per layer, null until the first segment is folded.
     */
    static final class Carry {
        private final NDArray[] m;
        private final NDArray[] z;

        Carry(int layers) {
            m = new NDArray[layers];
            z = new NDArray[layers];
        }

        /**
         * Cuts the gradient path: M and z keep their values, now owned by {@code owner}, but no gradient flows back
         * through them into the chunk that produced them.
         */
        void detachInto(NDManager owner) {
            for (int l = 0; l < m.length; l++) {
                if (m[l] != null) {
                    m[l] = m[l].stopGradient();
                    z[l] = z[l].stopGradient();
                    m[l].attach(owner);
                    z[l].attach(owner);
                }
            }
        }
    }

    /**
     * {@link #forward(NDManager, int[][], boolean)} for one chunk of a longer sequence: starts from {@code carry}'s
     * memory and leaves the memory after the chunk's last full segment in it (every full segment is folded).
     */
    List<NDArray> forward(NDManager step, int[][] ids, boolean memory, Carry carry) {
        int batch = ids.length;
        int total = ids[0].length;
        int kvHeads = config.numKvHeads();
        int group = config.groupSize();
        int d = config.headDim();
        int layers = config.numLayers();
        NDArray[] m = carry == null ? new NDArray[layers] : carry.m;
        NDArray[] z = carry == null ? new NDArray[layers] : carry.z;
        List<NDArray> out = new ArrayList<>();
        NDArray embeddings = view(step, LlamaLayout.EMBEDDINGS);
        NDArray head = config.tieWordEmbeddings() ? embeddings : view(step, LlamaLayout.LM_HEAD);
        for (int start = 0; start < total; start += segmentLength) {
            int n = Math.min(segmentLength, total - start);
            long[] flat = new long[batch * n];
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < n; t++) {
                    flat[b * n + t] = ids[b][start + t];
                }
            }
            // one-hot · E rather than a gather: a plain matMul whose gradient every engine has
            NDArray x = step.create(flat).oneHot(config.vocabSize()).matMul(embeddings).reshape(batch, n,
                    config.hiddenSize());
            NDArray[] cosSin = rope.rows(step, 0, n); // positions restart at 0 in every segment
            boolean memoryIsEmpty = m[0] == null; // nothing folded yet, in this chunk or an earlier one
            // the last segment is folded only when a later chunk will read it
            boolean fold = start + n < total || (carry != null && n == segmentLength);
            for (int l = 0; l < layers; l++) {
                NDArray normed = kernels.rmsNorm(x, view(step, layer(l, LlamaLayout.INPUT_NORM)),
                        (float) config.rmsNormEps());
                // [B, n, H·d] → [B, H, n, d] → [B·Hkv, group, n, d]: query heads are numbered group after group (head
                // j reads KV head j / group), so splitting H into (Hkv, group) puts each group under its KV head
                NDArray q = kernels.linear(normed, view(step, layer(l, LlamaLayout.Q_PROJ)),
                                bias(step, layer(l, LlamaLayout.Q_BIAS)))
                        .reshape(batch, n, config.numHeads(), d).transpose(0, 2, 1, 3)
                        .reshape(batch * kvHeads, group, n, d);
                // [B, n, Hkv·d] → [B, Hkv, n, d] → [B·Hkv, n, d]: the batch folds into the KV-head axis
                NDArray k = kernels.linear(normed, view(step, layer(l, LlamaLayout.K_PROJ)),
                                bias(step, layer(l, LlamaLayout.K_BIAS)))
                        .reshape(batch, n, kvHeads, d).transpose(0, 2, 1, 3).reshape(batch * kvHeads, n, d);
                NDArray v = kernels.linear(normed, view(step, layer(l, LlamaLayout.V_PROJ)),
                                bias(step, layer(l, LlamaLayout.V_BIAS)))
                        .reshape(batch, n, kvHeads, d).transpose(0, 2, 1, 3).reshape(batch * kvHeads, n, d);
                NDArray attention = kernels.causalAttention(kernels.rope(q, cosSin[0], cosSin[1]),
                        kernels.rope(k, cosSin[0], cosSin[1]), v, 0); // eq. (2), [B·kv, g, n, d]
                if (memory && !memoryIsEmpty) {
                    // eq. (3) with Q before RoPE, then the gate of eq. (6)
                    NDArray retrieved = kernels.retrieve(kernels.sigma(q), m[l], z[l]);
                    NDArray gate = Activation.sigmoid(view(step, layer(l, LlamaLayout.MEMORY_GATE)))
                            .reshape(1, kvHeads, group, 1, 1);
                    NDArray mixed = retrieved.reshape(batch, kvHeads, group, n, d).mul(gate)
                            .add(attention.reshape(batch, kvHeads, group, n, d).mul(gate.neg().add(Scalars.of(step, 1f))));
                    attention = mixed.reshape(batch * kvHeads, group, n, d);
                }
                if (memory && fold) {
                    // eq. (4)/(5) into new arrays: M and z of every segment stay in the graph
                    Kernels.MemoryIncrement increment = kernels.memoryIncrement(m[l], z[l], kernels.sigma(k), v, delta,
                            memoryIsEmpty);
                    m[l] = memoryIsEmpty ? increment.memory() : m[l].add(increment.memory());
                    z[l] = memoryIsEmpty ? increment.normalizer() : z[l].add(increment.normalizer());
                }
                // [B·Hkv, group, n, d] → [B, H, n, d] → [B, n, H, d] → [B, n, H·d]: heads back in q_proj's order
                NDArray merged = attention.reshape(batch, config.numHeads(), n, d).transpose(0, 2, 1, 3)
                        .reshape(batch, n, (long) config.numHeads() * d);
                x = x.add(kernels.linear(merged, view(step, layer(l, LlamaLayout.O_PROJ)), null));
                NDArray h2 = kernels.rmsNorm(x, view(step, layer(l, LlamaLayout.POST_ATTENTION_NORM)),
                        (float) config.rmsNormEps());
                NDArray mlp = kernels.linear(kernels.swiglu(
                                kernels.linear(h2, view(step, layer(l, LlamaLayout.MLP_GATE)), null),
                                kernels.linear(h2, view(step, layer(l, LlamaLayout.MLP_UP)), null)),
                        view(step, layer(l, LlamaLayout.MLP_DOWN)), null);
                x = x.add(mlp);
            }
            NDArray normed = kernels.rmsNorm(x, view(step, LlamaLayout.FINAL_NORM), (float) config.rmsNormEps());
            out.add(kernels.linear(normed, head, null));
        }
        return out;
    }

    /**
     * Weighted mean negative log-likelihood of next-token prediction.
     *
     * @param ids     [B][T+1] tokens: positions 0..T-1 are input, 1..T the targets
     * @param weights [B][T] weight of predicting token t+1 from 0..t (0 leaves a position out)
     * @return a scalar owned by {@code step}
     */
    public NDArray loss(NDManager step, int[][] ids, float[][] weights, boolean memory) {
        return chunkLoss(step, ids, weights, 0, ids[0].length - 1, memory, null, totalWeight(weights), null);
    }

    private static double totalWeight(float[][] weights) {
        double total = 0;
        for (float[] row : weights) {
            for (float w : row) {
                total += w;
            }
        }
        return total;
    }

    /**
     * Back-propagates the loss of a batch, leaving the gradients on the parameters, and returns the loss. With a
     * {@code window} of W > 0 segments the sequence is processed in chunks of W segments, each with its own graph and
     * backward pass; M and z carry their values from chunk to chunk but no gradient (truncated back-propagation
     * through time). This bounds the memory a long sequence needs, at the price of no gradient from a chunk into the
     * writes of earlier chunks.
     * 0 back-propagates through the whole sequence in one graph.
     */
    public double backward(NDManager step, int[][] ids, float[][] weights, boolean memory, int window) {
        return backward(step, ids, weights, memory, window, null);
    }

    /**
     * Soft targets for self-distillation: row b of a batch learns, at every position it weighs, from
     * {@code (1 − share[b]) · one-hot(next token) + share[b] · p_teacher}, where p_teacher is the frozen teacher's
     * next-token distribution with the memory off (attention inside the segment only, as the original model reads
     * a segment). A student that drifts from the original's language model pays the cross-entropy to it directly,
     * not through one sampled next token. On text the teacher wrote, in a segment that holds all the context the
     * teacher wrote it from (the first), both targets ask for the same thing in expectation; the soft one with far
     * less variance.
     *
     * @param teacher a model from {@link #teacher}
     * @param share   per row of the batch, the teacher's share of the target in [0, 1] (0: the next token only)
     */
    public record Soft(TrainableModel teacher, float[] share) {
        public Soft {
            for (float s : share) {
                if (!(s >= 0 && s <= 1)) {
                    throw new IllegalArgumentException("a teacher's share must lie in [0, 1], got " + s);
                }
            }
        }

        boolean any() {
            for (float s : share) {
                if (s > 0) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * {@link #backward(NDManager, int[][], float[][], boolean, int)} with the targets of {@code soft} (null: the next
     * token only).
     */
    public double backward(NDManager step, int[][] ids, float[][] weights, boolean memory, int window, Soft soft) {
        if (soft != null && soft.share().length != ids.length) {
            throw new IllegalArgumentException("soft targets need a share for each of the " + ids.length
                    + " rows, got " + soft.share().length);
        }
        if (window < 0) {
            throw new IllegalArgumentException("the back-propagation window must be >= 0 segments, got " + window);
        }
        int total = ids[0].length - 1;
        int chunk = window == 0 ? total : window * segmentLength;
        double weightTotal = totalWeight(weights);
        Carry carry = new Carry(config.numLayers());
        double loss = 0;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            for (int from = 0; from < total; from += chunk) {
                int to = Math.min(total, from + chunk);
                try (NDManager part = step.newSubManager()) {
                    NDArray partLoss = chunkLoss(part, ids, weights, from, to, memory, carry, weightTotal, soft);
                    collector.backward(partLoss); // PyTorch adds each chunk's gradients to the parameters'
                    loss += partLoss.getFloat();
                    carry.detachInto(step);
                }
            }
        }
        return loss;
    }

    /**
     * The part of {@link #loss} that positions {@code from..to-1} contribute, divided by {@code weightTotal} (the
     * weight of the whole sequence, so that the chunks of a sequence add up to its loss), starting from and updating
     * {@code carry}, with the targets of {@code soft} (or null). {@code from} and {@code to} lie on segment
     * boundaries (or {@code to} at the end).
     */
    NDArray chunkLoss(NDManager step, int[][] ids, float[][] weights, int from, int to, boolean memory, Carry carry,
                      double weightTotal, Soft soft) {
        int batch = ids.length;
        int[][] inputs = new int[batch][];
        for (int b = 0; b < batch; b++) {
            inputs[b] = java.util.Arrays.copyOfRange(ids[b], from, to);
        }
        List<NDArray> logits = forward(step, inputs, memory, carry);
        List<NDArray> teacher = soft != null && soft.any() ? teacherProbabilities(step, inputs, soft) : null;
        NDArray sum = null;
        for (int s = 0, start = 0; s < logits.size(); s++, start += segmentLength) {
            int n = Math.toIntExact(logits.get(s).getShape().get(1));
            long[] targets = new long[batch * n];
            float[] w = new float[batch * n];
            float[] wTeacher = new float[batch * n];
            for (int b = 0; b < batch; b++) {
                float share = teacher == null ? 0f : soft.share()[b];
                for (int t = 0; t < n; t++) {
                    targets[b * n + t] = ids[b][from + start + t + 1];
                    float weight = weights[b][from + start + t];
                    w[b * n + t] = weight * (1 - share);
                    wTeacher[b * n + t] = weight * share;
                }
            }
            NDArray logProbs = logits.get(s).reshape(batch * n, config.vocabSize()).logSoftmax(-1);
            NDArray picked = logProbs.mul(step.create(targets).oneHot(config.vocabSize())).sum(new int[] {1});
            NDArray segmentSum = picked.mul(step.create(w)).sum();
            if (teacher != null) {
                // E_{p_teacher}[log p_student] per position: the cross-entropy whose gradient is p_student − p_teacher
                NDArray expected = logProbs.mul(teacher.get(s)).sum(new int[] {1});
                segmentSum = segmentSum.add(expected.mul(step.create(wTeacher)).sum());
            }
            segmentSum = segmentSum.neg();
            sum = sum == null ? segmentSum : sum.add(segmentSum);
        }
        return sum.div(Scalars.of(step, (float) Math.max(weightTotal, 1e-9)));
    }

    /**
     * The teacher's next-token distribution for each segment of a chunk, [B·n, V] a segment, memory off; rows
     * without a share are zeros (the teacher does not run on them).
     */
    private List<NDArray> teacherProbabilities(NDManager step, int[][] inputs, Soft soft) {
        List<Integer> rows = new ArrayList<>();
        for (int b = 0; b < inputs.length; b++) {
            if (soft.share()[b] > 0) {
                rows.add(b);
            }
        }
        int[][] taught = new int[rows.size()][];
        for (int r = 0; r < taught.length; r++) {
            taught[r] = inputs[rows.get(r)];
        }
        List<NDArray> probabilities = new ArrayList<>();
        for (NDArray logits : soft.teacher().forward(step, taught, false, null)) {
            NDArray p = logits.softmax(-1).stopGradient(); // [R, n, V]
            long n = p.getShape().get(1);
            NDList perRow = new NDList();
            for (int b = 0, r = 0; b < inputs.length; b++) {
                perRow.add(r < rows.size() && rows.get(r) == b ? p.get(r++) : step.zeros(new Shape(n,
                        config.vocabSize())));
            }
            probabilities.add(NDArrays.stack(perRow).reshape(inputs.length * n, config.vocabSize()));
        }
        return probabilities;
    }

    /**
     * Writes an engine checkpoint in float32: config.json (with {@code infini_attention}), model.safetensors, and the
     * tokenizer files and generation_config.json (the sampling defaults a model ships with) copied from
     * {@code tokenizerDir} where it has them. Files are replaced only once written.
     */
    public void save(Path dir, Path tokenizerDir) throws IOException {
        save(dir, tokenizerDir, "F32");
    }

    /**
     * {@link #save(Path, Path)} with the weights stored in {@code dtype}: F32, F16 (half the bytes, rounded to
     * nearest) or BF16 (half the bytes, float32's range); config.json's {@code torch_dtype} says which.
     */
    public void save(Path dir, Path tokenizerDir, String dtype) throws IOException {
        Files.createDirectories(dir);
        Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            tensors.put(e.getKey(), new SafetensorsWriter.Tensor(e.getValue().getShape().getShape(),
                    e.getValue().toFloatArray()));
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"), dtype);
        com.google.gson.JsonObject json = config.toJson();
        json.addProperty("torch_dtype", SafetensorsWriter.torchDtype(dtype));
        writeAtomically(dir.resolve("config.json"), new com.google.gson.GsonBuilder().setPrettyPrinting().create()
                .toJson(json));
        for (String file : new String[] {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                "generation_config.json"}) {
            Path source = tokenizerDir.resolve(file);
            if (Files.isRegularFile(source) && !source.toAbsolutePath().normalize()
                    .equals(dir.resolve(file).toAbsolutePath().normalize())) {
                Files.copy(source, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A step-owned handle on a parameter: ops on it put their results in the step, and gradients still flow. */
    private NDArray view(NDManager step, String name) {
        NDArray p = parameters.get(name);
        NDArray v = p.reshape(p.getShape());
        v.attach(step);
        return v;
    }

    private NDArray bias(NDManager step, String name) {
        return parameters.containsKey(name) ? view(step, name) : null;
    }

    /** The manager the parameters live in. */
    NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }

}
