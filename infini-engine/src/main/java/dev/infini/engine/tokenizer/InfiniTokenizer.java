package dev.infini.engine.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.CheckpointException;
import dev.infini.engine.InvalidInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A checkpoint's {@code tokenizer.json} through DJL's Hugging Face tokenizer, built with truncation off (DJL's
 * default cuts every input at 512 tokens), plus what {@code tokenizer_config.json} says about special tokens and
 * the chat template.
 */
public final class InfiniTokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;
    private final String chatTemplate;
    private final String bosToken;
    private final String eosToken;

    private InfiniTokenizer(HuggingFaceTokenizer tokenizer, int vocabSize, String chatTemplate, String bosToken,
                            String eosToken) {
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.chatTemplate = chatTemplate;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
    }

    /**
     * Loads {@code tokenizer.json} (required) and {@code tokenizer_config.json} (optional) from a checkpoint folder.
     *
     * @param vocabSize the model's vocabulary size: ids at or above it are rejected on decode
     */
    public static InfiniTokenizer load(Path dir, int vocabSize) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file, "missing: a checkpoint folder needs tokenizer.json");
        }
        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optTruncation(false)
                    .optPadding(false)
                    .optAddSpecialTokens(true)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file, "cannot be loaded as a Hugging Face tokenizer: " + e.getMessage(), e);
        }
        String template = null;
        String bos = null;
        String eos = null;
        Path configFile = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(configFile)) {
            try {
                JsonObject config = JsonParser.parseString(Files.readString(configFile, StandardCharsets.UTF_8))
                        .getAsJsonObject();
                template = stringOf(config.get("chat_template"));
                bos = stringOf(config.get("bos_token"));
                eos = stringOf(config.get("eos_token"));
            } catch (IOException | RuntimeException e) {
                hf.close();
                throw new CheckpointException(configFile, "invalid: " + e.getMessage(), e);
            }
        }
        return new InfiniTokenizer(hf, vocabSize, template, bos, eos);
    }

    /** Encodes text, with the special tokens the tokenizer adds (BOS for Llama). */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /** Encodes text; {@code addSpecialTokens} false leaves out BOS and any other added special token. */
    public int[] encode(String text, boolean addSpecialTokens) {
        if (text == null) {
            throw new InvalidInputException("text to encode must not be null");
        }
        long[] ids = tokenizer.encode(text, addSpecialTokens, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /**
     * The tokens of a word as it reads after a space inside text (with the word-start marker a SentencePiece tokenizer
     * puts there), without special tokens.
     */
    public int[] encodeAfterSpace(String word) {
        int[] withPrefix = encode("a " + word, false);
        return java.util.Arrays.copyOfRange(withPrefix, encode("a", false).length, withPrefix.length);
    }

    /** Decodes ids to text, leaving out special tokens. */
    public String decode(int[] ids) {
        return decode(ids, true);
    }

    /** Decodes ids to text. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new InvalidInputException("token id " + ids[i] + " is outside the vocabulary [0, " + vocabSize + ")");
            }
            longs[i] = ids[i];
        }
        return tokenizer.decode(longs, skipSpecialTokens);
    }

    /** The chat template of tokenizer_config.json, if it has one. */
    public Optional<String> chatTemplate() {
        return Optional.ofNullable(chatTemplate);
    }

    /** The beginning-of-sequence token text of tokenizer_config.json, if given. */
    public Optional<String> bosToken() {
        return Optional.ofNullable(bosToken);
    }

    /** The end-of-sequence token text of tokenizer_config.json, if given. */
    public Optional<String> eosToken() {
        return Optional.ofNullable(eosToken);
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    // tokenizer_config.json gives special tokens either as strings or as {"content": ...} objects.
    private static String stringOf(JsonElement element) {
        if (element == null || element.isJsonNull()) {
            return null;
        }
        if (element.isJsonObject() && element.getAsJsonObject().has("content")) {
            return element.getAsJsonObject().get("content").getAsString();
        }
        return element.isJsonPrimitive() ? element.getAsString() : null;
    }
}
