package dev.infini.tools.train;

import dev.infini.tools.eval.PasskeyPrompt;
import dev.infini.engine.tokenizer.InfiniTokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training sequences for continual pre-training of a pretrained model on text it already handles (issue 17): a
 * file of stories (for a TinyStories model, stories it sampled itself: {@code infini sample-stories}) with passkey
 * and copy sequences woven in.
 * <p>
 * The stories form one stream, each story opened by BOS as in llama2.c's pre-training data. A sequence is a window
 * of that stream starting at a story's BOS (the prose share), a copy sequence whose stream is a window of it or
 * digit keys ({@link TrainingData#copy}), or a passkey sequence whose haystack is, two times in three, a window of
 * the stories and otherwise the paper's filler ({@link TrainingData#passkey}), the key of {@code keyDigits} digits in
 * half of them and of 1 to that many in the rest; the shares are those of {@link TrainingData.Mix}, whose chat share
 * is not used. With {@link SymbolCopies} a share of the copy streams are symbols of the stories' {@link Alphabet}
 * instead, the task a copy head forms on first (a model that has none, as stories260k, learns it there; run H of
 * docs/plug-and-play.md) and that distillation of the story windows can run beside. Validation is the passkey over a
 * window of the stories, the needle in an earlier segment than the question, the key of {@code keyDigits} digits.
 */
public final class StoryData implements SequenceSource {

    private final InfiniTokenizer tokenizer;
    private final int bos;
    private final TrainingData.Mix mix;
    private final int[] stream;
    private final TrainingData data;
    private final TrainingData[] byKeyDigits; // [k] makes keys of k digits, 1 <= k <= mix.keyDigits()
    private final int segmentLength;
    private final SymbolCopies symbolCopies;
    private final Alphabet alphabet;

    /**
     * Copy streams of alphabet symbols among the copy sequences.
     *
     * @param share         of the copy sequences, in [0, 1]
     * @param alphabetStart symbols in use at step 0, the stories' most frequent tokens first
     * @param doublingSteps steps over which the symbols in use double, up to every token of the vocabulary
     */
    public record SymbolCopies(double share, int alphabetStart, long doublingSteps) {
        public SymbolCopies {
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("the share of symbol copies is a fraction in [0, 1], not " + share);
            }
        }
    }

    /**
     * @param stream the stories' tokens, BOS before each ({@link #stream})
     */
    public StoryData(InfiniTokenizer tokenizer, int bosTokenId, int eosTokenId, int segmentLength, TrainingData.Mix mix,
                     int[] stream) {
        this(tokenizer, bosTokenId, eosTokenId, segmentLength, mix, stream, null, 0);
    }

    /**
     * @param stream       the stories' tokens, BOS before each ({@link #stream})
     * @param symbolCopies copy streams of alphabet symbols, or null for none
     * @param vocabSize    the model's vocabulary: the alphabet's last symbols are the tokens the stories never hold
     */
    public StoryData(InfiniTokenizer tokenizer, int bosTokenId, int eosTokenId, int segmentLength, TrainingData.Mix mix,
                     int[] stream, SymbolCopies symbolCopies, int vocabSize) {
        if (mix.passkey() + mix.prose() + mix.copy() <= 0) {
            throw new IllegalArgumentException("with stories, give a positive passkey, prose or copy share");
        }
        this.tokenizer = tokenizer;
        this.bos = bosTokenId;
        this.segmentLength = segmentLength;
        this.symbolCopies = symbolCopies;
        this.alphabet = symbolCopies == null || symbolCopies.share() == 0 ? null
                : new Alphabet(stream, vocabSize, symbolCopies.alphabetStart(), symbolCopies.doublingSteps());
        this.mix = mix;
        this.stream = stream;
        this.data = new TrainingData(tokenizer, bosTokenId, eosTokenId, segmentLength, mix, stream);
        this.byKeyDigits = new TrainingData[mix.keyDigits() + 1];
        for (int k = 1; k <= mix.keyDigits(); k++) {
            byKeyDigits[k] = new TrainingData(tokenizer, bosTokenId, eosTokenId, segmentLength,
                    new TrainingData.Mix(mix.passkey(), mix.chat(), mix.prose(), mix.answerWeight(), k,
                            mix.earlierSegmentFraction(), mix.copy()), stream);
        }
    }

    /** The stories of a text file: the parts between blank lines, stripped, empty ones left out. */
    public static List<String> read(Path file) throws IOException {
        List<String> stories = new ArrayList<>();
        for (String part : Files.readString(file, StandardCharsets.UTF_8).split("\\n\\s*\\n")) {
            if (!part.isBlank()) {
                stories.add(part.strip());
            }
        }
        return stories;
    }

    /** One token stream of the stories, BOS before each. */
    public static int[] stream(InfiniTokenizer tokenizer, int bosTokenId, List<String> stories) {
        List<int[]> pieces = new ArrayList<>();
        int total = 0;
        for (String story : stories) {
            int[] ids = tokenizer.encode(story, false);
            pieces.add(ids);
            total += ids.length + 1;
        }
        int[] out = new int[total];
        int n = 0;
        for (int[] ids : pieces) {
            out[n++] = bosTokenId;
            System.arraycopy(ids, 0, out, n, ids.length);
            n += ids.length;
        }
        return out;
    }

    @Override
    public TrainingData.Sample sample(SplittableRandom random, int length, long step) {
        if (stream.length <= length + 1) {
            throw new IllegalArgumentException("the stories hold " + stream.length + " tokens, fewer than a sequence"
                    + " of " + (length + 1) + ": sample more stories or use fewer segments per sequence");
        }
        double r = random.nextDouble() * (mix.passkey() + mix.prose() + mix.copy());
        if (r < mix.passkey()) {
            boolean earlier = random.nextDouble() < mix.earlierSegmentFraction();
            // half the keys have the full number of digits, the others 1 to that many: short keys are the easier
            // start for a model whose heads are narrow (stories260k's are 8 wide)
            int digits = random.nextBoolean() ? mix.keyDigits() : 1 + random.nextInt(mix.keyDigits());
            TrainingData keys = byKeyDigits[digits];
            return random.nextInt(3) == 0 ? keys.passkey(random, length, earlier)
                    : passkeyInStories(keys, random, length, earlier);
        }
        if (r < mix.passkey() + mix.prose()) {
            return storyWindow(random, length);
        }
        if (alphabet != null && random.nextDouble() < symbolCopies.share()) {
            int period = Math.min(TrainingData.copyPeriod(random, segmentLength, mix.memoryCopyShare()), length - 1);
            return TrainingData.repeat(bos, alphabet.draw(random, period, step), length);
        }
        return data.copy(random, length);
    }

    /** How many alphabet symbols the symbol copies use at a step (0 without them). */
    public int alphabetSize(long step) {
        return alphabet == null ? 0 : alphabet.size(step);
    }

    /**
     * A window of the stream that starts at a story's BOS, as llama2.c's training sequences do: the first segment then
     * looks like what the model was pretrained on, BOS at position 0 (a window starting mid-story drew stories260k's
     * in-segment perplexity on held-out stories up by 12 % in 1,200 steps at a learning rate of 3e-4).
     */
    TrainingData.Sample storyWindow(SplittableRandom random, int length) {
        int latest = stream.length - length - 1;
        int start = random.nextInt(latest + 1);
        while (start > 0 && stream[start] != bos) {
            start--; // back to the BOS of the story it fell in
        }
        float[] weights = new float[length];
        Arrays.fill(weights, 1f);
        return new TrainingData.Sample(Arrays.copyOfRange(stream, start, start + length + 1), weights, "prose", 0, 0);
    }

    @Override
    public TrainingData.Sample validation(SplittableRandom random, int length) {
        return passkeyInStories(data, random, length, true);
    }

    @Override
    public String validationName() {
        return "passkey in stories";
    }

    /** A passkey sequence whose haystack is a window of the stories starting at a random place. */
    private TrainingData.Sample passkeyInStories(TrainingData keys, SplittableRandom random, int length,
                                                 boolean earlier) {
        int start = random.nextInt(stream.length - length - 1);
        PasskeyPrompt prompt = new PasskeyPrompt(tokenizer, bos, Arrays.copyOfRange(stream, start, start + length + 1));
        return keys.passkey(random, length, earlier, prompt);
    }

    @Override
    public String toString() {
        String copies = mix.memoryCopyShare() > 0
                ? String.format(", %.0f%% of the copies longer than a segment", 100 * mix.memoryCopyShare()) : "";
        return (alphabet == null ? String.format("%,d story tokens", stream.length)
                : String.format("%,d story tokens, %.0f%% of the copies symbols of an alphabet of %d at step 0",
                stream.length, 100 * symbolCopies.share(), alphabet.size(0))) + copies;
    }
}
