package dev.infini.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.infini.engine.config.MemoryMode;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.kernels.DecodeKernels;
import dev.infini.engine.kernels.Matrix;
import dev.infini.engine.config.WeightFormat;
import dev.infini.engine.layers.CompressiveMemory;
import dev.infini.engine.layers.Rope;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One token through every layer as Java loops over the weights in place: a decode step without a native call per op.
 * On small models PyTorch's ~70 ops per layer cost far more than their arithmetic (docs/benchmarks.md); here the
 * matrix-vector products and the attention over the open segment run in {@link DecodeKernels}, and the O(hidden)
 * rest (norms, RoPE, σ, softmax, the gate, SwiGLU) in plain loops.
 * <p>
 * It computes what the PyTorch layers compute for a chunk of one token ({@code layers.DecoderLayer},
 * {@code InfiniAttention}, {@code Mlp}, {@code RmsNorm}) and reads and writes the session's state in the same
 * tensors ({@link CompressiveMemory}), so the two paths may alternate within a session: prefill, folding a full
 * segment into M and z (eq. 4/5) and restoring stay on PyTorch.
 */
final class JavaDecodeStep {

    /** One layer's weights as the loops read them. */
    private record Layer(float[] inputNorm, Matrix wq, Matrix wk, Matrix wv, Matrix wo, float[] bq, float[] bk,
                         float[] bv, float[] gate, float[] postAttentionNorm, Matrix mlpGate, Matrix mlpUp,
                         Matrix mlpDown) {
    }

    private final DecodeKernels kernels;
    private final Rope rope;
    private final MemoryMode mode;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int hidden;
    private final int intermediate;
    private final int vocab;
    private final float eps;
    private final float scale;
    private final Matrix embeddings;
    private final List<Layer> layers;
    private final float[] finalNorm;
    private final Matrix lmHead;

    private JavaDecodeStep(DecodeKernels kernels, ModelConfig config, Rope rope, MemoryMode mode, Matrix embeddings,
                           List<Layer> layers, float[] finalNorm, Matrix lmHead) {
        this.kernels = kernels;
        this.rope = rope;
        this.mode = mode;
        this.heads = config.numHeads();
        this.kvHeads = config.numKvHeads();
        this.headDim = config.headDim();
        this.hidden = config.hiddenSize();
        this.intermediate = config.intermediateSize();
        this.vocab = config.vocabSize();
        this.eps = (float) config.rmsNormEps();
        this.scale = 1f / (float) Math.sqrt(headDim);
        this.embeddings = embeddings;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
    }

    /**
     * The step over a loaded model's tensors, or empty when one of them cannot be read in place (not float32 on the
     * CPU): the model then decodes through PyTorch. With a {@code format} other than F32 the step multiplies by
     * copies of the weight matrices in that format, made in {@code manager}'s memory (see {@link Matrix#encode}).
     */
    static Optional<JavaDecodeStep> over(DecodeKernels kernels, ModelConfig config, Rope rope, MemoryMode mode,
                                         NDArray embeddings, List<LayerWeights> weights, NDArray finalNorm,
                                         NDArray lmHead, WeightFormat format, NDManager manager) {
        Map<NDArray, Matrix> encoded = new IdentityHashMap<>(); // a tied head is the embedding matrix, encoded once
        List<Layer> layers = new ArrayList<>();
        for (LayerWeights w : weights) {
            Matrix[] views = views(encoded, format, manager, w.wq(), w.wk(), w.wv(), w.wo(), w.gate(), w.up(),
                    w.down());
            if (views == null) {
                return Optional.empty();
            }
            layers.add(new Layer(w.inputNorm().toFloatArray(), views[0], views[1], views[2], views[3],
                    floats(w.bq()), floats(w.bk()), floats(w.bv()), w.beta() == null ? null : sigmoid(w.beta()),
                    w.postAttentionNorm().toFloatArray(), views[4], views[5], views[6]));
        }
        Matrix[] views = views(encoded, format, manager, embeddings, lmHead);
        if (views == null) {
            return Optional.empty();
        }
        for (Layer layer : layers) {
            for (Matrix w : new Matrix[] {layer.wq, layer.wk, layer.wv, layer.wo, layer.mlpGate, layer.mlpUp,
                    layer.mlpDown}) {
                kernels.prepare(w);
            }
        }
        kernels.prepare(views[1]); // the LM head (the embeddings are only read a row at a time)
        return Optional.of(new JavaDecodeStep(kernels, config, rope, mode, views[0], List.copyOf(layers),
                finalNorm.toFloatArray(), views[1]));
    }

