package dev.infini.engine.config;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.CheckpointException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * The architecture read from a Hugging Face {@code config.json}: llama, mistral and qwen2 model types.
 *
 * @param modelType         {@code model_type}
 * @param hiddenSize        model width
 * @param intermediateSize  MLP width
 * @param numLayers         decoder layers
 * @param numHeads          query heads
 * @param numKvHeads        key/value heads (GQA when fewer than query heads)
 * @param headDim           width of one head
 * @param vocabSize         vocabulary size
 * @param rmsNormEps        RMSNorm epsilon
 * @param ropeTheta         RoPE base
 * @param ropeScaling       Llama 3 style RoPE frequency scaling, or null
 * @param attentionBias     whether q/k/v projections carry biases (qwen2)
 * @param tieWordEmbeddings whether the LM head reuses the embedding matrix
 * @param bosTokenId        beginning-of-sequence id, or -1
 * @param eosTokenIds       end-of-sequence ids
 * @param infini            the {@code infini_attention} object, or null for a plain checkpoint
 */
public record ModelConfig(
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean attentionBias,
        boolean tieWordEmbeddings,
        int bosTokenId,
        Set<Integer> eosTokenIds,
        InfiniSettings infini) {

    private static final Set<String> SUPPORTED = Set.of("llama", "mistral", "qwen2");

    /** Llama 3 RoPE scaling ({@code rope_type: "llama3"}). */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
    }

    /**
     * The {@code infini_attention} object of config.json.
     *
     * @param segmentLength N, tokens per segment
     * @param memoryUpdate  linear or delta update rule
     */
    public record InfiniSettings(int segmentLength, MemoryUpdate memoryUpdate) {
        public InfiniSettings {
            if (segmentLength < 1) {
                throw new IllegalArgumentException("segment_length must be at least 1, got " + segmentLength);
            }
        }
    }

    public ModelConfig {
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numHeads
                    + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be even for RoPE, got " + headDim);
        }
        eosTokenIds = Set.copyOf(eosTokenIds);
    }

    /** Query heads that share one KV head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    /** Reads {@code config.json} from a checkpoint folder. */
    public static ModelConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, "missing: a checkpoint folder needs config.json", e);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot be read: " + e.getMessage(), e);
        }
        try {
            return parse(JsonParser.parseString(text).getAsJsonObject());
        } catch (RuntimeException e) {
            throw new CheckpointException(file, "invalid: " + e.getMessage(), e);
        }
    }

    /** Parses the JSON object of a config.json. */
    public static ModelConfig parse(JsonObject json) {
        String type = string(json, "model_type", "llama").toLowerCase(Locale.ROOT);
        if (!SUPPORTED.contains(type)) {
            throw new IllegalArgumentException("model_type \"" + type + "\" is not supported; expected one of " + SUPPORTED);
        }
        int hidden = required(json, "hidden_size");
        int heads = required(json, "num_attention_heads");
        int kvHeads = json.has("num_key_value_heads") && !json.get("num_key_value_heads").isJsonNull()
                ? json.get("num_key_value_heads").getAsInt() : heads;
        int headDim = json.has("head_dim") && !json.get("head_dim").isJsonNull()
                ? json.get("head_dim").getAsInt() : hidden / heads;
        boolean bias = json.has("attention_bias") ? json.get("attention_bias").getAsBoolean() : "qwen2".equals(type);
        boolean tie = json.has("tie_word_embeddings") ? json.get("tie_word_embeddings").getAsBoolean() : false;
        RopeScaling scaling = null;
        if (json.has("rope_scaling") && json.get("rope_scaling").isJsonObject()) {
            JsonObject rs = json.getAsJsonObject("rope_scaling");
            String ropeType = rs.has("rope_type") ? rs.get("rope_type").getAsString()
                    : rs.has("type") ? rs.get("type").getAsString() : "default";
            if ("llama3".equals(ropeType)) {
                scaling = new RopeScaling(rs.get("factor").getAsDouble(), rs.get("low_freq_factor").getAsDouble(),
                        rs.get("high_freq_factor").getAsDouble(), rs.get("original_max_position_embeddings").getAsInt());
            } else if (!"default".equals(ropeType)) {
                throw new IllegalArgumentException("rope_scaling type \"" + ropeType + "\" is not supported (default and llama3 are)");
            }
        }
        java.util.Set<Integer> eos = new java.util.TreeSet<>();
        JsonElement eosJson = json.get("eos_token_id");
        if (eosJson != null && eosJson.isJsonArray()) {
            eosJson.getAsJsonArray().forEach(e -> eos.add(e.getAsInt()));
        } else if (eosJson != null && !eosJson.isJsonNull()) {
            eos.add(eosJson.getAsInt());
        }
        InfiniSettings infini = null;
        if (json.has("infini_attention") && json.get("infini_attention").isJsonObject()) {
            JsonObject ia = json.getAsJsonObject("infini_attention");
            infini = new InfiniSettings(ia.get("segment_length").getAsInt(),
                    MemoryUpdate.parse(string(ia, "memory_update", "linear")));
        }
        return new ModelConfig(type, hidden, required(json, "intermediate_size"), required(json, "num_hidden_layers"),
                heads, kvHeads, headDim, required(json, "vocab_size"),
                json.has("rms_norm_eps") ? json.get("rms_norm_eps").getAsDouble() : 1e-6,
                json.has("rope_theta") ? json.get("rope_theta").getAsDouble() : 10000.0,
                scaling, bias, tie,
                json.has("bos_token_id") && !json.get("bos_token_id").isJsonNull() ? json.get("bos_token_id").getAsInt() : -1,
                eos, infini);
    }

    /** Writes this configuration as a config.json object that {@link #parse} reads back. */
    public JsonObject toJson() {
        JsonObject json = new JsonObject();
        com.google.gson.JsonArray arch = new com.google.gson.JsonArray();
        arch.add(switch (modelType) {
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            default -> "LlamaForCausalLM";
        });
        json.add("architectures", arch);
        json.addProperty("model_type", modelType);
        json.addProperty("hidden_size", hiddenSize);
        json.addProperty("intermediate_size", intermediateSize);
        json.addProperty("num_hidden_layers", numLayers);
        json.addProperty("num_attention_heads", numHeads);
        json.addProperty("num_key_value_heads", numKvHeads);
        json.addProperty("head_dim", headDim);
        json.addProperty("vocab_size", vocabSize);
        json.addProperty("rms_norm_eps", rmsNormEps);
        json.addProperty("rope_theta", ropeTheta);
        json.addProperty("attention_bias", attentionBias);
        json.addProperty("tie_word_embeddings", tieWordEmbeddings);
        json.addProperty("hidden_act", "silu");
        json.addProperty("torch_dtype", "float32");
        if (bosTokenId >= 0) {
            json.addProperty("bos_token_id", bosTokenId);
        }
        if (eosTokenIds.size() == 1) {
            json.addProperty("eos_token_id", eosTokenIds.iterator().next());
        } else if (!eosTokenIds.isEmpty()) {
            com.google.gson.JsonArray eos = new com.google.gson.JsonArray();
            eosTokenIds.forEach(eos::add);
            json.add("eos_token_id", eos);
        }
        if (ropeScaling != null) {
            JsonObject rs = new JsonObject();
            rs.addProperty("rope_type", "llama3");
            rs.addProperty("factor", ropeScaling.factor());
            rs.addProperty("low_freq_factor", ropeScaling.lowFreqFactor());
            rs.addProperty("high_freq_factor", ropeScaling.highFreqFactor());
            rs.addProperty("original_max_position_embeddings", ropeScaling.originalMaxPositions());
            json.add("rope_scaling", rs);
        }
        if (infini != null) {
            JsonObject ia = new JsonObject();
            ia.addProperty("segment_length", infini.segmentLength());
            ia.addProperty("memory_update", infini.memoryUpdate().jsonName());
            json.add("infini_attention", ia);
        }
        return json;
    }

    /** Returns a copy with other infini settings. */
    public ModelConfig withInfini(InfiniSettings settings) {
        return new ModelConfig(modelType, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                vocabSize, rmsNormEps, ropeTheta, ropeScaling, attentionBias, tieWordEmbeddings, bosTokenId,
                eosTokenIds, settings);
    }

    /** Returns a copy with another vocabulary size (a grown tokenizer). */
    public ModelConfig withVocabSize(int size) {
        return new ModelConfig(modelType, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                size, rmsNormEps, ropeTheta, ropeScaling, attentionBias, tieWordEmbeddings, bosTokenId,
                eosTokenIds, infini);
    }

    private static int required(JsonObject json, String key) {
        if (!json.has(key) || json.get(key).isJsonNull()) {
            throw new IllegalArgumentException("\"" + key + "\" is missing");
        }
        return json.get(key).getAsInt();
    }

    private static String string(JsonObject json, String key, String fallback) {
        return json.has(key) && !json.get(key).isJsonNull() ? json.get(key).getAsString() : fallback;
    }
}
