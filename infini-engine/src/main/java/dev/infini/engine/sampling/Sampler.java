package dev.infini.engine.sampling;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Chooses the next token from logits: repetition penalty and the n-gram limit, then greedy argmax (temperature 0) or
 * temperature, top-k and top-p sampling. Runs in Java on the logits vector, which costs microseconds next to the forward pass.
 */
public final class Sampler {

    private final GenerationOptions options;
    private final SplittableRandom random;

    public Sampler(GenerationOptions options) {
        this.options = options;
        this.random = new SplittableRandom(options.seed() != null ? options.seed() : new Random().nextLong());
    }

    /**
     * @param logits    the model's logits for the next position (not modified)
     * @param context   recent tokens of the open segment, for the repetition penalty
     * @param generated tokens generated so far in this call, also penalized
     */
    public int sample(float[] logits, int[] context, List<Integer> generated) {
        float[] l = logits.clone();
        if (options.repetitionPenalty() != 1.0) {
            boolean[] seen = new boolean[l.length];
            for (int id : context) {
                seen[id] = true;
            }
            for (int id : generated) {
                seen[id] = true;
            }
            float penalty = (float) options.repetitionPenalty();
            for (int i = 0; i < l.length; i++) {
                if (seen[i]) {
                    // CTRL (Keskar et al., 2019): shrink positive logits, push negative ones further down.
                    l[i] = l[i] > 0 ? l[i] / penalty : l[i] * penalty;
                }
            }
        }
        banRepeatedNgrams(l, generated);
        if (options.temperature() == 0) {
            return argmax(l);
        }
        Integer[] order = new Integer[l.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        final float[] scaled = l;
        Arrays.sort(order, (a, b) -> Float.compare(scaled[b], scaled[a]));
        int keep = options.topK() > 0 ? Math.min(options.topK(), order.length) : order.length;
        double max = scaled[order[0]];
        double[] p = new double[keep];
        double total = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp((scaled[order[i]] - max) / options.temperature());
            total += p[i];
        }
        if (options.topP() < 1.0) {
            double cumulative = 0;
            int cut = keep;
            for (int i = 0; i < keep; i++) {
                cumulative += p[i] / total;
                if (cumulative >= options.topP()) {
                    cut = i + 1;
                    break;
                }
            }
            keep = cut;
            total = 0;
            for (int i = 0; i < keep; i++) {
                total += p[i];
            }
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            r -= p[i];
            if (r <= 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    /**
     * Rules out every token that would end an n-gram already generated: where the last n − 1 tokens occurred before,
     * the token that followed them then.
     */
    private void banRepeatedNgrams(float[] logits, List<Integer> generated) {
        int n = options.noRepeatNgramSize();
        int size = generated.size();
        if (n == 0 || size < n - 1) {
            return;
        }
        for (int start = 0; start + n - 1 < size; start++) { // n-grams generated[start .. start + n - 1]
            boolean same = true;
            for (int j = 0; j < n - 1 && same; j++) {
                same = generated.get(start + j).equals(generated.get(size - n + 1 + j));
            }
            if (same) {
                logits[generated.get(start + n - 1)] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** Index of the largest logit; the lowest index wins ties, so greedy decoding is deterministic. */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** log softmax(logits)[target], computed in double precision. */
    public static double logSoftmax(float[] logits, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        return logits[target] - max - Math.log(sum);
    }
}
