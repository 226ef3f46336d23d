package dev.infini.engine.weights;

import dev.infini.engine.config.ModelConfig;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensors of a Llama-family checkpoint in Hugging Face's names and shapes, derived from its configuration: the
 * one description of the architecture's parameters that loading ({@code model.InfiniModel}), training and writing a
 * checkpoint ({@code infini init}) share. Per layer, with h the hidden size, H/Hkv the query/KV heads of width d and
 * I the MLP's width:
 * <pre>
 * model.embed_tokens.weight                    [V, h]
 * model.layers.{i}.input_layernorm.weight      [h]
 *   self_attn.q_proj.weight                    [H·d, h]      (.bias [H·d] with attention biases, as qwen2)
 *   self_attn.k_proj.weight, v_proj.weight     [Hkv·d, h]    (.bias [Hkv·d])
 *   self_attn.o_proj.weight                    [h, H·d]
 *   self_attn.memory_gate                      [H]           β of eq. (6), Infini checkpoints only
 *   post_attention_layernorm.weight            [h]
 *   mlp.gate_proj.weight, mlp.up_proj.weight   [I, h]
 *   mlp.down_proj.weight                       [h, I]
 * model.norm.weight                            [h]
 * lm_head.weight                               [V, h]        untied heads only
 * </pre>
 * Rows of q_proj are query heads one after another, each d wide; k_proj and v_proj likewise per KV head.
 */
public final class LlamaLayout {

    public static final String EMBEDDINGS = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";
    public static final String INPUT_NORM = "input_layernorm.weight";
    public static final String Q_PROJ = "self_attn.q_proj.weight";
    public static final String K_PROJ = "self_attn.k_proj.weight";
    public static final String V_PROJ = "self_attn.v_proj.weight";
    public static final String Q_BIAS = "self_attn.q_proj.bias";
    public static final String K_BIAS = "self_attn.k_proj.bias";
    public static final String V_BIAS = "self_attn.v_proj.bias";
    public static final String O_PROJ = "self_attn.o_proj.weight";
    /** β per query head (eq. 6): what makes a Llama checkpoint an Infini one. */
    public static final String MEMORY_GATE = "self_attn.memory_gate";
    public static final String POST_ATTENTION_NORM = "post_attention_layernorm.weight";
    public static final String MLP_GATE = "mlp.gate_proj.weight";
    public static final String MLP_UP = "mlp.up_proj.weight";
    public static final String MLP_DOWN = "mlp.down_proj.weight";

    private final Map<String, long[]> shapes;

    private LlamaLayout(Map<String, long[]> shapes) {
        this.shapes = Collections.unmodifiableMap(shapes);
    }

    /**
     * The tensors of a checkpoint of this configuration, in checkpoint order.
     *
     * @param gates whether each layer has its memory gate (an Infini checkpoint) or not (a plain Llama)
     */
    public static LlamaLayout of(ModelConfig c, boolean gates) {
        long h = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long inter = c.intermediateSize();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(EMBEDDINGS, new long[] {c.vocabSize(), h});
        for (int i = 0; i < c.numLayers(); i++) {
            shapes.put(layer(i, INPUT_NORM), new long[] {h});
            shapes.put(layer(i, Q_PROJ), new long[] {q, h});
            shapes.put(layer(i, K_PROJ), new long[] {kv, h});
            shapes.put(layer(i, V_PROJ), new long[] {kv, h});
            if (c.attentionBias()) {
                shapes.put(layer(i, Q_BIAS), new long[] {q});
                shapes.put(layer(i, K_BIAS), new long[] {kv});
                shapes.put(layer(i, V_BIAS), new long[] {kv});
            }
            shapes.put(layer(i, O_PROJ), new long[] {h, q});
            if (gates) {
                shapes.put(layer(i, MEMORY_GATE), new long[] {c.numHeads()});
            }
            shapes.put(layer(i, POST_ATTENTION_NORM), new long[] {h});
            shapes.put(layer(i, MLP_GATE), new long[] {inter, h});
            shapes.put(layer(i, MLP_UP), new long[] {inter, h});
            shapes.put(layer(i, MLP_DOWN), new long[] {h, inter});
        }
        shapes.put(FINAL_NORM, new long[] {h});
        if (!c.tieWordEmbeddings()) {
            shapes.put(LM_HEAD, new long[] {c.vocabSize(), h});
        }
        return new LlamaLayout(shapes);
    }

    /** The full name of a layer's tensor, e.g. {@code layer(3, Q_PROJ)}. */
    public static String layer(int index, String tensor) {
        return "model.layers." + index + "." + tensor;
    }

    /** Every tensor's shape by name, in checkpoint order. */
    public Map<String, long[]> shapes() {
        return shapes;
    }

    /**
     * The shape of one tensor.
     *
     * @throws IllegalArgumentException if the layout has no such tensor
     */
    public long[] shape(String name) {
        long[] shape = shapes.get(name);
        if (shape == null) {
            throw new IllegalArgumentException("a checkpoint of this configuration has no tensor " + name);
        }
        return shape.clone();
    }
}
