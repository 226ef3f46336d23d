package dev.infini.sample.config;

import java.nio.file.Path;

import dev.infini.sample.web.Dtos.Info;
import dev.infini.spring.InfiniConversations;
import dev.infini.spring.autoconfigure.InfiniProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Where the model and the conversations live, said once at startup (so a newcomer knows what runs and where the
 * state goes) and served to the page by {@code /api/info}.
 */
@Component
public class Deployment {

    private static final Logger log = LoggerFactory.getLogger(Deployment.class);

    private final InfiniConversations conversations;
    private final InfiniProperties infini;
    private final SampleProperties sample;
    private final Environment environment;
    private final ObjectProvider<DataRedisConnectionDetails> redis;

    public Deployment(InfiniConversations conversations, InfiniProperties infini, SampleProperties sample,
            Environment environment, ObjectProvider<DataRedisConnectionDetails> redis) {
        this.conversations = conversations;
        this.infini = infini;
        this.sample = sample;
        this.environment = environment;
        this.redis = redis;
    }

    /** The model's folder name, e.g. {@code infini-default}. */
    public String modelName() {
        Path path = infini.getModel().resolvedPath();
        return path.getFileName() == null ? path.toString() : path.getFileName().toString();
    }

    /** The store and where it keeps the conversations, e.g. {@code redis at localhost:6379}. */
    public String storeDescription() {
        String name = conversations.store().name();
        return switch (name) {
            case "file" -> "files in " + infini.getStore().resolvedDirectory();
            case "redis" -> "redis at " + redisAddress();
            case "memory" -> "memory of this process (lost on restart)";
            default -> name;
        };
    }

    public Info info() {
        var model = conversations.model();
        return new Info(modelName(), environment.getProperty(SampleDefaults.MODEL_SOURCE, "configured"),
                storeDescription(), model.segmentLength(), conversations.stateBytes(), sample.apiKeyRequired(),
                sample.maxMessageChars(), conversations.keepsTranscript());
    }

    private String redisAddress() {
        DataRedisConnectionDetails details = redis.getIfAvailable();
        if (details != null && details.getStandalone() != null) {
            return details.getStandalone().getHost() + ":" + details.getStandalone().getPort();
        }
        if (details != null && details.getSentinel() != null) {
            return "sentinel " + details.getSentinel().getMaster();
        }
        return details != null && details.getCluster() != null ? "cluster" : "(configured)";
    }

    @EventListener(ApplicationReadyEvent.class)
    void announce(ApplicationReadyEvent event) {
        var model = conversations.model();
        Path path = infini.getModel().resolvedPath();
        String source = environment.getProperty(SampleDefaults.MODEL_SOURCE, "configured");
        if ("fallback".equals(source)) {
            log.warn("The default model models/infini-default was not found; using the small test model instead. "
                    + "Set infini.model.path to choose a model.");
        }
        log.info("Model: {} ({}; {} parameters, segments of {} tokens, {} bytes of state per conversation)", path,
                source, model.parameterCount(), model.segmentLength(), conversations.stateBytes());
        log.info("Conversations: {}", storeDescription());
        if (sample.apiKeyRequired()) {
            log.info("API keys: {} configured; requests to /api need the X-API-Key header", sample.apiKeys().size());
        }
        String port = environment.getProperty("local.server.port", environment.getProperty("server.port", "8080"));
        log.info("Chat page: http://localhost:{}/", port);
    }
}
