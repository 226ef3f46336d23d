package dev.infini.spring.autoconfigure;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.spring.InfiniChatOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The default options of the auto-configured chat model, every value decided: {@code infini.chat.*} where set, else
 * the checkpoint's {@code generation_config.json} (Hugging Face's: {@code do_sample}, {@code temperature},
 * {@code top_k}, {@code top_p}, {@code repetition_penalty}, {@code no_repeat_ngram_size}, {@code max_new_tokens}),
 * else greedy decoding of at most 256 tokens, which suits small models (sampled, they babble).
 */
final class SamplingDefaults {

    static final int MAX_TOKENS = 256;

    private SamplingDefaults() {
    }

    static InfiniChatOptions resolve(InfiniProperties.Chat chat, Path checkpoint, String modelName) {
        JsonObject config = generationConfig(checkpoint);
        boolean greedy = config.has("do_sample") && !config.get("do_sample").getAsBoolean();
        Double configTemperature = greedy ? Double.valueOf(0) : number(config, "temperature", JsonElement::getAsDouble);
        return InfiniChatOptions.builder()
                .model(modelName)
                .maxTokens(first(chat.getMaxTokens(), number(config, "max_new_tokens", JsonElement::getAsInt),
                        MAX_TOKENS))
                .temperature(first(chat.getTemperature(), configTemperature, 0.0))
                .topK(first(chat.getTopK(), number(config, "top_k", JsonElement::getAsInt), 0))
                .topP(first(chat.getTopP(), number(config, "top_p", JsonElement::getAsDouble), 1.0))
                .repetitionPenalty(first(chat.getRepetitionPenalty(),
                        number(config, "repetition_penalty", JsonElement::getAsDouble), 1.0))
                .noRepeatNgramSize(first(chat.getNoRepeatNgramSize(),
                        number(config, "no_repeat_ngram_size", JsonElement::getAsInt), 0))
                .seed(chat.getSeed())
                .build();
    }

    private static JsonObject generationConfig(Path checkpoint) {
        Path file = checkpoint == null ? null : checkpoint.resolve("generation_config.json");
        if (file == null || !Files.isRegularFile(file)) {
            return new JsonObject();
        }
        try {
            return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalStateException(file + " is not a JSON object: " + e.getMessage(), e);
        }
    }

    private static <T> T number(JsonObject config, String key, Function<JsonElement, T> read) {
        JsonElement value = config.get(key);
        return value == null || value.isJsonNull() ? null : read.apply(value);
    }

    @SafeVarargs
    private static <T> T first(T... candidates) {
        for (T candidate : candidates) {
            if (candidate != null) {
                return candidate;
            }
        }
        throw new IllegalStateException("no value");
    }
}
