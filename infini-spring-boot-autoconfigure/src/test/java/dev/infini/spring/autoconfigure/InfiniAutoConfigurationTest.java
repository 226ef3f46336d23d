package dev.infini.spring.autoconfigure;

import dev.infini.engine.model.InfiniModel;
import dev.infini.spring.InfiniChatModel;
import dev.infini.spring.InfiniChatTemplate;
import dev.infini.spring.InfiniConversationAdvisor;
import dev.infini.spring.InfiniConversations;
import dev.infini.spring.support.SharedModels;
import dev.infini.spring.store.ConversationStore;
import dev.infini.spring.store.FileConversationStore;
import dev.infini.spring.store.InMemoryConversationStore;
import dev.infini.spring.store.RedisConversationStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClientCustomizer;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import dev.infini.spring.InfiniChatOptions;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.ai.chat.memory.InMemoryChatMemoryRepository;
import org.springframework.ai.tool.function.FunctionToolCallback;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.content.Media;
import org.springframework.util.MimeTypeUtils;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;

class InfiniAutoConfigurationTest {

    private final ApplicationContextRunner withoutRedis = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InfiniAutoConfiguration.class));

    private final ApplicationContextRunner withRedis = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, InfiniAutoConfiguration.class));

    private static final String MODEL = "infini.model.path=" + SharedModels.stories260k();

    @Test
    void withoutAModelPathNothingIsConfigured() {
        withRedis.run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).doesNotHaveBean(InfiniModel.class);
            assertThat(ctx).doesNotHaveBean(InfiniChatModel.class);
            assertThat(ctx).doesNotHaveBean(ConversationStore.class);
        });
    }

    @Test
    void aModelPathConfiguresTheChatModelAndItsCollaborators() {
        withoutRedis.withPropertyValues(MODEL).run(ctx -> {
            assertThat(ctx).hasSingleBean(InfiniModel.class);
            assertThat(ctx).hasSingleBean(InfiniChatTemplate.class);
            assertThat(ctx).hasSingleBean(InfiniConversations.class);
            assertThat(ctx).hasSingleBean(InfiniChatModel.class);
            assertThat(ctx).hasSingleBean(InfiniConversationAdvisor.class);
            assertThat(ctx).hasSingleBean(ChatClientCustomizer.class);
            assertThat(ctx).hasSingleBean(InfiniHealthIndicator.class);
        });
    }

    @Test
    void theThreadsPropertySetsPyTorchsIntraOpThreads() {
        withoutRedis.withPropertyValues(MODEL, "infini.model.threads=1").run(ctx -> {
            assertThat(ctx).hasSingleBean(InfiniModel.class);
            assertThat(ai.djl.pytorch.jni.JniUtils.getNumThreads()).isEqualTo(1);
        });
    }

    @Test
    void theDecodeWeightsPropertyChoosesHowDecodeHoldsTheWeightsFloat32ByDefault() {
        withoutRedis.withPropertyValues(MODEL, "infini.model.device=cpu").run(ctx ->
                assertThat(ctx.getBean(InfiniModel.class).decodeWeights())
                        .isEqualTo(dev.infini.engine.config.WeightFormat.F32));
        withoutRedis.withPropertyValues(MODEL, "infini.model.device=cpu", "infini.model.decode-weights=bf16").run(ctx ->
                assertThat(ctx.getBean(InfiniModel.class).decodeWeights())
                        .isEqualTo(dev.infini.engine.config.WeightFormat.BF16));
        withoutRedis.withPropertyValues(MODEL, "infini.model.decode-weights=q4").run(ctx ->
                assertThat(ctx).hasFailed());
    }

    @Test
    void withoutRedisTheStoreIsInProcess() {
        withoutRedis.withPropertyValues(MODEL).run(ctx -> {
            assertThat(ctx.getBean(ConversationStore.class)).isInstanceOf(InMemoryConversationStore.class);
            assertThat(ctx.getBean(InfiniHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
        });
    }

    @Test
    void aConnectionFactoryAloneDoesNotMakeTheStoreRedis() {
        // Spring Data Redis comes with the starter and Boot always makes a factory for localhost: that is no choice
        withRedis.withPropertyValues(MODEL).run(ctx ->
                assertThat(ctx.getBean(ConversationStore.class)).isInstanceOf(InMemoryConversationStore.class));
    }

    @Test
    void redisSettingsMakeTheStoreRedis() {
        for (String setting : java.util.List.of("spring.data.redis.host=localhost",
                "spring.data.redis.url=redis://localhost:6379", "spring.data.redis.cluster.nodes=localhost:7000",
                "spring.data.redis.sentinel.master=main,spring.data.redis.sentinel.nodes=localhost:26379")) {
            withRedis.withPropertyValues(MODEL).withPropertyValues(setting.split(",")).run(ctx ->
                    assertThat(ctx.getBean(ConversationStore.class)).as(setting)
                            .isInstanceOf(RedisConversationStore.class));
        }
        withRedis.withPropertyValues(MODEL, "infini.store.type=redis").run(ctx ->
                assertThat(ctx.getBean(ConversationStore.class)).isInstanceOf(RedisConversationStore.class));
        withRedis.withPropertyValues(MODEL, "spring.data.redis.host=localhost", "infini.store.key-prefix=app:")
                .run(ctx -> {
            assertThat(ctx.getBean(ConversationStore.class)).isInstanceOf(RedisConversationStore.class);
            assertThat(((RedisConversationStore) ctx.getBean(ConversationStore.class)).stateKey("x"))
                    .isEqualTo("app:c:x");
        });
    }

    @Test
    void connectionDetailsOfTheApplicationsOwnMakeTheStoreRedis() {
        // what @ServiceConnection on a Testcontainers container, or Docker Compose support, registers
        withRedis.withPropertyValues(MODEL).withBean("containerRedis", DataRedisConnectionDetails.class,
                () -> new DataRedisConnectionDetails() {
                    @Override
                    public Standalone getStandalone() {
                        return Standalone.of("localhost", 6379);
                    }
                }).run(ctx -> assertThat(ctx.getBean(ConversationStore.class))
                .isInstanceOf(RedisConversationStore.class));
    }

    @Test
    void theStoreTypeOverridesTheChoice(@TempDir Path dir) {
        withRedis.withPropertyValues(MODEL, "infini.store.type=memory").run(ctx ->
                assertThat(ctx.getBean(ConversationStore.class)).isInstanceOf(InMemoryConversationStore.class));
        withRedis.withPropertyValues(MODEL, "infini.store.type=file", "infini.store.directory=" + dir).run(ctx -> {
            assertThat(ctx.getBean(ConversationStore.class)).isInstanceOf(FileConversationStore.class);
            assertThat(((FileConversationStore) ctx.getBean(ConversationStore.class)).directory()).isEqualTo(dir);
        });
    }

    @Test
    void theFallbackStoreAppliesOnlyWithoutRedis(@TempDir Path dir) {
        withRedis.withPropertyValues(MODEL, "infini.store.fallback=file", "infini.store.directory=" + dir).run(ctx -> {
            assertThat(ctx.getBean(ConversationStore.class)).isInstanceOf(FileConversationStore.class);
            assertThat(((FileConversationStore) ctx.getBean(ConversationStore.class)).directory()).isEqualTo(dir);
        });
        withRedis.withPropertyValues(MODEL, "infini.store.fallback=file", "spring.data.redis.host=localhost").run(ctx ->
                assertThat(ctx.getBean(ConversationStore.class)).isInstanceOf(RedisConversationStore.class));
        withRedis.withPropertyValues(MODEL, "infini.store.fallback=file", "infini.store.type=memory").run(ctx ->
                assertThat(ctx.getBean(ConversationStore.class)).isInstanceOf(InMemoryConversationStore.class));
        withRedis.withPropertyValues(MODEL, "infini.store.fallback=redis").run(ctx ->
                assertThat(ctx).getFailure().rootCause().hasMessageContaining("memory or file, not redis"));
    }

    @Test
    void relativePathsAreResolvedFromTheWorkingDirectory() {
        Path model = SharedModels.stories260k();
        Path relative = Path.of("").toAbsolutePath().relativize(model);
        assertThat(relative.toString()).startsWith("..");
        withoutRedis.withPropertyValues("infini.model.path=" + relative, "infini.store.type=file",
                "infini.store.directory=target/../target/conversations").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(((FileConversationStore) ctx.getBean(ConversationStore.class)).directory())
                    .isEqualTo(Path.of("target", "conversations").toAbsolutePath());
        });
    }

    @Test
    void springAiModelChatSelectsTheProvider() {
        withoutRedis.withPropertyValues(MODEL, "spring.ai.model.chat=openai").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).doesNotHaveBean(InfiniChatModel.class).doesNotHaveBean(InfiniModel.class);
        });
        withoutRedis.withPropertyValues(MODEL, "spring.ai.model.chat=infini").run(ctx ->
                assertThat(ctx).hasSingleBean(InfiniChatModel.class));
    }

    @Test
    void theHealthIndicatorCanBeSwitchedOff() {
        withoutRedis.withPropertyValues(MODEL, "management.health.infini.enabled=false").run(ctx ->
                assertThat(ctx).doesNotHaveBean(InfiniHealthIndicator.class));
    }

    @Test
    void springAisChatClientBuilderIsInjectableAndRemembersThroughTheConversationId() {
        withoutRedis.withConfiguration(AutoConfigurations.of(
                        ChatClientAutoConfiguration.class))
                .withPropertyValues(MODEL, "infini.chat.max-tokens=8").run(ctx -> {
                    ChatClient chat = ctx.getBean(ChatClient.Builder.class).build();
                    chat.prompt().user("Once upon a time")
                            .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "through-the-builder")).call()
                            .content();
                    InfiniConversations conversations = ctx.getBean(InfiniConversations.class);
                    long first = conversations.stats("through-the-builder").orElseThrow().tokensSeen();
                    chat.prompt().user("And then?")
                            .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "through-the-builder")).call()
                            .content();
                    assertThat(conversations.stats("through-the-builder").orElseThrow().tokensSeen())
                            .isGreaterThan(first);
                });
    }

    @Test
    void aTranscriptIsKeptForDisplayOnlyWhenAskedAndDeletedWithTheConversation() {
        withoutRedis.withPropertyValues(MODEL).run(ctx ->
                assertThat(ctx.getBean(InfiniConversations.class).keepsTranscript()).isFalse());
        withoutRedis.withPropertyValues(MODEL, "infini.conversation.transcript=true").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).rootCause().hasMessageContaining("ChatMemoryRepository");
        });
        withoutRedis.withPropertyValues(MODEL, "infini.conversation.transcript=true", "infini.chat.max-tokens=6")
                .withBean(InMemoryChatMemoryRepository.class).run(ctx -> {
                    InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
                    InfiniConversations conversations = ctx.getBean(InfiniConversations.class);
                    String first = model.call(new Prompt("Once upon a time",
                            InfiniChatOptions.builder().conversationId("told").build())).getResult().getOutput()
                            .getText();
                    model.call(new Prompt("And then?", InfiniChatOptions.builder().conversationId("told").build()));
                    var messages = conversations.transcript("told");
                    assertThat(messages).extracting(m -> m.getMessageType().getValue())
                            .containsExactly("user", "assistant", "user", "assistant");
                    assertThat(messages.get(0).getText()).isEqualTo("Once upon a time");
                    assertThat(messages.get(1).getText()).isEqualTo(first);
                    assertThat(messages.get(2).getText()).isEqualTo("And then?");
                    conversations.delete("told");
                    assertThat(conversations.transcript("told")).isEmpty();
                    assertThat(ctx.getBean(InMemoryChatMemoryRepository.class).findConversationIds()).isEmpty();
                });
    }

    @Test
    void toolCallbacksAndMediaAreRefusedAndAStatelessCallIsMarked() {
        withoutRedis.withPropertyValues(MODEL, "infini.chat.max-tokens=4").run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            var tool = FunctionToolCallback
                    .builder("echo", (String text) -> text).inputType(String.class).description("echoes").build();
            var withTools = ToolCallingChatOptions.builder().toolCallbacks(tool)
                    .build();
            assertThatThrownBy(() -> model.call(
                            new Prompt("Hello", withTools)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tool");
            var picture = Media.builder()
                    .mimeType(MimeTypeUtils.IMAGE_PNG).data(new byte[] {1, 2, 3}).build();
            var withMedia = UserMessage.builder().text("What is this?")
                    .media(picture).build();
            assertThatThrownBy(() -> model.call(
                            new Prompt(withMedia)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("media");

            var stateless = model.call(new Prompt("Once upon a time"));
            assertThat((Boolean) stateless.getMetadata().get(InfiniChatModel.STATELESS)).isTrue();
            assertThat(stateless.getMetadata().getModel()).isEqualTo("stories260k");
            assertThat(ctx.getBean(InfiniConversations.class).conversationIds()).isEmpty();
        });
    }

    @Test
    void defaultOptionsComeFromThePropertiesThenGenerationConfigThenGreedy(@TempDir Path dir) throws Exception {
        withoutRedis.withPropertyValues(MODEL).run(ctx -> {
            InfiniChatOptions options = (InfiniChatOptions) ctx.getBean(InfiniChatModel.class).getOptions();
            assertThat(options.getModel()).isEqualTo("stories260k");
            assertThat(options.getTemperature()).isZero();
            assertThat(options.getTopK()).isZero();
            assertThat(options.getTopP()).isEqualTo(1.0);
            assertThat(options.getRepetitionPenalty()).isEqualTo(1.0);
            assertThat(options.getNoRepeatNgramSize()).isZero();
            assertThat(options.getMaxTokens()).isEqualTo(256);
        });
        Path checkpoint = dir.resolve("sampled-model");
        Files.createDirectories(checkpoint);
        try (var files = Files.list(SharedModels.stories260k())) {
            for (Path f : files.toList()) {
                Files.copy(f, checkpoint.resolve(f.getFileName()));
            }
        }
        Files.writeString(checkpoint.resolve("generation_config.json"),
                "{\"do_sample\": true, \"temperature\": 0.8, \"top_k\": 20, \"max_new_tokens\": 64,"
                        + " \"no_repeat_ngram_size\": 4}");
        withoutRedis.withPropertyValues("infini.model.path=" + checkpoint, "infini.chat.top-k=5").run(ctx -> {
            InfiniChatOptions options = ctx.getBean(InfiniChatOptions.class);
            assertThat(ctx.getBean(InfiniChatModel.class).getOptions()).isSameAs(options);
            assertThat(options.getModel()).isEqualTo("sampled-model");
            assertThat(options.getTemperature()).isEqualTo(0.8);
            assertThat(options.getTopK()).as("the property wins").isEqualTo(5);
            assertThat(options.getMaxTokens()).isEqualTo(64);
            assertThat(options.getTopP()).isEqualTo(1.0);
            assertThat(options.getNoRepeatNgramSize()).isEqualTo(4);
        });
        withoutRedis.withPropertyValues("infini.model.path=" + checkpoint, "infini.chat.no-repeat-ngram-size=0")
                .run(ctx -> assertThat(ctx.getBean(InfiniChatOptions.class).getNoRepeatNgramSize()).isZero());
    }

    @Test
    void redisChosenWithoutAConnectionFactoryFailsWithAClearMessage() {
        withoutRedis.withPropertyValues(MODEL, "infini.store.type=redis").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).rootCause().hasMessageContaining("RedisConnectionFactory");
        });
    }

    @Test
    void applicationBeansTakePrecedence() {
        withRedis.withPropertyValues(MODEL).withUserConfiguration(OwnBeans.class).run(ctx -> {
            assertThat(ctx.getBean(ConversationStore.class)).isSameAs(ctx.getBean(OwnBeans.class).store);
            assertThat(ctx).hasSingleBean(InfiniConversationAdvisor.class);
            assertThat(ctx).getBean("ownAdvisor").isSameAs(ctx.getBean(InfiniConversationAdvisor.class));
        });
    }

    @Test
    void anApplicationChatModelHealthIndicatorOrTemplateReplacesOurs() {
        withoutRedis.withPropertyValues(MODEL).withUserConfiguration(OwnChatModel.class).run(ctx -> {
            assertThat(ctx).hasSingleBean(InfiniChatModel.class);
            assertThat(ctx).hasBean("ownChatModel").doesNotHaveBean("infiniChatModel");
            assertThat(ctx.getBean("infiniHealthIndicator")).isInstanceOf(String.class);
            assertThat(ctx.getBean(InfiniChatTemplate.class).source()).isEqualTo("{{ messages[0]['content'] }}");
        });
    }

    @Test
    void anApplicationModelBeanIsUsedWithoutAPath() {
        withoutRedis.withUserConfiguration(OwnModel.class).run(ctx -> {
            assertThat(ctx).hasSingleBean(InfiniChatModel.class);
            assertThat(ctx.getBean(InfiniChatModel.class).conversations().model())
                    .isSameAs(ctx.getBean(InfiniModel.class));
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnBeans {
        final ConversationStore store = new InMemoryConversationStore(Duration.ZERO);

        @Bean
        ConversationStore ownStore() {
            return store;
        }

        @Bean
        InfiniConversationAdvisor ownAdvisor() {
            return new InfiniConversationAdvisor();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnChatModel {
        @Bean
        InfiniChatModel ownChatModel(InfiniConversations conversations) {
            return InfiniChatModel.builder().conversations(conversations).build();
        }

        @Bean
        String infiniHealthIndicator() {
            return "the application's own";
        }

        @Bean
        InfiniChatTemplate ownTemplate(InfiniModel model) {
            return new InfiniChatTemplate("{{ messages[0]['content'] }}", model.tokenizer(), null, "</s>",
                    java.util.List.of());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnModel {
        @Bean(destroyMethod = "close")
        InfiniModel ownModel() {
            return InfiniModel.load(SharedModels.stories260k());
        }
    }
}
