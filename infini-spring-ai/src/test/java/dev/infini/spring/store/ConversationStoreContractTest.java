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
        assertThat(first.tag()).isPositive();
        assertThat(first.digest()).isEqualTo(Stamp.sha1Hex(new byte[] {1, 2, 3}));
        assertThat(store.save("c", Stamp.NONE, new byte[] {9}, Duration.ZERO)).as("stale writer").isEmpty();
        assertThat(store.load("c").orElseThrow().state()).containsExactly(1, 2, 3);
        Stamp second = store.save("c", first, new byte[] {4, 5}, Duration.ofMillis(7)).orElseThrow();
        assertThat(second.version()).isEqualTo(2);
        assertThat(second.tag()).as("a fresh tag at every write").isPositive().isNotEqualTo(first.tag());
        assertThat(second.digest()).isEqualTo(Stamp.sha1Hex(new byte[] {4, 5}));
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
    void twoWritesFromTheSameStampNeverShareAStamp(String name, Function<Duration, ConversationStore> stores) {
        // What a store restored from an older backup sees: the same version written twice, by two histories.
        ConversationStore store = stores.apply(Duration.ZERO);
        Stamp base = store.save("twice", Stamp.NONE, new byte[] {1}, Duration.ZERO).orElseThrow();
        Stamp one = store.save("twice", base, new byte[] {2}, Duration.ZERO).orElseThrow();
        store.delete("twice");
        Stamp again = store.save("twice", Stamp.NONE, new byte[] {1}, Duration.ZERO).orElseThrow();
        Stamp other = store.save("twice", again, new byte[] {2}, Duration.ZERO).orElseThrow();
        assertThat(other.version()).isEqualTo(one.version());
        assertThat(other.digest()).isEqualTo(one.digest());
        assertThat(other).as("same version and bytes, another write").isNotEqualTo(one);
        assertThat(store.stamp("twice")).isEqualTo(other);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void anIdIsCreatedOnceAndACreatedConversationDeletedRefusesTheSaveOfATurnStartedBefore(String name,
            Function<Duration, ConversationStore> stores) {
        ConversationStore store = stores.apply(Duration.ZERO);
        assertThat(store.create("new", Map.of("owner", "alice"))).isTrue();
        assertThat(store.create("new", Map.of("owner", "bob"))).as("the second claim loses").isFalse();
        assertThat(store.metadata("new")).isEqualTo(Map.of("owner", "alice"));
        assertThat(store.load("new")).as("created, no state yet").isEmpty();
        Stamp created = store.stamp("new");
        assertThat(created.tag()).isPositive();
        assertThat(created.version()).isZero();
        assertThat(store.save("new", Stamp.NONE, new byte[] {1}, Duration.ZERO)).as("not a new id any more")
                .isEmpty();
        assertThat(store.conversationIds()).contains("new");

        Stamp first = store.save("new", created, new byte[] {1}, Duration.ZERO).orElseThrow();
        assertThat(first.version()).isEqualTo(1);
        assertThat(store.metadata("new")).isEqualTo(Map.of("owner", "alice"));

        assertThat(store.create("gone", Map.of("owner", "carol"))).isTrue();
        Stamp turnStarted = store.stamp("gone");
        store.delete("gone");
        assertThat(store.save("gone", turnStarted, new byte[] {1}, Duration.ZERO)).as("deleted meanwhile").isEmpty();
        assertThat(store.conversationIds()).doesNotContain("gone");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void metadataIsNeverWrittenToAConversationThatDoesNotExist(String name,
            Function<Duration, ConversationStore> stores) {
        ConversationStore store = stores.apply(Duration.ZERO);
        assertThat(store.putMetadata("ghost", "turns", "1")).isFalse();
        assertThat(store.metadata("ghost")).isEmpty();
        assertThat(store.conversationIds()).doesNotContain("ghost");
        assertThat(store.stamp("ghost")).isEqualTo(Stamp.NONE);

        store.save("ghost", Stamp.NONE, new byte[] {1}, Duration.ZERO).orElseThrow();
        assertThat(store.putMetadata("ghost", Map.of("turns", "1", "title", "hi"))).isTrue();
        store.delete("ghost");
        assertThat(store.putMetadata("ghost", "turns", "2")).as("a late write after a delete").isFalse();
        assertThat(store.conversationIds()).doesNotContain("ghost");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void metadataListingAndDeletion(String name, Function<Duration, ConversationStore> stores) {
        ConversationStore store = stores.apply(Duration.ZERO);
        store.create("a", Map.of("owner", "alice"));
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
        assertThat(store.putMetadata("short", "owner", "carol")).isTrue();
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
    void aBlobDamagedInTheStoreNoLongerMatchesTheStampItsWriterHolds() throws Exception {
        RedisConversationStore store = new RedisConversationStore(factory, "damage-" + UUID.randomUUID() + ":",
                Duration.ZERO, Duration.ofMinutes(1));
        Stamp saved = store.save("d", Stamp.NONE, new byte[] {1, 2, 3, 4}, Duration.ZERO).orElseThrow();
        assertThat(store.stamp("d")).isEqualTo(saved);
        redis.command("HSET " + store.stateKey("d") + " s garbage");
        Stamp now = store.stamp("d");
        assertThat(now.version()).isEqualTo(saved.version());
        assertThat(now.tag()).isEqualTo(saved.tag());
        assertThat(now).as("the digest tells").isNotEqualTo(saved);
        assertThat(now.digest()).isEqualTo(Stamp.sha1Hex("garbage".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void aHeldRedisLockOutlivesItsLeaseWhileRenewedAndFreesOneLeaseAfterItsHolderDies() throws Exception {
        String prefix = "lease-" + UUID.randomUUID() + ":";
        RedisConversationStore holder = new RedisConversationStore(factory, prefix, Duration.ZERO,
                Duration.ofMillis(1500));
        RedisConversationStore other = new RedisConversationStore(factory, prefix, Duration.ZERO,
                Duration.ofMillis(1500));
        ConversationStore.TurnLock held = holder.lock("l", Duration.ofSeconds(1)).orElseThrow();
        // Three leases long, the other instance keeps finding it held: the holder renews it.
        assertThat(other.lock("l", Duration.ofMillis(4000))).isEmpty();
        holder.close(); // the holder "dies": no more renewals, no release
        long start = System.nanoTime();
        ConversationStore.TurnLock taken = other.lock("l", Duration.ofSeconds(10)).orElseThrow();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("freed by the lease, not the wait")
                .isLessThan(Duration.ofSeconds(5));
        taken.close();
        held.close();
        other.close();
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
