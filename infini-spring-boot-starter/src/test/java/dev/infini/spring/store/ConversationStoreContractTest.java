package dev.infini.spring.store;

import dev.infini.spring.store.ConversationStore.Stamp;
import dev.infini.spring.support.RealRedis;
import dev.infini.spring.support.RealRedisExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What every conversation store promises, checked on each of them (Redis is a real server). */
class ConversationStoreContractTest {

    @RealRedisExtension.PerClass
    private static RealRedis redis;
    private static LettuceConnectionFactory factory;

    @TempDir
    static Path files;

    @BeforeAll
    static void connect() {
        factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(redis.host(), redis.port()));
        factory.afterPropertiesSet();
        factory.start();
    }

    @AfterAll
    static void disconnect() {
        if (factory != null) {
            factory.destroy();
        }
    }

    static Stream<Arguments> stores() {
        Function<Duration, ConversationStore> memory = InMemoryConversationStore::new;
        Function<Duration, ConversationStore> file = ttl -> new FileConversationStore(
                files.resolve(UUID.randomUUID().toString()), ttl);
        Function<Duration, ConversationStore> redisStore = ttl -> new RedisConversationStore(factory,
                "contract-" + UUID.randomUUID() + ":", ttl, Duration.ofMinutes(1));
        return Stream.of(Arguments.of("memory", memory), Arguments.of("file", file),
                Arguments.of("redis", redisStore));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void savesAreVersionedCompareAndSet(String name, Function<Duration, ConversationStore> stores) {
        ConversationStore store = stores.apply(Duration.ZERO);
        assertThat(store.load("c")).isEmpty();
        assertThat(store.stamp("c")).isEqualTo(Stamp.NONE);
        Stamp first = store.save("c", Stamp.NONE, new byte[] {1, 2, 3}, Duration.ofMillis(5)).orElseThrow();
        assertThat(first.version()).isEqualTo(1);
        assertThat(first.epoch()).isPositive();
        assertThat(store.save("c", Stamp.NONE, new byte[] {9}, Duration.ZERO)).as("stale writer").isEmpty();
        assertThat(store.load("c").orElseThrow().state()).containsExactly(1, 2, 3);
        Stamp second = store.save("c", first, new byte[] {4, 5}, Duration.ofMillis(7)).orElseThrow();
        assertThat(second).isEqualTo(new Stamp(first.epoch(), 2));
        assertThat(store.save("c", first, new byte[] {9}, Duration.ZERO)).as("stale writer").isEmpty();
        ConversationStore.StoredState stored = store.load("c").orElseThrow();
        assertThat(stored.state()).containsExactly(4, 5);
        assertThat(stored.stamp()).isEqualTo(second);
        assertThat(store.stamp("c")).isEqualTo(second);
        assertThat(store.lastTurn("c")).contains(Duration.ofMillis(7));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aConversationStartedAgainNeverRepeatsAStampOfItsFormerLife(String name,
                                                                    Function<Duration, ConversationStore> stores) {
        ConversationStore store = stores.apply(Duration.ZERO);
        Stamp old = store.save("again", Stamp.NONE, new byte[] {1}, Duration.ZERO).orElseThrow();
        store.delete("again");
        Stamp renewed = store.save("again", Stamp.NONE, new byte[] {2}, Duration.ZERO).orElseThrow();
        assertThat(renewed.version()).isEqualTo(old.version());
        assertThat(renewed).isNotEqualTo(old);
        assertThat(store.save("again", old, new byte[] {3}, Duration.ZERO)).as("writer from the former life")
                .isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void metadataListingAndDeletion(String name, Function<Duration, ConversationStore> stores) {
        ConversationStore store = stores.apply(Duration.ZERO);
        store.putMetadata("a", "owner", "alice");
        Stamp b = store.save("b", Stamp.NONE, new byte[] {1}, Duration.ZERO).orElseThrow();
        store.putMetadata("b", "title", "a tale");
        store.putMetadata("b", "title", null);
        store.putMetadata("b", "owner", "bob");
        assertThat(store.conversationIds()).containsExactlyInAnyOrder("a", "b");
        assertThat(store.metadata("a")).isEqualTo(Map.of("owner", "alice"));
        assertThat(store.metadata("b")).isEqualTo(Map.of("owner", "bob"));
        assertThat(store.load("a")).as("metadata alone is no state").isEmpty();
        assertThat(store.save("b", b, new byte[] {2}, Duration.ZERO)).isPresent();
        assertThat(store.metadata("b")).as("kept across saves").isEqualTo(Map.of("owner", "bob"));
        assertThat(store.delete("b")).isTrue();
        assertThat(store.delete("b")).isFalse();
        assertThat(store.load("b")).isEmpty();
        assertThat(store.metadata("b")).isEmpty();
        assertThat(store.conversationIds()).containsExactly("a");
        store.ping();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void conversationsExpireAfterTheTimeToLive(String name, Function<Duration, ConversationStore> stores) {
        ConversationStore store = stores.apply(Duration.ofMillis(300));
        store.save("short", Stamp.NONE, new byte[] {1}, Duration.ZERO);
        store.putMetadata("short", "owner", "carol");
        await().atMost(Duration.ofSeconds(30)).until(() -> store.load("short").isEmpty());
        assertThat(store.metadata("short")).isEmpty();
        assertThat(store.conversationIds()).doesNotContain("short");
    }

    @Test
    void theFileStoreSurvivesARestartAndNeverLeavesHalfWrittenFiles() throws Exception {
        Path dir = files.resolve("restart");
        FileConversationStore first = new FileConversationStore(dir, Duration.ZERO);
        first.save("kept:1", Stamp.NONE, new byte[] {7, 7}, Duration.ofMillis(3));
        first.putMetadata("kept:1", "owner", "dave");
        FileConversationStore second = new FileConversationStore(dir, Duration.ZERO);
        assertThat(second.load("kept:1").orElseThrow().state()).containsExactly(7, 7);
        assertThat(second.metadata("kept:1")).containsEntry("owner", "dave");
        assertThat(second.conversationIds()).containsExactly("kept:1");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }
    }

    @Test
    void theRedisLockSerializesHoldersAndIsReleasedOnlyByItsOwner() {
        RedisConversationStore store = new RedisConversationStore(factory, "locks:", Duration.ZERO,
                Duration.ofMinutes(1));
        ConversationStore.TurnLock held = store.lock("x", Duration.ofSeconds(1)).orElseThrow();
        assertThat(store.lock("x", Duration.ofMillis(50))).as("second holder times out").isEmpty();
        held.close();
        ConversationStore.TurnLock next = store.lock("x", Duration.ofSeconds(1)).orElseThrow();
        held.close(); // a stale release must not free the new holder's lock
        assertThat(store.lock("x", Duration.ofMillis(50))).isEmpty();
        next.close();
        assertThat(store.lock("x", Duration.ofSeconds(1))).isPresent();
    }
}
