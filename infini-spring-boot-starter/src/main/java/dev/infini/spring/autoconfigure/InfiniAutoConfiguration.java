package dev.infini.spring.autoconfigure;

import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.kernels.TorchThreads;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.spring.InfiniChatModel;
import dev.infini.spring.InfiniChatOptions;
import dev.infini.spring.InfiniChatTemplate;
import dev.infini.spring.InfiniConversationAdvisor;
import dev.infini.spring.InfiniConversations;
import dev.infini.spring.store.ConversationStore;
import dev.infini.spring.store.FileConversationStore;
import dev.infini.spring.store.InMemoryConversationStore;
import dev.infini.spring.store.RedisConversationStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.ai.chat.client.ChatClientCustomizer;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import java.time.Duration;

/**
 * Auto-configures an Infini {@link InfiniChatModel} when {@code infini.model.path} is set (or an
 * {@link InfiniModel} bean exists): the model, its chat template, a {@link ConversationStore} (Redis when a
 * {@link RedisConnectionFactory} exists, else in-process; {@code infini.store.type} chooses), the
 * {@link InfiniConversations} service, the {@link InfiniConversationAdvisor} (added to the auto-configured
 * {@code ChatClient.Builder}) and a health indicator. Every bean backs off when the application defines its own.
 */
