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
    void withoutRedisTheStoreIsInProcess() {
        withoutRedis.withPropertyValues(MODEL).run(ctx -> {
            assertThat(ctx.getBean(ConversationStore.class)).isInstanceOf(InMemoryConversationStore.class);
            assertThat(ctx.getBean(InfiniHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
        });
    }

    @Test
    void aRedisConnectionFactoryMakesTheStoreRedis() {
        withRedis.withPropertyValues(MODEL, "infini.store.key-prefix=app:").run(ctx -> {
            assertThat(ctx.getBean(ConversationStore.class)).isInstanceOf(RedisConversationStore.class);
            assertThat(((RedisConversationStore) ctx.getBean(ConversationStore.class)).stateKey("x"))
                    .isEqualTo("app:c:x");
        });
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
