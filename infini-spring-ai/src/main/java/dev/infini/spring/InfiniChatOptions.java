package dev.infini.spring;

import dev.infini.engine.sampling.GenerationOptions;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.DefaultChatOptionsBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Options of one {@link InfiniChatModel} call: the conversation it belongs to and how tokens are sampled. Immutable;
 * build with {@link #builder()}, derive with {@link #mutate()}. Unset values fall back to the model's defaults
 * ({@code infini.chat.*}); a call without a {@linkplain #getConversationId() conversation id} is a stateless one-off.
 * <p>
 * Of Spring AI's portable options, {@code maxTokens}, {@code temperature}, {@code topK}, {@code topP} and
 * {@code stopSequences} are honoured; {@code frequencyPenalty} and {@code presencePenalty} have no equivalent in the
 * engine and are ignored ({@link #getRepetitionPenalty()} is the engine's penalty, {@link #getNoRepeatNgramSize()}
 * its limit on repeated n-grams within a reply).
 */
public final class InfiniChatOptions implements ChatOptions {

    private final String model;
    private final Integer maxTokens;
    private final Double temperature;
    private final Integer topK;
    private final Double topP;
    private final List<String> stopSequences;
    private final Double frequencyPenalty;
    private final Double presencePenalty;
    private final String conversationId;
    private final Double repetitionPenalty;
    private final Integer noRepeatNgramSize;
    private final Long seed;

    private InfiniChatOptions(Builder b) {
        this.model = b.model();
        this.maxTokens = b.maxTokens();
        this.temperature = b.temperature();
        this.topK = b.topK();
        this.topP = b.topP();
        this.stopSequences = b.stopSequences() == null ? null : List.copyOf(b.stopSequences());
        this.frequencyPenalty = b.frequencyPenalty();
        this.presencePenalty = b.presencePenalty();
        this.conversationId = b.conversationId;
        this.repetitionPenalty = b.repetitionPenalty;
        this.noRepeatNgramSize = b.noRepeatNgramSize;
        this.seed = b.seed;
    }

    /** A builder with every value unset. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options carrying the portable values of any {@link ChatOptions} (and our own, if they are ours). */
    public static InfiniChatOptions from(ChatOptions options) {
        if (options instanceof InfiniChatOptions infini) {
            return infini;
        }
        Builder builder = builder();
        if (options != null) {
            builder.combineWith(options.mutate());
        }
        return builder.build();
    }

    @Override
    public Builder mutate() {
        Builder b = builder().conversationId(conversationId).repetitionPenalty(repetitionPenalty)
                .noRepeatNgramSize(noRepeatNgramSize).seed(seed);
        b.model(model).maxTokens(maxTokens).temperature(temperature).topK(topK).topP(topP)
                .stopSequences(stopSequences).frequencyPenalty(frequencyPenalty).presencePenalty(presencePenalty);
        return b;
    }

    /**
     * The engine's generation options: these values, with every unset one taken from {@code defaults}. Stop
     * sequences are added to the defaults' stop strings (the chat template's own stop strings must stay).
     */
    public GenerationOptions toGenerationOptions(GenerationOptions defaults) {
        GenerationOptions.Builder b = defaults.mutate();
        if (maxTokens != null) {
            b.maxTokens(maxTokens);
        }
        if (temperature != null) {
            b.temperature(temperature);
        }
        if (topK != null) {
            b.topK(topK);
        }
        if (topP != null) {
            b.topP(topP);
        }
        if (repetitionPenalty != null) {
            b.repetitionPenalty(repetitionPenalty);
        }
        if (noRepeatNgramSize != null) {
            b.noRepeatNgramSize(noRepeatNgramSize);
        }
        if (seed != null) {
            b.seed(seed);
        }
        if (stopSequences != null && !stopSequences.isEmpty()) {
            List<String> stops = new ArrayList<>(defaults.stopStrings());
            stopSequences.stream().filter(s -> !stops.contains(s)).forEach(stops::add);
            b.stopStrings(stops);
        }
        return b.build();
    }

    /** The conversation this call continues, or null for a stateless call. */
    public String getConversationId() {
        return conversationId;
    }

    /** CTRL-style repetition penalty (1 is none), or null for the default. */
    public Double getRepetitionPenalty() {
        return repetitionPenalty;
    }

    /** No this many tokens in a row twice within one reply (0 is no limit), or null for the default. */
    public Integer getNoRepeatNgramSize() {
        return noRepeatNgramSize;
    }

    /** Random seed for sampling, or null for the default (a fresh one per call unless configured). */
    public Long getSeed() {
        return seed;
    }

    @Override
    public String getModel() {
        return model;
    }

    @Override
    public Double getFrequencyPenalty() {
        return frequencyPenalty;
    }

    @Override
    public Integer getMaxTokens() {
        return maxTokens;
    }

    @Override
    public Double getPresencePenalty() {
        return presencePenalty;
    }

    @Override
    public List<String> getStopSequences() {
        return stopSequences;
    }

    @Override
    public Double getTemperature() {
        return temperature;
    }

    @Override
    public Integer getTopK() {
        return topK;
    }

    @Override
    public Double getTopP() {
        return topP;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InfiniChatOptions that && Objects.equals(model, that.model)
                && Objects.equals(maxTokens, that.maxTokens) && Objects.equals(temperature, that.temperature)
                && Objects.equals(topK, that.topK) && Objects.equals(topP, that.topP)
                && Objects.equals(stopSequences, that.stopSequences)
                && Objects.equals(frequencyPenalty, that.frequencyPenalty)
                && Objects.equals(presencePenalty, that.presencePenalty)
                && Objects.equals(conversationId, that.conversationId)
                && Objects.equals(repetitionPenalty, that.repetitionPenalty)
                && Objects.equals(noRepeatNgramSize, that.noRepeatNgramSize) && Objects.equals(seed, that.seed);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, maxTokens, temperature, topK, topP, stopSequences, frequencyPenalty,
                presencePenalty, conversationId, repetitionPenalty, noRepeatNgramSize, seed);
    }

    @Override
    public String toString() {
        return "InfiniChatOptions{conversationId=" + conversationId + ", maxTokens=" + maxTokens + ", temperature="
                + temperature + ", topK=" + topK + ", topP=" + topP + ", repetitionPenalty=" + repetitionPenalty
                + ", noRepeatNgramSize=" + noRepeatNgramSize + ", seed=" + seed + ", stopSequences=" + stopSequences + "}";
    }

    /** Builder of {@link InfiniChatOptions}; Spring AI's portable setters plus the Infini ones. */
    public static final class Builder extends DefaultChatOptionsBuilder<Builder> {

        private String conversationId;
        private Double repetitionPenalty;
        private Integer noRepeatNgramSize;
        private Long seed;

        private Builder() {
        }

        /** The conversation to continue; null makes the call stateless. */
        public Builder conversationId(String conversationId) {
            this.conversationId = conversationId;
            return this;
        }

        /** CTRL-style repetition penalty (1 is none). */
        public Builder repetitionPenalty(Double repetitionPenalty) {
            this.repetitionPenalty = repetitionPenalty;
            return this;
        }

        /** No this many tokens in a row twice within one reply (0 is no limit). */
        public Builder noRepeatNgramSize(Integer noRepeatNgramSize) {
            this.noRepeatNgramSize = noRepeatNgramSize;
            return this;
        }

        /** Random seed for sampling. */
        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        /** Takes every non-null value of {@code other}, the Infini ones too when it is one of ours. */
        @Override
        public Builder combineWith(ChatOptions.Builder<?> other) {
            super.combineWith(other);
            if (other instanceof Builder that) {
                if (that.conversationId != null) {
                    this.conversationId = that.conversationId;
                }
                if (that.repetitionPenalty != null) {
                    this.repetitionPenalty = that.repetitionPenalty;
                }
                if (that.noRepeatNgramSize != null) {
                    this.noRepeatNgramSize = that.noRepeatNgramSize;
                }
                if (that.seed != null) {
                    this.seed = that.seed;
                }
            }
            return this;
        }

        String model() {
            return model;
        }

        Integer maxTokens() {
            return maxTokens;
        }

        Double temperature() {
            return temperature;
        }

        Integer topK() {
            return topK;
        }

        Double topP() {
            return topP;
        }

        List<String> stopSequences() {
            return stopSequences;
        }

        Double frequencyPenalty() {
            return frequencyPenalty;
        }

        Double presencePenalty() {
            return presencePenalty;
        }

        @Override
        public InfiniChatOptions build() {
            return new InfiniChatOptions(this);
        }
    }
}
