package dev.infini.engine.sampling;

import java.util.List;

/**
 * How tokens are chosen and when generation stops. Immutable; build with {@link #builder()}.
 *
 * @param maxTokens         most tokens to generate (at least 1)
 * @param temperature       0 for greedy argmax; otherwise logits are divided by it
 * @param topK              keep the k most likely tokens (0 keeps all)
 * @param topP              nucleus sampling: keep the smallest set whose probability reaches p (1 keeps all)
 * @param repetitionPenalty CTRL-style penalty (1 is none) on tokens of the open segment and of this generation
 * @param noRepeatNgramSize n > 0: no n tokens in a row may come out twice in this generation (0 is no limit); unlike
 *                          the repetition penalty it leaves the conversation's tokens free to be copied, and stops a
 *                          small model's loops ("Foxbreensekshaixbreensekshaix…")
 * @param seed              random seed, or null for a fresh one per call
 * @param stopStrings       generation ends when the text produced contains one; it is cut from the text
 * @param stopOnEos         whether an end-of-sequence token ends generation
 */
public record GenerationOptions(int maxTokens, double temperature, int topK, double topP, double repetitionPenalty,
                                int noRepeatNgramSize, Long seed, List<String> stopStrings, boolean stopOnEos) {

    public GenerationOptions {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
        }
        if (temperature < 0 || Double.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        if (!(repetitionPenalty > 0)) {
            throw new IllegalArgumentException("repetitionPenalty must be > 0, got " + repetitionPenalty);
        }
        if (noRepeatNgramSize < 0) {
            throw new IllegalArgumentException("noRepeatNgramSize must be >= 0, got " + noRepeatNgramSize);
        }
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        if (stopStrings.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("stop strings must not be empty");
        }
    }

    /** Greedy decoding of at most {@code maxTokens} tokens. */
    public static GenerationOptions greedy(int maxTokens) {
        return builder().maxTokens(maxTokens).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these options. */
    public Builder mutate() {
        return new Builder().maxTokens(maxTokens).temperature(temperature).topK(topK).topP(topP)
                .repetitionPenalty(repetitionPenalty).noRepeatNgramSize(noRepeatNgramSize).seed(seed).stopStrings(stopStrings).stopOnEos(stopOnEos);
    }

    /** Builder of {@link GenerationOptions}; defaults: 256 tokens, greedy, no penalty, no n-gram limit, stop on EOS. */
    public static final class Builder {
        private int maxTokens = 256;
        private double temperature;
        private int topK;
        private double topP = 1.0;
        private double repetitionPenalty = 1.0;
        private int noRepeatNgramSize;
        private Long seed;
        private List<String> stopStrings = List.of();
        private boolean stopOnEos = true;

        private Builder() {
        }

        public Builder maxTokens(int maxTokens) {
            this.maxTokens = maxTokens;
            return this;
        }

        public Builder temperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        public Builder topK(int topK) {
            this.topK = topK;
            return this;
        }

        public Builder topP(double topP) {
            this.topP = topP;
            return this;
        }

        public Builder repetitionPenalty(double repetitionPenalty) {
            this.repetitionPenalty = repetitionPenalty;
            return this;
        }

        public Builder noRepeatNgramSize(int noRepeatNgramSize) {
            this.noRepeatNgramSize = noRepeatNgramSize;
            return this;
        }

        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        public Builder stopStrings(List<String> stopStrings) {
            this.stopStrings = stopStrings;
            return this;
        }

        public Builder stopOnEos(boolean stopOnEos) {
            this.stopOnEos = stopOnEos;
            return this;
        }

        public GenerationOptions build() {
            return new GenerationOptions(maxTokens, temperature, topK, topP, repetitionPenalty, noRepeatNgramSize, seed,
                    stopStrings, stopOnEos);
        }
    }
}
