package dev.infini.sample.chat;

import dev.infini.sample.config.SampleProperties;
import dev.infini.spring.InfiniChatOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * Runs one short stateless turn before the app reports ready: the engine's first forward pass is several times
 * slower than the next ones (native code loading, allocation), and without this the first person to write would
 * wait for it and the latency chart would start with a spike. Off with {@code infini.sample.warm-up=false}.
 */
@Component
class WarmUp implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(WarmUp.class);

    private final ChatModel chatModel;
    private final SampleProperties properties;

    WarmUp(ChatModel chatModel, SampleProperties properties) {
        this.chatModel = chatModel;
        this.properties = properties;
    }

    @Override
    public void run(ApplicationArguments args) {
        if (!properties.warmUp()) {
            return;
        }
        long start = System.nanoTime();
        try {
            // No conversation id: a stateless one-off that stores nothing.
            chatModel.call(new Prompt("Hello", InfiniChatOptions.builder()
                    .maxTokens(Math.min(8, properties.maxReplyTokens())).build()));
        } catch (RuntimeException e) {
            // A model that cannot answer "Hello" cannot serve anyone: stop now, saying so.
            throw new IllegalStateException("The model failed its warm-up turn, so it cannot answer messages: " + e
                    + " (infini.sample.warm-up=false skips the warm-up)", e);
        }
        log.info("Model warmed up in {} ms", (System.nanoTime() - start) / 1_000_000);
    }
}
