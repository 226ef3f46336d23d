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
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.ai.model.SpringAIModelProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.NoneNestedConditions;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.ClassUtils;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Auto-configures an Infini {@link InfiniChatModel} when {@code infini.model.path} is set (or an
 * {@link InfiniModel} bean exists) and {@code spring.ai.model.chat} is {@code infini} or unset (so the starter can sit
 * beside other Spring AI providers): the model, its chat template, the default {@link InfiniChatOptions}
 * ({@link SamplingDefaults}), a {@link ConversationStore} (Redis when Redis is configured, else in-process;
 * {@code infini.store.type} chooses), the {@link InfiniConversations} service, the {@link InfiniConversationAdvisor}
 * (added to Spring AI's auto-configured {@code ChatClient.Builder}) and a health indicator. Every bean backs off when
 * the application defines its own.
 */
// after Boot's Redis auto-configuration: the Redis store needs its RedisConnectionFactory
@AutoConfiguration(afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnClass(InfiniModel.class)
@ConditionalOnProperty(name = SpringAIModelProperties.CHAT_MODEL, havingValue = InfiniChatModel.PROVIDER,
        matchIfMissing = true)
@Conditional(InfiniAutoConfiguration.ModelAvailable.class)
@EnableConfigurationProperties(InfiniProperties.class)
@Import({InfiniAutoConfiguration.RedisStoreConfiguration.class, InfiniAutoConfiguration.FileStoreConfiguration.class,
        InfiniAutoConfiguration.MemoryStoreConfiguration.class, InfiniAutoConfiguration.HealthConfiguration.class,
        InfiniAutoConfiguration.ChatClientConfiguration.class})
public class InfiniAutoConfiguration {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(InfiniAutoConfiguration.class);

    /** Loads the checkpoint of {@code infini.model.path}. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public InfiniModel infiniModel(InfiniProperties properties) {
        InfiniProperties.Model m = properties.getModel();
        if (m.resolvedPath() == null) {
            throw new IllegalStateException("infini.model.path must point at a checkpoint folder");
        }
        properties.getDjl().apply(); // before DJL loads, which TorchThreads and the model do
        TorchThreads.set(m.getThreads());
        return InfiniModel.load(m.resolvedPath(), EngineOptions.builder().device(m.getDevice())
                .segmentLength(m.getSegmentLength()).memoryUpdate(m.getMemoryUpdate()).gateInit(m.getGateInit())
                .decodeWeights(m.getDecodeWeights()).build());
    }

    /** The checkpoint's chat template, {@code infini.chat.template}, or the built-in default. */
    @Bean
    @ConditionalOnMissingBean
    public InfiniChatTemplate infiniChatTemplate(InfiniModel model, InfiniProperties properties) {
        return InfiniChatTemplate.forModel(model, properties.getChat().getTemplate(), properties.getChat().getStop());
    }

    /**
     * The default options of every call, each value decided: {@code infini.chat.*}, else the checkpoint's
     * {@code generation_config.json}, else greedy decoding; the model option is the checkpoint folder's name.
     */
    @Bean
    @ConditionalOnMissingBean
    public InfiniChatOptions infiniChatOptions(InfiniProperties properties) {
        Path checkpoint = properties.getModel().resolvedPath();
        String name = checkpoint == null || checkpoint.getFileName() == null ? InfiniChatModel.PROVIDER
                : checkpoint.getFileName().toString();
        return SamplingDefaults.resolve(properties.getChat(), checkpoint, name);
    }

    /** The conversations service. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public InfiniConversations infiniConversations(InfiniModel model, InfiniChatTemplate template,
                                                   ObjectProvider<ConversationStore> store,
                                                   InfiniProperties properties, InfiniChatOptions defaults,
                                                   ObjectProvider<MeterRegistry> meterRegistry,
                                                   ObjectProvider<ChatMemoryRepository> chatMemoryRepository) {
        ConversationStore chosen = store.getIfAvailable(() -> {
            throw new IllegalStateException("no conversation store: infini.store.type="
                    + properties.getStore().getType() + " needs a RedisConnectionFactory bean (add "
                    + "spring-boot-starter-data-redis and spring.data.redis.* settings) or choose memory or file");
        });
        InfiniProperties.Conversation c = properties.getConversation();
        GenerationOptions generation = defaults.toGenerationOptions(
                GenerationOptions.greedy(SamplingDefaults.MAX_TOKENS));
        log.info("Infini conversations are kept in {}", chosen.description());
        ChatMemoryRepository transcript = !c.isTranscript() ? null : chatMemoryRepository.getIfAvailable(() -> {
            throw new IllegalStateException("infini.conversation.transcript=true needs a ChatMemoryRepository bean:"
                    + " add Spring AI's chat memory (spring-ai-autoconfigure-model-chat-memory gives an in-memory"
                    + " one; its JDBC, Cassandra or other repositories keep it elsewhere) or define one");
        });
        boolean openKeysValues = c.getOpenSegment() == InfiniProperties.OpenSegment.KEYS_VALUES;
        return new InfiniConversations(model, template, chosen, new InfiniConversations.Settings(
                c.getLockTimeout(), c.getCacheMaxSize().toBytes(), c.getMaxIdLength(), generation, openKeysValues),
                meterRegistry.getIfUnique(), transcript);
    }

    /** The Spring AI chat model. */
    @Bean
    @ConditionalOnMissingBean
    public InfiniChatModel infiniChatModel(InfiniConversations conversations, InfiniChatOptions defaults,
                                           ObjectProvider<ObservationRegistry> observationRegistry,
                                           ObjectProvider<ChatModelObservationConvention> observationConvention) {
        return InfiniChatModel.builder().conversations(conversations)
                .defaultOptions(defaults)
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

    /**
     * Redis, when {@code infini.store.type=redis}, or when no type is chosen and the application configured Redis
     * ({@code spring.data.redis.host}, {@code .url}, {@code .cluster.nodes} or {@code .sentinel.master}): Spring
     * Data Redis is always on the classpath through the starter, and Boot always makes a connection factory for
     * localhost, so the factory alone says nothing about whether the application has a Redis.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(RedisConnectionFactory.class)
    @ConditionalOnBean(RedisConnectionFactory.class)
    @Conditional(RedisStoreConfiguration.Chosen.class)
    static class RedisStoreConfiguration {

        static class Chosen extends AnyNestedCondition {

            Chosen() {
                super(ConfigurationPhase.REGISTER_BEAN);
            }

            @ConditionalOnProperty(name = "infini.store.type", havingValue = "redis")
            static class Configured {
            }

            @ConditionalOnProperty(name = "infini.store.type", havingValue = "redis", matchIfMissing = true)
            @Conditional(RedisConfigured.class)
            static class RedisSettings {
            }
        }

        @Bean
        @ConditionalOnMissingBean
        ConversationStore infiniRedisConversationStore(RedisConnectionFactory connectionFactory,
                                                  InfiniProperties properties) {
            return new RedisConversationStore(connectionFactory, properties.getStore().getKeyPrefix(),
                    ttl(properties), properties.getStore().getLockLease());
        }
    }

    /**
     * Files in {@code infini.store.directory}: chosen, or the fallback ({@code infini.store.fallback=file}) when no
     * store type is set and Redis is not configured.
     */
    @Configuration(proxyBeanMethods = false)
    @Conditional(FileStoreConfiguration.Chosen.class)
    static class FileStoreConfiguration {

        static class Chosen extends AnyNestedCondition {

            Chosen() {
                super(ConfigurationPhase.REGISTER_BEAN);
            }

            @ConditionalOnProperty(name = "infini.store.type", havingValue = "file")
            static class Configured {
            }

            @ConditionalOnProperty(name = "infini.store.type", havingValue = "file", matchIfMissing = true)
            @ConditionalOnProperty(name = "infini.store.fallback", havingValue = "file")
            @Conditional(NoRedisConfigured.class)
            static class Fallback {
            }
        }

        @Bean
        @ConditionalOnMissingBean
        ConversationStore infiniFileConversationStore(InfiniProperties properties) {
            return new FileConversationStore(properties.getStore().resolvedDirectory(), ttl(properties));
        }
    }

    /**
     * Whether the application configured Redis: through {@code spring.data.redis.*}, or through connection details
     * of its own ({@code @ServiceConnection} on a Testcontainers container, Docker Compose, a bean).
     */
    static class RedisConfigured extends AnyNestedCondition {

        RedisConfigured() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(prefix = "spring.data.redis", name = "host")
        static class Host {
        }

        @ConditionalOnProperty(prefix = "spring.data.redis", name = "url")
        static class Url {
        }

        @ConditionalOnProperty(prefix = "spring.data.redis.cluster", name = "nodes")
        static class Cluster {
        }

        @ConditionalOnProperty(prefix = "spring.data.redis.sentinel", name = "master")
        static class Sentinel {
        }

        @Conditional(ConnectionDetailsProvided.class)
        static class ConnectionDetails {
        }
    }

    /**
     * Matches when a Redis {@code DataRedisConnectionDetails} bean other than the one Boot derives from its
     * properties exists: what {@code @ServiceConnection} and Docker Compose support register.
     */
    static class ConnectionDetailsProvided extends SpringBootCondition {

        private static final String DETAILS =
                "org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails";
        private static final String FROM_PROPERTIES =
                "org.springframework.boot.data.redis.autoconfigure.PropertiesDataRedisConnectionDetails";

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            ConfigurableListableBeanFactory beans = context.getBeanFactory();
            if (beans == null || !ClassUtils.isPresent(DETAILS, context.getClassLoader())) {
                return ConditionOutcome.noMatch("no Redis connection details");
            }
            Class<?> details = ClassUtils.resolveClassName(DETAILS, context.getClassLoader());
            for (String name : beans.getBeanNamesForType(details, true, false)) {
                Class<?> type = beans.getType(name, false);
                if (type != null && !FROM_PROPERTIES.equals(type.getName())) {
                    return ConditionOutcome.match("Redis connection details bean '" + name + "'");
                }
            }
            return ConditionOutcome.noMatch("only Redis connection details derived from properties");
        }
    }

    /** The negation of {@link RedisConfigured}: when a fallback store applies. */
    static class NoRedisConfigured extends NoneNestedConditions {

        NoRedisConfigured() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @Conditional(RedisConfigured.class)
        static class Redis {
        }
    }

    /** The in-process store: chosen, or the fallback when no store type is set and Redis is not configured. */
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
            @ConditionalOnProperty(name = "infini.store.fallback", havingValue = "memory", matchIfMissing = true)
            @Conditional(NoRedisConfigured.class)
            static class Fallback {
            }
        }

        @Bean
        @ConditionalOnMissingBean
        ConversationStore infiniMemoryConversationStore(InfiniProperties properties) {
            if (properties.getStore().getType() == null) {
                log.warn("Infini keeps conversations in this process's memory: they do not survive a restart and are"
                        + " not shared between instances. Configure spring.data.redis.* (or infini.store.type=file or"
                        + " infini.store.fallback=file) to keep them.");
            }
            return new InMemoryConversationStore(ttl(properties));
        }
    }

    /** The health indicator, with Spring Boot's health support on the classpath. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    @ConditionalOnEnabledHealthIndicator("infini")
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