    private static Matrix[] views(Map<NDArray, Matrix> encoded, WeightFormat format, NDManager manager,
                                  NDArray... tensors) {
        Matrix[] views = new Matrix[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            Matrix inPlace = encoded.containsKey(tensors[i]) ? null : Matrix.of(tensors[i]);
            if (inPlace == null && !encoded.containsKey(tensors[i])) {
                return null;
            }
            views[i] = encoded.computeIfAbsent(tensors[i], t -> inPlace.encode(format, manager));
        }
        return views;
    }

    private static float[] floats(NDArray tensor) {
        return tensor == null ? null : tensor.toFloatArray();
    }

    /** sigmoid(β) per query head, the weight of A_mem in eq. (6). */
    private static float[] sigmoid(NDArray beta) {
        float[] b = beta.toFloatArray();
        float[] gate = new float[b.length];
        for (int i = 0; i < b.length; i++) {
            gate[i] = (float) (1 / (1 + Math.exp(-b[i])));
        }
        return gate;
    }

    /**
     * Runs one token at segment position {@code position} (the open segment's length) and appends its keys and
     * values to every layer's open segment.
     *
     * @param memoryIsEmpty true in the first segment, where A = A_dot
     * @return the logits, [vocab]
     */
    float[] logits(int token, List<CompressiveMemory> memories, DecodeBuffers b, int position, boolean memoryIsEmpty) {
        embeddings.copyRow(token, b.x, 0);
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            rmsNorm(b.x, layer.inputNorm, b.normed);
            attention(layer, memories.get(i), b, position, memoryIsEmpty);
            kernels.matVec(layer.wo, b.attended, b.out);
            addTo(b.x, b.out, hidden);
            rmsNorm(b.x, layer.postAttentionNorm, b.normed);
            mlp(layer, b);
            addTo(b.x, b.out, hidden);
        }
        rmsNorm(b.x, finalNorm, b.normed);
        float[] logits = new float[vocab];
        kernels.matVec(lmHead, b.normed, logits);
        return logits;
    }

    /** Infini-attention for one query (paper, section 2.1): A of every query head into {@code b.attended}. */
    private void attention(Layer layer, CompressiveMemory state, DecodeBuffers b, int position,
                           boolean memoryIsEmpty) {
        project(layer.wq, layer.bq, b.normed, b.q);
        project(layer.wk, layer.bk, b.normed, b.k);
        project(layer.wv, layer.bv, b.normed, b.v);
        // RoPE at the position inside the segment; the un-rotated q and k stay for the memory (eq. 3 to 5)
        for (int h = 0; h < heads; h++) {
            System.arraycopy(b.q, h * headDim, b.qRotated, h * headDim, headDim);
            rope.rotate(b.qRotated, h * headDim, position);
        }
        for (int i = 0; i < heads * headDim; i++) {
            b.qRotated[i] *= scale; // as the PyTorch path: scaling q costs d multiplications, the scores n
        }
        System.arraycopy(b.k, 0, b.kRotated, 0, kvHeads * headDim);
        for (int h = 0; h < kvHeads; h++) {
            rope.rotate(b.kRotated, h * headDim, position);
        }
        if (state.openLength() != position) {
            throw new IllegalStateException("the open segment holds " + state.openLength()
                    + " positions, the token was given position " + position);
        }
        state.appendPosition(b.kRotated, b.k, b.v);

        CompressiveMemory.Cache cache = state.cache();
        int keys = position + 1;
        float[] scores = b.scores(keys);
        int group = heads / kvHeads;
        boolean gated = layer.gate != null && !memoryIsEmpty && mode != MemoryMode.OFF;
        for (int h = 0; h < heads; h++) {
            int kv = h / group; // GQA: every query head of a group reads its KV head's keys, values and memory
            int at = h * headDim;
            localAttention(b.qRotated, at, cache, kv, keys, scores, b.attended);
            if (gated) {
                float g = layer.gate[h];
                if (mode == MemoryMode.ON) {
                    retrieve(b.q, at, state, kv, b);
                    for (int i = 0; i < headDim; i++) { // eq. (6)
                        b.attended[at + i] = b.retrieved[i] * g + b.attended[at + i] * (1f - g);
                    }
                } else {
                    for (int i = 0; i < headDim; i++) { // the ZEROED control: A_mem read as 0
                        b.attended[at + i] *= 1f - g;
                    }
                }
            }
        }
    }

    /**
     * A_dot (eq. 2) of one query head: causal softmax attention over the open segment's positions 0..keys-1. The
     * cache is position-minor (component i of a KV head is one row over all positions), so the scores are q times
     * the head's d rows and the output is those rows of V times the weights: long vector loops however narrow the
     * head.
     */
    private void localAttention(float[] q, int at, CompressiveMemory.Cache cache, int kv, int keys, float[] scores,
                                float[] out) {
        kernels.vecMat(q, at, cache.keysRotated(), cache.row(kv, 0), headDim, keys, scores);
        kernels.softmax(scores, keys);
        kernels.matVec(cache.values(), cache.row(kv, 0), headDim, keys, scores, out, at);
    }

    /** A_mem (eq. 3) of one query head into {@code b.retrieved}: σ(Q) M / (σ(Q) z), Q taken before RoPE. */
    private void retrieve(float[] q, int at, CompressiveMemory state, int kv, DecodeBuffers b) {
        for (int i = 0; i < headDim; i++) {
            float x = q[at + i];
            // σ = ELU + 1, written as the PyTorch path does: max(x, 0) + exp(min(x, 0))
            b.sigmaQ[i] = x > 0 ? x + 1f : (float) Math.exp(x);
        }
        kernels.vecMat(b.sigmaQ, 0, state.memoryView(), kv * headDim, headDim, headDim, b.retrieved);
        kernels.matVec(state.normalizerView(), kv, 1, headDim, b.sigmaQ, b.denominator, 0);
        for (int i = 0; i < headDim; i++) {
            b.retrieved[i] /= b.denominator[0];
        }
    }

    /** Llama's gated MLP, down(silu(gate(x)) · up(x)), into {@code b.out}. */
    private void mlp(Layer layer, DecodeBuffers b) {
        kernels.matVec(layer.mlpGate, b.normed, b.gate);
        kernels.matVec(layer.mlpUp, b.normed, b.up);
        kernels.swiglu(b.gate, b.up, intermediate);
        kernels.matVec(layer.mlpDown, b.gate, b.out);
    }

    private void project(Matrix w, float[] bias, float[] x, float[] y) {
        kernels.matVec(w, x, y);
        if (bias != null) {
            for (int i = 0; i < bias.length; i++) {
                y[i] += bias[i];
            }
        }
    }

    /** x / sqrt(mean(x²) + eps) · weight. */
    private void rmsNorm(float[] x, float[] weight, float[] out) {
        double squares = 0;
        for (int i = 0; i < hidden; i++) {
            squares += x[i] * x[i];
        }
        float rms = (float) Math.sqrt((float) (squares / hidden) + eps);
        for (int i = 0; i < hidden; i++) {
            out[i] = x[i] / rms * weight[i];
        }
    }

    private static void addTo(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            x[i] += y[i];
        }
    }
}