// after Boot's Redis auto-configuration: the store choice looks for its RedisConnectionFactory
@AutoConfiguration(afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnClass(InfiniModel.class)
@Conditional(InfiniAutoConfiguration.ModelAvailable.class)
@EnableConfigurationProperties(InfiniProperties.class)
@Import({InfiniAutoConfiguration.RedisStoreConfiguration.class, InfiniAutoConfiguration.FileStoreConfiguration.class,
        InfiniAutoConfiguration.MemoryStoreConfiguration.class, InfiniAutoConfiguration.HealthConfiguration.class,
        InfiniAutoConfiguration.ChatClientConfiguration.class})
public class InfiniAutoConfiguration {

    /** Loads the checkpoint of {@code infini.model.path}. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public InfiniModel infiniModel(InfiniProperties properties) {
        InfiniProperties.Model m = properties.getModel();
        if (m.resolvedPath() == null) {
            throw new IllegalStateException("infini.model.path must point at a checkpoint folder");
        }
        TorchThreads.set(m.getThreads());
        return InfiniModel.load(m.resolvedPath(), EngineOptions.builder().device(m.getDevice())
                .segmentLength(m.getSegmentLength()).memoryUpdate(m.getMemoryUpdate()).gateInit(m.getGateInit())
                .build());
    }

    /** The checkpoint's chat template, {@code infini.chat.template}, or the built-in default. */
    @Bean
    @ConditionalOnMissingBean
    public InfiniChatTemplate infiniChatTemplate(InfiniModel model, InfiniProperties properties) {
        return InfiniChatTemplate.forModel(model, properties.getChat().getTemplate(), properties.getChat().getStop());
    }

    /** The conversations service. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public InfiniConversations infiniConversations(InfiniModel model, InfiniChatTemplate template,
                                                   ObjectProvider<ConversationStore> store,
                                                   InfiniProperties properties,
                                                   ObjectProvider<MeterRegistry> meterRegistry) {
        ConversationStore chosen = store.getIfAvailable(() -> {
            throw new IllegalStateException("no conversation store: infini.store.type="
                    + properties.getStore().getType() + " needs a RedisConnectionFactory bean (add "
                    + "spring-boot-starter-data-redis and spring.data.redis.* settings) or choose memory or file");
        });
        InfiniProperties.Chat chat = properties.getChat();
        InfiniProperties.Conversation c = properties.getConversation();
        GenerationOptions generation = GenerationOptions.builder().maxTokens(chat.getMaxTokens())
                .temperature(chat.getTemperature()).topK(chat.getTopK()).topP(chat.getTopP())
                .repetitionPenalty(chat.getRepetitionPenalty()).seed(chat.getSeed()).build();
        return new InfiniConversations(model, template, chosen, new InfiniConversations.Settings(
                c.getLockTimeout(), c.getCacheMaxSize().toBytes(), c.getMaxIdLength(), generation),
                meterRegistry.getIfUnique());
    }

    /** The Spring AI chat model. */
    @Bean
    @ConditionalOnMissingBean
    public InfiniChatModel infiniChatModel(InfiniConversations conversations,
                                           ObjectProvider<ObservationRegistry> observationRegistry,
                                           ObjectProvider<ChatModelObservationConvention> observationConvention) {
        return InfiniChatModel.builder().conversations(conversations)
                .defaultOptions(InfiniChatOptions.builder().build())
                .observationRegistry(observationRegistry.getIfUnique(() -> ObservationRegistry.NOOP))
                .observationConvention(observationConvention.getIfAvailable())
                .build();
    }

    /** Copies {@code ChatMemory.CONVERSATION_ID} into the prompt's options. */
    @Bean
    @ConditionalOnMissingBean
    public InfiniConversationAdvisor infiniConversationAdvisor() {
        return new InfiniConversationAdvisor();
    }

    /** Matches when a checkpoint path is configured or the application defines its own model. */
    static class ModelAvailable extends AnyNestedCondition {

        ModelAvailable() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(prefix = "infini.model", name = "path")
        static class PathConfigured {
        }

        @ConditionalOnBean(InfiniModel.class)
        static class ModelBean {
        }
    }

    private static Duration ttl(InfiniProperties properties) {
        return properties.getStore().getTtl();
    }

    /** Redis, when a connection factory exists and no other store type is chosen. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(RedisConnectionFactory.class)
    @ConditionalOnBean(RedisConnectionFactory.class)
    @ConditionalOnProperty(name = "infini.store.type", havingValue = "redis", matchIfMissing = true)
    static class RedisStoreConfiguration {

        @Bean
        @ConditionalOnMissingBean
        ConversationStore infiniRedisConversationStore(RedisConnectionFactory connectionFactory,
                                                  InfiniProperties properties) {
            return new RedisConversationStore(connectionFactory, properties.getStore().getKeyPrefix(),
                    ttl(properties), properties.getStore().getLockLease());
        }
    }

    /** Files in {@code infini.store.directory}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "infini.store.type", havingValue = "file")
    static class FileStoreConfiguration {

        @Bean
        @ConditionalOnMissingBean
        ConversationStore infiniFileConversationStore(InfiniProperties properties) {
            return new FileConversationStore(properties.getStore().resolvedDirectory(), ttl(properties));
        }
    }

    /** The in-process store: chosen, or the fallback when no store type is set and there is no Redis. */
    @Configuration(proxyBeanMethods = false)
    @Conditional(MemoryStoreConfiguration.Chosen.class)
    static class MemoryStoreConfiguration {

        static class Chosen extends AnyNestedCondition {

            Chosen() {
                super(ConfigurationPhase.REGISTER_BEAN);
            }

            @ConditionalOnProperty(name = "infini.store.type", havingValue = "memory")
            static class Configured {
            }

            @ConditionalOnProperty(name = "infini.store.type", havingValue = "memory", matchIfMissing = true)
            @ConditionalOnMissingBean(type = "org.springframework.data.redis.connection.RedisConnectionFactory")
            static class NoRedis {
            }
        }

        @Bean
        @ConditionalOnMissingBean
        ConversationStore infiniMemoryConversationStore(InfiniProperties properties) {
            return new InMemoryConversationStore(ttl(properties));
        }
    }

    /** The health indicator, with Spring Boot's health support on the classpath. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "infiniHealthIndicator")
        InfiniHealthIndicator infiniHealthIndicator(InfiniConversations conversations) {
            return new InfiniHealthIndicator(conversations);
        }
    }

    /** Adds the conversation advisor to Spring AI's auto-configured {@code ChatClient.Builder}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(ChatClientCustomizer.class)
    static class ChatClientConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "infiniChatClientCustomizer")
        ChatClientCustomizer infiniChatClientCustomizer(InfiniConversationAdvisor advisor) {
            return builder -> builder.defaultAdvisors(advisor);
        }
    }
}
