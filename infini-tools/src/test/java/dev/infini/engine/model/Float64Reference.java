package dev.infini.engine.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.config.MemoryMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Infini-Transformer of CONTRIBUTING.md written out plainly in double precision, one token at a time, for tests
 * only. It shares nothing with the engine: it parses config.json and the (F32) safetensors file itself, and every
 * equation is a loop.
 * <p>
 * Per layer: x += o_proj(A) with A from Infini-attention, then x += down(silu(gate(x')) · up(x')), both on
 * RMSNorm'd inputs. Inside a segment, causal softmax attention over RoPE'd q and k with positions restarting at 0
 * (HF rotate-half layout), GQA query head h reading KV head h / group. From the second segment on, the memory adds
 * A_mem = σ(q) M / (σ(q) z) with the un-rotated q (eq. 3), mixed by sigmoid(β_h) (eq. 6). When a segment fills,
 * M += σ(K)ᵀV (eq. 4) or σ(K)ᵀ(V − σ(K)M/(σ(K)z)) (eq. 5, not in the first segment), z += Σ_t σ(K_t).
 */
final class Float64Reference {

    private final int hidden;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int d;
    private final int inter;
    private final int vocab;
    private final double eps;
    private final double theta;
    private final double[] inverseFrequency;
    private final int segmentLength;
    private final boolean delta;
    private final boolean memoryOn;
    private final boolean zeroed;
    private final Map<String, double[]> w = new HashMap<>();

    // conversation state
    private final double[][][][] memory; // [layer][kv][d][d]
    private final double[][][] normalizer; // [layer][kv][d]
    private final List<List<double[]>> keysRaw = new ArrayList<>(); // per layer, per position: [kv*d]
    private final List<List<double[]>> keysRotated = new ArrayList<>();
    private final List<List<double[]>> values = new ArrayList<>();
    private int position;
    private int segments;

    /**
     * @param mode ON; OFF: no retrieval and no update, segments independent; ZEROED: no update, and from the second
     *             segment on the gate mixes in an empty memory, A = (1 − sigmoid(β))·A_dot
     */
    Float64Reference(Path dir, MemoryMode mode) throws IOException {
        JsonObject c = JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
        hidden = c.get("hidden_size").getAsInt();
        layers = c.get("num_hidden_layers").getAsInt();
        heads = c.get("num_attention_heads").getAsInt();
        kvHeads = c.get("num_key_value_heads").getAsInt();
        d = c.get("head_dim").getAsInt();
        inter = c.get("intermediate_size").getAsInt();
        vocab = c.get("vocab_size").getAsInt();
        eps = c.get("rms_norm_eps").getAsDouble();
        theta = c.get("rope_theta").getAsDouble();
        inverseFrequency = new double[d / 2];
        for (int i = 0; i < d / 2; i++) {
            inverseFrequency[i] = Math.pow(theta, -2.0 * i / d);
        }
        if (c.has("rope_scaling") && c.get("rope_scaling").isJsonObject()) {
            // transformers' _compute_llama3_parameters
            JsonObject rs = c.getAsJsonObject("rope_scaling");
            double factor = rs.get("factor").getAsDouble();
            double low = rs.get("low_freq_factor").getAsDouble();
            double high = rs.get("high_freq_factor").getAsDouble();
            double old = rs.get("original_max_position_embeddings").getAsDouble();
            for (int i = 0; i < d / 2; i++) {
                double wavelength = 2 * Math.PI / inverseFrequency[i];
                double scaled = wavelength > old / low ? inverseFrequency[i] / factor : inverseFrequency[i];
                boolean medium = !(wavelength < old / high) && !(wavelength > old / low);
                if (medium) {
                    double smooth = (old / wavelength - low) / (high - low);
                    scaled = (1 - smooth) * scaled / factor + smooth * scaled;
                }
                inverseFrequency[i] = scaled;
            }
        }
        JsonObject infini = c.getAsJsonObject("infini_attention");
        segmentLength = infini.get("segment_length").getAsInt();
        delta = infini.get("memory_update").getAsString().equals("delta");
        this.memoryOn = mode == MemoryMode.ON;
        this.zeroed = mode == MemoryMode.ZEROED;
        readSafetensors(dir.resolve("model.safetensors"));
        if (!w.containsKey("lm_head.weight")) {
            w.put("lm_head.weight", w.get("model.embed_tokens.weight"));
        }
        memory = new double[layers][kvHeads][d][d];
        normalizer = new double[layers][kvHeads][d];
        for (int l = 0; l < layers; l++) {
            keysRaw.add(new ArrayList<>());
            keysRotated.add(new ArrayList<>());
            values.add(new ArrayList<>());
        }
    }

    private void readSafetensors(Path file) throws IOException {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) all.getLong(0);
        JsonObject header = JsonParser.parseString(new String(all.array(), 8, headerLength, StandardCharsets.UTF_8))
                .getAsJsonObject();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonObject t = e.getValue().getAsJsonObject();
            if (!t.get("dtype").getAsString().equals("F32")) {
                throw new IllegalArgumentException("the reference reads F32 only");
            }
            long begin = t.getAsJsonArray("data_offsets").get(0).getAsLong();
            long end = t.getAsJsonArray("data_offsets").get(1).getAsLong();
            double[] values = new double[(int) ((end - begin) / 4)];
            for (int i = 0; i < values.length; i++) {
                values[i] = all.getFloat((int) (8 + headerLength + begin + 4L * i));
            }
            w.put(e.getKey(), values);
        }
    }

    /** Feeds one token; returns the logits for the next one. */
    double[] step(int token) {
        double[] x = new double[hidden];
        System.arraycopy(w.get("model.embed_tokens.weight"), token * hidden, x, 0, hidden);
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            double[] a = attention(l, p, rmsNorm(x, w.get(p + "input_layernorm.weight")));
            add(x, a);
            double[] n = rmsNorm(x, w.get(p + "post_attention_layernorm.weight"));
            double[] gate = matVec(w.get(p + "mlp.gate_proj.weight"), n, inter, hidden, null);
            double[] up = matVec(w.get(p + "mlp.up_proj.weight"), n, inter, hidden, null);
            double[] act = new double[inter];
            for (int i = 0; i < inter; i++) {
                act[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i]; // SwiGLU: silu(gate) · up
            }
            add(x, matVec(w.get(p + "mlp.down_proj.weight"), act, hidden, inter, null));
        }
        double[] logits = matVec(w.get("lm_head.weight"), rmsNorm(x, w.get("model.norm.weight")), vocab, hidden, null);
        position++;
        if (position == segmentLength) {
            foldSegment();
        }
        return logits;
    }

    private double[] attention(int l, String p, double[] x) {
        double[] q = matVec(w.get(p + "self_attn.q_proj.weight"), x, heads * d, hidden, w.get(p + "self_attn.q_proj.bias"));
        double[] k = matVec(w.get(p + "self_attn.k_proj.weight"), x, kvHeads * d, hidden, w.get(p + "self_attn.k_proj.bias"));
        double[] v = matVec(w.get(p + "self_attn.v_proj.weight"), x, kvHeads * d, hidden, w.get(p + "self_attn.v_proj.bias"));
        keysRaw.get(l).add(k);
        keysRotated.get(l).add(rope(k, kvHeads, position));
        values.get(l).add(v);
        double[] qRotated = rope(q, heads, position);
        double[] beta = w.get(p + "self_attn.memory_gate");
        int group = heads / kvHeads;
        double[] out = new double[heads * d];
        for (int h = 0; h < heads; h++) {
            int kv = h / group;
            // A_dot: causal softmax attention over the segment so far
            int n = keysRotated.get(l).size();
            double[] scores = new double[n];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int i = 0; i < d; i++) {
                    s += qRotated[h * d + i] * keysRotated.get(l).get(j)[kv * d + i];
                }
                scores[j] = s / Math.sqrt(d);
                max = Math.max(max, scores[j]);
            }
            double total = 0;
            for (int j = 0; j < n; j++) {
                scores[j] = Math.exp(scores[j] - max);
                total += scores[j];
            }
            double[] dot = new double[d];
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < d; i++) {
                    dot[i] += scores[j] / total * values.get(l).get(j)[kv * d + i];
                }
            }
            if (memoryOn && beta != null && segments > 0) {
                // A_mem = σ(q) M / (σ(q) z), q before RoPE (eq. 3); A = g A_mem + (1 − g) A_dot (eq. 6)
                double[] sq = new double[d];
                for (int i = 0; i < d; i++) {
                    sq[i] = sigma(q[h * d + i]);
                }
                double denominator = 0;
                for (int i = 0; i < d; i++) {
                    denominator += sq[i] * normalizer[l][kv][i];
                }
                double g = 1 / (1 + Math.exp(-beta[h]));
                for (int c = 0; c < d; c++) {
                    double numerator = 0;
                    for (int r = 0; r < d; r++) {
                        numerator += sq[r] * memory[l][kv][r][c];
                    }
                    out[h * d + c] = g * numerator / denominator + (1 - g) * dot[c];
                }
            } else if (zeroed && beta != null && segments > 0) {
                double g = 1 / (1 + Math.exp(-beta[h]));
                for (int c = 0; c < d; c++) {
                    out[h * d + c] = (1 - g) * dot[c];
                }
            } else {
                System.arraycopy(dot, 0, out, h * d, d);
            }
        }
        return matVec(w.get(p + "self_attn.o_proj.weight"), out, hidden, heads * d, null);
    }

    private void foldSegment() {
        for (int l = 0; l < layers; l++) {
            if (memoryOn && w.containsKey("model.layers." + l + ".self_attn.memory_gate")) {
                for (int kv = 0; kv < kvHeads; kv++) {
                    double[][] update = new double[d][d];
                    double[] zUpdate = new double[d];
                    for (int t = 0; t < segmentLength; t++) {
                        double[] sk = new double[d];
                        double[] value = new double[d];
                        for (int i = 0; i < d; i++) {
                            sk[i] = sigma(keysRaw.get(l).get(t)[kv * d + i]);
                            value[i] = values.get(l).get(t)[kv * d + i];
                        }
                        if (delta && segments > 0) {
                            // eq. (5): subtract what M_{s-1} already retrieves for this key
                            double denominator = 0;
                            for (int i = 0; i < d; i++) {
                                denominator += sk[i] * normalizer[l][kv][i];
                            }
                            for (int c = 0; c < d; c++) {
                                double numerator = 0;
                                for (int r = 0; r < d; r++) {
                                    numerator += sk[r] * memory[l][kv][r][c];
                                }
                                value[c] -= numerator / denominator;
                            }
                        }
                        for (int r = 0; r < d; r++) {
                            for (int c = 0; c < d; c++) {
                                update[r][c] += sk[r] * value[c];
                            }
                            zUpdate[r] += sk[r];
                        }
                    }
                    for (int r = 0; r < d; r++) {
                        for (int c = 0; c < d; c++) {
                            memory[l][kv][r][c] += update[r][c];
                        }
                        normalizer[l][kv][r] += zUpdate[r];
                    }
                }
            }
            keysRaw.get(l).clear();
            keysRotated.get(l).clear();
            values.get(l).clear();
        }
        position = 0;
        segments++;
    }

    /** M of one layer and KV head. */
    double[][] memory(int layer, int kvHead) {
        return memory[layer][kvHead];
    }

    /** z of one layer and KV head. */
    double[] normalizer(int layer, int kvHead) {
        return normalizer[layer][kvHead];
    }

    // HF rotate-half: dimension i pairs with i + d/2 at angle pos · θ^(−2i/d) (Llama 3 scaled, if configured)
    private double[] rope(double[] x, int count, int pos) {
        double[] out = new double[x.length];
        for (int h = 0; h < count; h++) {
            for (int i = 0; i < d / 2; i++) {
                double angle = pos * inverseFrequency[i];
                double a = x[h * d + i];
                double b = x[h * d + i + d / 2];
                out[h * d + i] = a * Math.cos(angle) - b * Math.sin(angle);
                out[h * d + i + d / 2] = b * Math.cos(angle) + a * Math.sin(angle);
            }
        }
        return out;
    }

    private double[] rmsNorm(double[] x, double[] weight) {
        double sum = 0;
        for (double v : x) {
            sum += v * v;
        }
        double scale = 1 / Math.sqrt(sum / x.length + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * weight[i];
        }
        return out;
    }

    private static double sigma(double x) {
        return x > 0 ? x + 1 : Math.exp(x); // ELU(x) + 1
    }

    private static double[] matVec(double[] weight, double[] x, int rows, int cols, double[] bias) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = bias == null ? 0 : bias[r];
            for (int c = 0; c < cols; c++) {
                s += weight[r * cols + c] * x[c];
            }
            out[r] = s;
        }
        return out;
    }

    private static void add(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }
}
