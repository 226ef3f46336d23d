package dev.infini.tools.eval;

import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.engine.sampling.GenerationResult;
import dev.infini.engine.session.Session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The passkey retrieval evaluation (paper, section 4.1) through the real inference engine: for every context length
 * and needle depth, N trials with random keys; each prompt is streamed into a {@link Session} in chunks of one
 * segment, so any length runs in the memory of one segment; the answer is decoded greedily and scored by exact
 * match (the first integer in the output equals the key).
 * <p>
 * Keys depend only on the seed, length, depth and trial, so the model and its controls face the same questions.
 */
public final class PasskeyEvaluator {

    /** Where the question ends relative to the segment grid. */
    public enum Align {
        /** at the length given, a segment boundary for lengths that are multiples of N (the paper's grid) */
        SEGMENT,
        /** 1 to N − 1 tokens before the length given, drawn per trial: the question ends anywhere in a segment */
        NONE
    }

    /**
     * Grid and decoding settings.
     *
     * @param filler a UTF-8 text file whose paragraphs make the haystack, each trial starting at its own offset;
     *               null for the paper's repeated filler sentences
     */
    public record Settings(List<Long> lengths, List<Double> depths, int trials, long seed, int keyDigits,
                           int maxNewTokens, Align align, Path filler) {

        /** The paper's filler, the question ending at the length given. */
        public Settings(List<Long> lengths, List<Double> depths, int trials, long seed, int keyDigits,
                        int maxNewTokens) {
            this(lengths, depths, trials, seed, keyDigits, maxNewTokens, Align.SEGMENT, null);
        }

        public Settings {
            java.util.Objects.requireNonNull(align, "align");
            lengths = List.copyOf(lengths);
            depths = List.copyOf(depths);
            if (lengths.isEmpty() || depths.isEmpty() || trials < 1) {
                throw new IllegalArgumentException("the grid needs at least one length, one depth and one trial");
            }
            for (double d : depths) {
                if (!(d >= 0 && d <= 1)) {
                    throw new IllegalArgumentException("depths must be in [0, 1], got " + d);
                }
            }
        }

        /** Tokens the whole grid streams. */
        public long totalTokens() {
            return lengths.stream().mapToLong(Long::longValue).sum() * depths.size() * trials;
        }
    }

    /**
     * One trial: what was hidden, what came out, and the answer's mean negative log-likelihood per token (the key's
     * tokens scored after the question, teacher-forced): a finer signal than exact match, ln 10 ≈ 2.30 per digit
     * for a guess.
     *
     * @param promptTokens tokens of the prompt, question included (the length, or less with {@link Align#NONE})
     */
    public record Trial(long length, double depth, int trial, String key, String output, boolean correct,
                        long needleSegment, long questionSegment, double answerNll, long promptTokens) {
    }

    /** Notified after every chunk streamed (tokens so far) and every trial finished. */
    public interface Listener {
        void onTokens(long tokensDone);

        default void onTrial(Trial trial) {
        }
    }

    private final InfiniModel model;
    private final PasskeyPrompt prompt;
    private final Settings settings;

    public PasskeyEvaluator(InfiniModel model, Settings settings) {
        this.model = model;
        this.settings = settings;
        if (settings.filler() == null) {
            this.prompt = new PasskeyPrompt(model.tokenizer(), model.config().bosTokenId());
        } else {
            String text;
            try {
                text = Files.readString(settings.filler(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the filler " + settings.filler() + ": " + e.getMessage(),
                        e);
            }
            this.prompt = new PasskeyPrompt(model.tokenizer(), model.config().bosTokenId(),
                    PasskeyPrompt.fillerTokens(model.tokenizer(), text));
        }
    }

    /** Runs the grid. */
    public PasskeyReport run(Listener listener) {
        List<Trial> trials = new ArrayList<>();
        long[] done = {0};
        for (long length : settings.lengths()) {
            for (double depth : settings.depths()) {
                for (int t = 0; t < settings.trials(); t++) {
                    String key = key(length, depth, t);
                    Trial trial = runTrial(length, depth, t, key, tokens -> listener.onTokens(done[0] + tokens));
                    done[0] += length;
                    trials.add(trial);
                    listener.onTrial(trial);
                }
            }
        }
        return new PasskeyReport(settings, model.memoryMode().name().toLowerCase(java.util.Locale.ROOT),
                model.segmentLength(), trials);
    }

    /** The key of one trial: a function of the seed and the trial's coordinates only. */
    String key(long length, double depth, int trial) {
        long mixed = settings.seed() * 0x9E3779B97F4A7C15L + length * 31 + Double.hashCode(depth) * 17L + trial;
        return PasskeyPrompt.randomKey(new SplittableRandom(mixed), settings.keyDigits());
    }

    /**
     * Tokens of a trial's prompt: the length given, or with {@link Align#NONE} 1 to N − 1 fewer, drawn from the
     * trial's coordinates like its key.
     */
    long promptLength(long length, double depth, int trial) {
        if (settings.align() == Align.SEGMENT) {
            return length;
        }
        int n = model.segmentLength();
        return length - 1 - coordinates(length, depth, trial, 0x51A7L).nextInt(n - 1);
    }

    /** Where a trial's haystack starts in a filler file (the paper's filler always starts at its beginning). */
    long fillerOffset(long length, double depth, int trial) {
        return settings.filler() == null ? 0
                : coordinates(length, depth, trial, 0xF111L).nextInt(prompt.fillerLength());
    }

    private SplittableRandom coordinates(long length, double depth, int trial, long salt) {
        return new SplittableRandom((settings.seed() * 0x9E3779B97F4A7C15L + length * 31 + Double.hashCode(depth) * 17L
                + trial) ^ salt);
    }

    /** Streams one prompt and decodes the answer. */
    public Trial runTrial(long length, double depth, int trial, String key, java.util.function.LongConsumer progress) {
        PasskeyPrompt.Layout layout = prompt.layout(promptLength(length, depth, trial), depth, key);
        long offset = fillerOffset(length, depth, trial);
        int n = model.segmentLength();
        try (Session session = new Session(model)) {
            int[] buffer = new int[n];
            int[] filled = {0};
            long[] streamed = {0};
            prompt.stream(layout, key, offset, token -> {
                buffer[filled[0]++] = token;
                if (filled[0] == n) {
                    session.append(buffer.clone());
                    streamed[0] += n;
                    filled[0] = 0;
                    progress.accept(streamed[0]);
                }
            });
            if (filled[0] > 0) {
                session.append(java.util.Arrays.copyOf(buffer, filled[0]));
                progress.accept(streamed[0] + filled[0]);
            }
            dev.infini.engine.session.SessionState afterQuestion = session.snapshot();
            GenerationResult result = session.generate(GenerationOptions.greedy(settings.maxNewTokens()),
                    (id, piece) -> { });
            String output = result.text();
            boolean correct = key.equals(PasskeyPrompt.firstInteger(output));
            double nll;
            try (Session scoring = Session.restore(model, afterQuestion)) {
                double[] logProbs = scoring.appendScored(prompt.answer(key));
                nll = -java.util.Arrays.stream(logProbs).average().orElse(Double.NaN);
            }
            return new Trial(length, depth, trial, key, output, correct, layout.needleStart() / n,
                    layout.questionStart() / n, nll, layout.total());
        }
    }
}
