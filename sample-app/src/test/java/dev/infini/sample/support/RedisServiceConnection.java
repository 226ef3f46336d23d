package dev.infini.sample.support;

import dev.infini.spring.support.RealRedis;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.testcontainers.containers.GenericContainer;

/**
 * A real Redis for a {@code @SpringBootTest}, connected the Spring Boot way: where a Docker engine exists, a
 * Testcontainers {@code redis:7-alpine} with {@code @ServiceConnection}; elsewhere a {@code redis-server} process
 * ({@link RealRedis}) published as the application's own {@link DataRedisConnectionDetails}, which is what
 * {@code @ServiceConnection} registers. Either way the app sets no {@code spring.data.redis.*} property, so the test
 * also pins that the starter takes connection details as a Redis choice.
 */
@TestConfiguration(proxyBeanMethods = false)
public class RedisServiceConnection {

    @Bean
    @ServiceConnection(name = "redis")
    @Conditional(DockerPresent.class)
    GenericContainer<?> redisContainer() {
        return new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
    }

    @Bean(destroyMethod = "close")
    @Conditional(NoDocker.class)
    RealRedis redisServer() {
        return RealRedis.start();
    }

    @Bean
    @Conditional(NoDocker.class)
    DataRedisConnectionDetails redisServerConnectionDetails(RealRedis redisServer) {
        return new DataRedisConnectionDetails() {
            @Override
            public Standalone getStandalone() {
                return Standalone.of(redisServer.host(), redisServer.port());
            }
        };
    }

    static final class DockerPresent implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return RealRedis.dockerAvailable();
        }
    }

    static final class NoDocker implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return !RealRedis.dockerAvailable();
        }
    }
}
