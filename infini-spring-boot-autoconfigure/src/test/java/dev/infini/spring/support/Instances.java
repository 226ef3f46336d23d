package dev.infini.spring.support;

import dev.infini.spring.InfiniChatModel;
import dev.infini.spring.InfiniChatOptions;
import dev.infini.spring.autoconfigure.InfiniAutoConfiguration;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.util.ArrayList;
import java.util.List;

/** Application contexts ("instances") of the starter on stories260k, sharing one real Redis. */
public final class Instances {

    /** User turns that the tests play. */
    public static final List<String> TURNS = List.of("Tell me a story about a cat.", "What did the cat see?",
            "Was the dog happy?", "Where did they go?", "What happened at the end?");

    private Instances() {
    }

    /**
     * An instance with greedy decoding, segments of 32 tokens and the memory switched on (gate 0), so that a few
     * turns fold segments into memory.
     */
    public static ApplicationContextRunner onRedis(RealRedis redis, String keyPrefix, String... more) {
        List<String> properties = new ArrayList<>(List.of(
                "infini.model.path=" + SharedModels.stories260k(),
                "infini.model.device=cpu",
                "infini.model.threads=1",
                "infini.model.segment-length=32",
                "infini.model.gate-init=0",
                "infini.chat.temperature=0",
                "infini.chat.repetition-penalty=1",
                "infini.chat.max-tokens=20",
                "infini.store.key-prefix=" + keyPrefix,
                "spring.data.redis.host=" + redis.host(),
                "spring.data.redis.port=" + redis.port(),
                "spring.data.redis.timeout=2s",
                "spring.data.redis.connect-timeout=2s"));
        properties.addAll(List.of(more));
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
                        InfiniAutoConfiguration.class))
                .withPropertyValues(properties.toArray(String[]::new));
    }

    /** One user turn of a conversation. */
    public static ChatResponse say(InfiniChatModel model, String conversationId, String text) {
        return model.call(new Prompt(new UserMessage(text),
                InfiniChatOptions.builder().conversationId(conversationId).build()));
    }

    /** The reply text of a response. */
    public static String text(ChatResponse response) {
        return response.getResult().getOutput().getText();
    }
}
