package dev.infini.sample.config;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the sample app ({@code infini.sample.*}).
 *
 * @param apiKeys        API keys accepted in the {@code X-API-Key} header; empty (the default) leaves the API open.
 *                       A conversation belongs to the key that created it: other keys get 404 on it.
 * @param maxMessageChars the longest user message accepted, in characters; longer ones get 413
 * @param maxReplyTokens  the most tokens one reply may generate
 * @param latencyHistory  how many recent turn latencies each conversation keeps for the memory panel's chart
 * @param systemPrompt    a system message that starts every new conversation (the default model was trained with
 *                        the default one); empty for none
 * @param warmUp          run one short stateless turn at startup, so the first visitor does not wait for the
 *                        engine's slow first pass
 */
@ConfigurationProperties("infini.sample")
public record SampleProperties(
        @DefaultValue List<String> apiKeys,
        @DefaultValue("4000") int maxMessageChars,
        @DefaultValue("200") int maxReplyTokens,
        @DefaultValue("60") int latencyHistory,
        @DefaultValue("You are a helpful assistant.") String systemPrompt,
        @DefaultValue("true") boolean warmUp) {

    public SampleProperties {
        apiKeys = apiKeys.stream().map(String::strip).filter(k -> !k.isEmpty()).toList();
        if (maxMessageChars < 1) {
            throw new IllegalArgumentException("infini.sample.max-message-chars must be at least 1, got " + maxMessageChars);
        }
        if (maxReplyTokens < 1) {
            throw new IllegalArgumentException("infini.sample.max-reply-tokens must be at least 1, got " + maxReplyTokens);
        }
        if (latencyHistory < 1) {
            throw new IllegalArgumentException("infini.sample.latency-history must be at least 1, got " + latencyHistory);
        }
    }

    /** Whether requests to the API must carry a key. */
    public boolean apiKeyRequired() {
        return !apiKeys.isEmpty();
    }
}
