package dev.infini.tools.vocab;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.CheckpointException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;

/**
 * Grows a SentencePiece-style BPE vocabulary ({@code tokenizer.json} with a {@code ▁} word marker, as Llama 2 and
 * TinyStories use) by continuing its training: text is first split by the existing tokenizer, then the most frequent
 * adjacent pair inside a word is merged, again and again. The new merges rank after every existing one, so the
 * extended tokenizer splits text exactly as the old one did and then applies the new merges on top; every old id
 * keeps its meaning, and each new token is a concatenation of old ones (its {@link Merge#parts()}), which is what
 * lets a model's embeddings grow with it.
 * <p>
 * Only letters merge: a piece may start with {@code ▁} and otherwise holds letters only. Digits stay single tokens
 * (a pass key is read and written digit by digit) and punctuation keeps its own tokens.
 */
public final class BpeExtension {

    private static final Pattern LEFT = Pattern.compile("▁\\p{L}*|\\p{L}+");
    private static final Pattern RIGHT = Pattern.compile("\\p{L}+");

    /**
     * A learned merge: {@code left + right} becomes token {@code id}.
     *
     * @param id    a new id (at or after {@link #vocabSize()}), or an existing token's when the old merges build that
     *              token from other pieces
     * @param parts the old ids the token concatenates, in order
     */
    public record Merge(int id, String left, String right, int[] parts) {
        /** The token's text as it appears in the vocabulary. */
        public String piece() {
            return left + right;
        }
    }

    /**
     * What {@link #learn} found.
     *
     * @param merges    every merge, in rank order (what {@code tokenizer.json} lists)
     * @param newTokens the merges that create a token, one per new id, in id order (what the embeddings grow by)
     */
    public record Learned(List<Merge> merges, List<Merge> newTokens) {
    }

    private final JsonObject tokenizerJson;
    private final List<String> basePieces; // by id
    private final Map<String, Integer> baseIds;

    private BpeExtension(JsonObject tokenizerJson) {
        this.tokenizerJson = tokenizerJson;
        JsonObject model = tokenizerJson.getAsJsonObject("model");
        if (model == null || !"BPE".equals(model.get("type").getAsString())) {
            throw new IllegalArgumentException("only a BPE tokenizer.json can be extended");
        }
        JsonObject vocab = model.getAsJsonObject("vocab");
        String[] byId = new String[vocab.size()];
        baseIds = new HashMap<>();
        for (Map.Entry<String, JsonElement> e : vocab.entrySet()) {
            int id = e.getValue().getAsInt();
            if (id < 0 || id >= byId.length || byId[id] != null) {
                throw new IllegalArgumentException("vocabulary ids must be 0.." + (byId.length - 1) + ", each once");
            }
            byId[id] = e.getKey();
            baseIds.put(e.getKey(), id);
        }
        basePieces = List.of(byId);
    }

