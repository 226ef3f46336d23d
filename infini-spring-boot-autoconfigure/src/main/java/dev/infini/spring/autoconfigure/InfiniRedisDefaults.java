package dev.infini.spring.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Redis timeouts in seconds instead of Lettuce's 60 s, so that a turn, a health check or a stream facing a Redis
 * that is down fails in seconds with a 503 instead of hanging for a minute: {@code spring.data.redis.timeout=5s}
 * (each command) and {@code spring.data.redis.connect-timeout=3s}. They are defaults of the lowest precedence:
 * any value the application sets wins. They apply to the application's whole Redis connection factory.
 */
public class InfiniRedisDefaults implements EnvironmentPostProcessor, Ordered {

    /** Command timeout unless the application sets {@code spring.data.redis.timeout}. */
    public static final String COMMAND_TIMEOUT = "5s";
    /** Connect timeout unless the application sets {@code spring.data.redis.connect-timeout}. */
    public static final String CONNECT_TIMEOUT = "3s";
    static final String PROPERTY_SOURCE = "infiniRedisDefaults";

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> defaults = new LinkedHashMap<>();
        if (!environment.containsProperty("spring.data.redis.timeout")) {
            defaults.put("spring.data.redis.timeout", COMMAND_TIMEOUT);
        }
        if (!environment.containsProperty("spring.data.redis.connect-timeout")) {
            defaults.put("spring.data.redis.connect-timeout", CONNECT_TIMEOUT);
        }
        if (!defaults.isEmpty()) {
            environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE, defaults));
        }
    }
}
