package dev.infini.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import dev.infini.sample.support.Http;
import dev.infini.sample.support.RedisServiceConnection;
import dev.infini.sample.support.SharedModel;
import dev.infini.spring.store.ConversationStore;
import dev.infini.spring.store.FileConversationStore;
import dev.infini.spring.store.RedisConversationStore;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Where the sample app keeps conversations when it is started as a {@code @SpringBootTest}: in the Redis of a
 * {@code @ServiceConnection} (no {@code spring.data.redis.*} property at all), and in files when no Redis is there.
 */
class StoreChoiceIT {

    private static final String KEY = "store-choice-key-0123";

    static void common(DynamicPropertyRegistry registry) {
        registry.add("infini.model.path", () -> SharedModel.stories260k().toString());
        registry.add("infini.sample.api-keys", () -> KEY);
        registry.add("infini.sample.max-reply-tokens", () -> 8);
    }

    @Nested
    @SpringBootTest(classes = SampleApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    @Import(RedisServiceConnection.class)
    class WithAServiceConnectionRedis {

        @DynamicPropertySource
        static void properties(DynamicPropertyRegistry registry) {
            common(registry);
            registry.add("infini.store.key-prefix", () -> "service-connection:");
        }

        @Autowired
        ConversationStore store;
        @Autowired
        StringRedisTemplate redis;
        @LocalServerPort
        int port;

        @Test
        void theConversationIsKeptInThatRedis() {
            assertThat(store).isInstanceOf(RedisConversationStore.class);

            Http.Response reply = new Http("http://localhost:" + port)
                    .postMessage("/api/conversations/kept/messages", KEY, "Hello, who are you?");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(redis.hasKey("service-connection:c:kept")).isTrue();
        }
    }

    @Nested
    @SpringBootTest(classes = SampleApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    class WithoutRedis {

        static final Path DIRECTORY = temporaryDirectory();

        @DynamicPropertySource
        static void properties(DynamicPropertyRegistry registry) {
            common(registry);
            registry.add("infini.store.directory", DIRECTORY::toString);
        }

        @Autowired
        ConversationStore store;
        @LocalServerPort
        int port;

        @Test
        void theConversationIsKeptInFiles() throws IOException {
            assertThat(store).isInstanceOf(FileConversationStore.class);
            assertThat(((FileConversationStore) store).directory()).isEqualTo(DIRECTORY);

            Http.Response reply = new Http("http://localhost:" + port)
                    .postMessage("/api/conversations/kept/messages", KEY, "Hello, who are you?");

            assertThat(reply.status()).isEqualTo(200);
            try (Stream<Path> files = Files.list(DIRECTORY)) {
                assertThat(files.toList()).isNotEmpty();
            }
        }

        private static Path temporaryDirectory() {
            try {
                return Files.createTempDirectory("store-choice-it");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