    /** Reads a checkpoint folder's {@code tokenizer.json}. */
    public static BpeExtension read(Path dir) {
        Path file = dir.resolve("tokenizer.json");
        try {
            return new BpeExtension(JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
                    .getAsJsonObject());
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file, "cannot be extended: " + e.getMessage(), e);
        }
    }

    /** Size of the vocabulary before extension. */
    public int vocabSize() {
        return basePieces.size();
    }

    /**
     * Learns merges from token streams of the existing tokenizer until {@code count} new tokens exist, or until no
     * pair occurs at least {@code minFrequency} times. Each call starts again from the existing vocabulary.
     *
     * @param progress told the number of new tokens so far, after each merge
     */
    public Learned learn(List<int[]> streams, int count, int minFrequency, IntConsumer progress) {
        List<String> pieces = new ArrayList<>(basePieces); // by id, the learned ones appended
        Map<String, Integer> ids = new HashMap<>(baseIds);
        // unique words (split before every piece that starts with ▁) with their frequencies
        Map<IntKey, long[]> counts = new HashMap<>();
        for (int[] stream : streams) {
            int start = 0;
            for (int i = 1; i <= stream.length; i++) {
                if (i == stream.length || pieces.get(stream[i]).startsWith("▁")) {
                    if (i - start > 1) {
                        counts.computeIfAbsent(new IntKey(Arrays.copyOfRange(stream, start, i)),
                                k -> new long[1])[0]++;
                    }
                    start = i;
                }
            }
        }
        List<int[]> words = new ArrayList<>();
        List<Long> frequencies = new ArrayList<>();
        counts.forEach((k, v) -> {
            words.add(k.ids);
            frequencies.add(v[0]);
        });
        Map<Integer, int[]> parts = new HashMap<>();
        List<Merge> learned = new ArrayList<>();
        List<Merge> newTokens = new ArrayList<>();
        while (newTokens.size() < count) {
            Map<Long, Long> pairs = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                int[] word = words.get(w);
                long f = frequencies.get(w);
                for (int i = 0; i + 1 < word.length; i++) {
                    if (mergeable(pieces.get(word[i]), pieces.get(word[i + 1]))) {
                        pairs.merge(pair(word[i], word[i + 1]), f, Long::sum);
                    }
                }
            }
            long best = -1;
            long bestCount = minFrequency - 1L;
            for (Map.Entry<Long, Long> e : pairs.entrySet()) {
                // ties go to the smaller pair key, so the result does not depend on hash order
                if (e.getValue() > bestCount || (e.getValue() == bestCount && best >= 0 && e.getKey() < best)) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            if (best < 0) {
                break;
            }
            int left = (int) (best >>> 32);
            int right = (int) best;
            String piece = pieces.get(left) + pieces.get(right);
            // the pair may spell a token the old merges build from other pieces: the merge then leads to that token
            Integer existing = ids.get(piece);
            int id = existing != null ? existing : pieces.size();
            int[] composed = concat(parts.getOrDefault(left, new int[] {left}),
                    parts.getOrDefault(right, new int[] {right}));
            Merge merge = new Merge(id, pieces.get(left), pieces.get(right), composed);
            if (existing == null) {
                pieces.add(piece);
                ids.put(piece, id);
                parts.put(id, composed);
                newTokens.add(merge);
            }
            learned.add(merge);
            for (int w = 0; w < words.size(); w++) {
                words.set(w, merge(words.get(w), left, right, id));
            }
            progress.accept(newTokens.size());
        }
        return new Learned(learned, newTokens);
    }

    private static boolean mergeable(String left, String right) {
        return LEFT.matcher(left).matches() && RIGHT.matcher(right).matches();
    }

    /**
     * The extended {@code tokenizer.json}: the learned tokens appended to the vocabulary and their merges after the
     * existing ones. Everything else (normalizer, byte fallback, special tokens, decoder) is kept.
     */
    public void writeTokenizer(Path file, Learned learned) throws IOException {
        JsonObject json = tokenizerJson.deepCopy();
        JsonObject model = json.getAsJsonObject("model");
        JsonObject vocab = model.getAsJsonObject("vocab");
        JsonArray merges = model.getAsJsonArray("merges");
        for (Merge t : learned.newTokens()) {
            vocab.addProperty(t.piece(), t.id());
        }
        boolean pairsAsArrays = !merges.isEmpty() && merges.get(0).isJsonArray();
        for (Merge t : learned.merges()) {
            if (pairsAsArrays) {
                JsonArray pair = new JsonArray();
                pair.add(t.left());
                pair.add(t.right());
                merges.add(pair);
            } else {
                merges.add(t.left() + " " + t.right());
            }
        }
        Files.writeString(file, new GsonBuilder().disableHtmlEscaping().create().toJson(json), StandardCharsets.UTF_8);
    }

    private static int[] merge(int[] word, int left, int right, int id) {
        int n = 0;
        for (int i = 0; i + 1 < word.length; i++) {
            if (word[i] == left && word[i + 1] == right) {
                n++;
                i++;
            }
        }
        if (n == 0) {
            return word;
        }
        int[] out = new int[word.length - n];
        int o = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                out[o++] = id;
                i++;
            } else {
                out[o++] = word[i];
            }
        }
        return out;
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xffffffffL);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private record IntKey(int[] ids) {
        @Override
        public boolean equals(Object o) {
            return o instanceof IntKey k && Arrays.equals(ids, k.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }
    }
}
