package dev.infini.tools.train;

import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.session.Session;
import dev.infini.tools.eval.OpenData;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * How far general recall has come, through the inference engine: the teacher-forced loss of each kind of
 * {@link RecallData} sequence on its targets. Copy streams of a small alphabet, of the whole vocabulary and of
 * open-list values with periods of 24, 100 and 1.5 N tokens show whether a copy head has formed and how far the
 * curriculum has carried it; a period longer than the segment N (marked "through the memory") leaves local attention
 * nothing to copy from, so only M and z can make those copies. Associative recall, chats of the train part and of
 * the held-out test part, and the passkey over prose score only the answer's value tokens. A copy target a model has
 * learned to copy costs near 0 nats; a guess among the alphabet costs its log size.
 */
public final class RecallProbe {

    /**
     * One kind of sequence: mean nats per target token over {@code targets} targets, or, when a sequence of the length
     * asked cannot hold this kind, no targets and why ({@code skipped}).
     */
    public record Row(String kind, double nll, int targets, String skipped) {
    }

    private final InfiniModel model;
    private final RecallData data;

    public RecallProbe(InfiniModel model, OpenData open, int proseTokens) {
        this.model = model;
        int eos = model.config().eosTokenIds().isEmpty() ? 2 : model.config().eosTokenIds().iterator().next();
        // alphabet 16 at step 0, doubling every step: step 100 is the whole vocabulary
        this.data = new RecallData(model.tokenizer(), model.config().bosTokenId(), eos, model.config().vocabSize(),
                model.segmentLength(), new RecallData.Mix(1, 1, 1, 1, 1, 1f, 1f, 0, 0, 16, 1), open, proseTokens);
    }

    /** Scores {@code n} sequences of {@code length} tokens of every kind. */
    public List<Row> run(int n, int length, long seed) {
        List<Row> rows = new ArrayList<>();
        int segment = model.segmentLength();
        for (int period : IntStream.of(24, 100, segment + segment / 2).distinct().toArray()) {
            String where = period > segment ? " (through the memory)" : "";
            rows.add(score("copy, 16 symbols, period " + period + where, n, seed,
                    r -> copy(data.symbols(r, period, 0), length), false));
            rows.add(score("copy, whole vocabulary, period " + period + where, n, seed,
                    r -> copy(data.symbols(r, period, 100), length), false));
            rows.add(score("copy, open-list values, period " + period + where, n, seed,
                    r -> copy(data.values(r, period), length), false));
        }
        rows.add(score("associative recall, whole vocabulary", n, seed, r -> data.associative(r, length, 100), false));
        rows.add(score("chat, train part (answer value)", n, seed, r -> data.chat(r, length), true));
        rows.add(score("chat, held-out test part (answer value)", n, seed, r -> data.validation(r, length), true));
        rows.add(score("passkey over prose (key)", n, seed, r -> data.passkey(r, length), true));
        return rows;
    }

    /** The stream repeated over the sequence; refused when the sequence cannot hold it twice (no target). */
    private TrainingData.Sample copy(int[] stream, int length) {
        if (length <= stream.length) {
            throw new IllegalArgumentException("a sequence of " + length + " tokens cannot hold a period of "
                    + stream.length + " twice: use longer sequences");
        }
        return data.repeat(stream, length);
    }

    private Row score(String kind, int n, long seed, Function<SplittableRandom, TrainingData.Sample> draw,
                      boolean answerOnly) {
        SplittableRandom random = new SplittableRandom(seed);
        double sum = 0;
        int count = 0;
        for (int i = 0; i < n; i++) {
            TrainingData.Sample s;
            try {
                s = draw.apply(random);
            } catch (IllegalArgumentException tooShort) {
                // e.g. a held-out chat asks three segments after its facts: the other rows still count
                return new Row(kind, Double.NaN, 0, tooShort.getMessage());
            }
            double[] logProbs;
            try (Session session = new Session(model)) {
                session.append(new int[] {s.ids()[0]});
                logProbs = session.appendScored(Arrays.copyOfRange(s.ids(), 1, s.ids().length));
            }
            // logProbs[t] = log p(ids[t + 1] | ids[0..t]), the prediction that weights[t] weighs
            for (int t = 0; t < logProbs.length; t++) {
                boolean target = answerOnly ? t + 1 >= s.answerStart() && t + 1 < s.answerStart() + s.answerLength()
                        : s.weights()[t] > 0;
                if (target) {
                    sum -= logProbs[t];
                    count++;
                }
            }
        }
        return new Row(kind, count == 0 ? Double.NaN : sum / count, count, null);
    }

    /** The rows as a Markdown table. */
    public static String table(List<Row> rows) {
        StringBuilder out = new StringBuilder("| sequences | targets | nats per target | perplexity |\n")
                .append("|---|---:|---:|---:|\n");
        List<String> notes = new ArrayList<>();
        for (Row r : rows) {
            if (r.skipped() != null) {
                notes.add(r.kind() + ": " + r.skipped());
                out.append(String.format(Locale.ROOT, "| %s | 0 | – | – |%n", r.kind()));
            } else {
                out.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %.2f |%n", r.kind(), r.targets(), r.nll(),
                        Math.exp(r.nll())));
            }
        }
        notes.forEach(note -> out.append("\nnot scored: ").append(note).append('\n'));
        return out.toString();
    }
}
