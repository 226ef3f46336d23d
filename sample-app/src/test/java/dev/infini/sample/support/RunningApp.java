package dev.infini.sample.support;

import dev.infini.spring.support.RealRedis;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.infini.sample.SampleApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** The sample app started in this JVM the way {@code main} starts it, on the real model and a real Redis. */
public final class RunningApp implements AutoCloseable {

    private final ConfigurableApplicationContext context;
    private final int port;

    private RunningApp(ConfigurableApplicationContext context) {
        this.context = context;
        this.port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    /**
     * Starts the app on Redis with the stories260k model.
     *
     * @param port   0 for any free port
     * @param extra  further properties, e.g. {@code infini.sample.api-keys}
     */
    public static RunningApp onRedis(RealRedis redis, String keyPrefix, int port, Map<String, Object> extra) {
        return onRedis(redis, keyPrefix, port, extra, null);
    }

    /** As {@link #onRedis(RealRedis, String, int, Map)}, with {@code gate} (null: none) between model and client. */
    public static RunningApp onRedis(RealRedis redis, String keyPrefix, int port, Map<String, Object> extra,
            TurnGate gate) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("server.port", port);
        properties.put("infini.model.path", SharedModel.stories260k().toString());
        properties.put("spring.data.redis.host", redis.host());
        properties.put("spring.data.redis.port", redis.port());
        properties.put("infini.store.key-prefix", keyPrefix);
        properties.put("infini.sample.max-reply-tokens", 24);
        properties.put("infini.chat.seed", 7);
        properties.putAll(extra);
        // As command-line arguments, so they win over application.properties like a user's --options do.
        String[] args = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        SpringApplicationBuilder app = new SpringApplicationBuilder(SampleApplication.class);
        if (gate != null) {
            app.initializers(gate.installer());
        }
        return new RunningApp(app.run(args));
    }

    public int port() {
        return port;
    }

    public String url(String path) {
        return "http://localhost:" + port + path;
    }

    public ConfigurableApplicationContext context() {
        return context;
    }

    @Override
    public void close() {
        context.close();
    }
}
