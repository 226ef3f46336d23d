package dev.infini.spring;

import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.session.Session;
import dev.infini.engine.session.StateCodec;
import dev.infini.spring.store.ConversationStore;
import dev.infini.spring.support.Instances;
import dev.infini.spring.support.RealRedis;
import dev.infini.spring.support.RealRedisExtension;
import dev.infini.spring.support.SharedModels;
import dev.infini.spring.support.States;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import static dev.infini.spring.support.Instances.TURNS;
import static dev.infini.spring.support.Instances.say;
import static dev.infini.spring.support.Instances.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The chat model against a real Redis: restarts, several instances, concurrency, failures, expiry, deletion. */
class RedisConversationsTest {

    @RealRedisExtension.PerClass
    private static RealRedis redis;

    private static ApplicationContextRunner instance(String prefix, String... more) {
        return Instances.onRedis(redis, prefix, more);
    }

    private record Run(List<String> replies, byte[] state, long tokensSeen) {
    }

    private static Run uninterrupted(String prefix, String id, int turns, String... more) {
        List<String> replies = new ArrayList<>();
        byte[][] state = new byte[1][];
        long[] tokens = new long[1];
        instance(prefix, more).run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            for (String turn : TURNS.subList(0, turns)) {
                replies.add(text(say(model, id, turn)));
            }
            state[0] = ctx.getBean(ConversationStore.class).load(id).orElseThrow().state();
            tokens[0] = ctx.getBean(InfiniConversations.class).stats(id).orElseThrow().tokensSeen();
        });
        return new Run(replies, state[0], tokens[0]);
    }

    private static List<String> restartedAfterTwoTurns(String prefix, String id, byte[][] state, String... more) {
        List<String> replies = new ArrayList<>();
        instance(prefix, more).run(first -> {
            InfiniChatModel model = first.getBean(InfiniChatModel.class);
            replies.add(text(say(model, id, TURNS.get(0))));
            replies.add(text(say(model, id, TURNS.get(1))));
        });
        instance(prefix, more).run(second -> {
            InfiniChatModel model = second.getBean(InfiniChatModel.class);
            replies.add(text(say(model, id, TURNS.get(2))));
            ChatResponse last = say(model, id, TURNS.get(3));
            replies.add(text(last));
            assertThat((Long) last.getMetadata().get(InfiniChatModel.SEGMENTS_FOLDED)).isPositive();
            state[0] = second.getBean(ConversationStore.class).load(id).orElseThrow().state();
        });
        return replies;
    }

    @Test
    void aNewInstanceContinuesAConversationExactlyAsAnUninterruptedRun() {
        Run reference = uninterrupted("restart:", "straight", 4);
        byte[][] state = new byte[1][];
        List<String> replies = restartedAfterTwoTurns("restart:", "resumed", state);
        assertThat(replies).isEqualTo(reference.replies());
        assertThat(replies).allSatisfy(r -> assertThat(r).isNotBlank());
        States.assertSameConversation(state[0], reference.state());
    }

    @Test
    void withEveryTurnStartingFromTheStoreARestartGivesTheSameState() {
        String noCache = "infini.conversation.cache-max-size=0";
        Run reference = uninterrupted("restart-exact:", "straight", 4, noCache);
        byte[][] state = new byte[1][];
        List<String> replies = restartedAfterTwoTurns("restart-exact:", "resumed", state, noCache);
        assertThat(replies).isEqualTo(reference.replies());
        States.assertSameConversation(state[0], reference.state());
    }

    @Test
    void statesCarryingTheOpenSegmentContinueOnANewInstanceWithoutReencodingIt() {
        String[] carry = {"infini.conversation.open-segment=keys-values", "infini.conversation.cache-max-size=0"};
        Run reference = uninterrupted("carry:", "straight", 4, carry);
        byte[][] state = new byte[1][];
        List<String> replies = restartedAfterTwoTurns("carry:", "resumed", state, carry);
        // every turn of both runs loaded the state from Redis, so both wrote back the same keys and values
        assertThat(replies).isEqualTo(reference.replies());
        States.assertSameConversation(state[0], reference.state());
        byte[] engine = States.engineState(state[0]);
        assertThat(java.nio.ByteBuffer.wrap(engine, 4, 2).order(java.nio.ByteOrder.LITTLE_ENDIAN).getShort())
                .isEqualTo(StateCodec.VERSION_WITH_OPEN_KEYS_VALUES);
        assertThat(StateCodec.decode(engine).carriesOpenKeysValues()).isTrue();
        instance("carry:", carry).run(ctx -> assertThat(ctx.getBean(InfiniConversations.class).stateBytes())
                .isEqualTo(state[0].length).isGreaterThan(StateCodec.encodedSize(ctx.getBean(InfiniModel.class))));
    }

    @Test
    void theHotSessionCacheGivesTheSameRepliesAsLoadingEveryTurn() {
        Run cached = uninterrupted("cache:", "cached", 4);
        Run loaded = uninterrupted("cache:", "loaded", 4, "infini.conversation.cache-max-size=0");
        assertThat(cached.replies()).isEqualTo(loaded.replies());
        assertThat(cached.tokensSeen()).isEqualTo(loaded.tokensSeen());
    }

    @Test
    void twoInstancesSharingRedisAlternateTurnsOfOneConversation() {
        Run reference = uninterrupted("alternate:", "one-instance", 4, "infini.conversation.cache-max-size=0");
        List<String> replies = new ArrayList<>();
        instance("alternate:").run(a -> instance("alternate:").run(b -> {
            InfiniChatModel first = a.getBean(InfiniChatModel.class);
            InfiniChatModel second = b.getBean(InfiniChatModel.class);
            for (int i = 0; i < 4; i++) {
                // each instance caches its session; the other one moves the conversation on in between
                replies.add(text(say(i % 2 == 0 ? first : second, "shared", TURNS.get(i))));
            }
            assertThat(a.getBean(InfiniConversations.class).stats("shared").orElseThrow().version()).isEqualTo(4);
            States.assertSameConversation(b.getBean(ConversationStore.class).load("shared").orElseThrow().state(),
                    reference.state());
        }));
        assertThat(replies).isEqualTo(reference.replies());
    }

    @Test
    void aConversationDeletedAndStartedAgainElsewhereIsNeverContinuedFromAStaleCache() {
        instance("aba:").run(a -> instance("aba:").run(b -> {
            InfiniChatModel first = a.getBean(InfiniChatModel.class);
            InfiniChatModel second = b.getBean(InfiniChatModel.class);
            say(first, "reborn", TURNS.get(0));
            say(first, "reborn", TURNS.get(1)); // instance a caches the session at version 2
            b.getBean(InfiniConversations.class).delete("reborn");
            say(second, "reborn", TURNS.get(3));
            long before = (Long) say(second, "reborn", TURNS.get(4)).getMetadata()
                    .get(InfiniChatModel.TOKENS_SEEN); // version 2 again, another conversation
            ChatResponse next = say(first, "reborn", TURNS.get(2));
            var usage = next.getMetadata().getUsage();
            assertThat((Long) next.getMetadata().get(InfiniChatModel.TOKENS_SEEN))
                    .isEqualTo(before + usage.getPromptTokens() + usage.getCompletionTokens());
        }));
    }

    @Test
    void concurrentTurnsFromTwoInstancesLoseNoUpdate() {
        List<String> ids = List.of("busy-0", "busy-1", "busy-2", "busy-3");
        Map<String, AtomicLong> appended = new ConcurrentHashMap<>();
        Map<String, AtomicLong> turns = new ConcurrentHashMap<>();
        ids.forEach(id -> {
            appended.put(id, new AtomicLong());
            turns.put(id, new AtomicLong());
        });
        String[] settings = {"infini.chat.max-tokens=6", "infini.conversation.lock-timeout=120s"};
        instance("concurrent:", settings).run(a -> instance("concurrent:", settings).run(b -> {
            List<InfiniChatModel> models = List.of(a.getBean(InfiniChatModel.class),
                    b.getBean(InfiniChatModel.class));
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    InfiniChatModel model = models.get(t % 2);
                    futures.add(pool.submit(() -> {
                        for (int k = 0; k < 3; k++) {
                            String id = ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
                            ChatResponse r = say(model, id, TURNS.get(k));
                            var usage = r.getMetadata().getUsage();
                            appended.get(id).addAndGet(usage.getPromptTokens() + usage.getCompletionTokens());
                            turns.get(id).incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            InfiniConversations conversations = a.getBean(InfiniConversations.class);
            long total = 0;
            for (String id : ids) {
                if (turns.get(id).get() == 0) {
                    continue;
                }
                var stats = conversations.stats(id).orElseThrow();
                assertThat(stats.tokensSeen()).as(id).isEqualTo(appended.get(id).get());
                assertThat(stats.version()).as(id).isEqualTo(turns.get(id).get());
                total += turns.get(id).get();
            }
            assertThat(total).isEqualTo(48);
        }));
    }

    @Test
    void redisGoingDownFailsTheTurnClearlyAndTheConversationRecoversWhenItReturns() throws Exception {
        Run reference = uninterrupted("outage:", "no-outage", 2, "infini.conversation.cache-max-size=0");
        instance("outage:").run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            InfiniConversations conversations = ctx.getBean(InfiniConversations.class);
            List<String> replies = new ArrayList<>();
            replies.add(text(say(model, "outage", TURNS.get(0))));
            long before = conversations.stats("outage").orElseThrow().tokensSeen();
            redis.pause();
            try {
                assertThatThrownBy(() -> say(model, "outage", TURNS.get(1)))
                        .isInstanceOf(ConversationStoreException.class)
                        .hasMessageContaining("outage");
                assertThat(ctx.getBean(dev.infini.spring.autoconfigure.InfiniHealthIndicator.class).health()
                        .getStatus().getCode()).isEqualTo("DOWN");
            } finally {
                redis.resume();
            }
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> conversations.stats("outage").isPresent());
            assertThat(conversations.stats("outage").orElseThrow().tokensSeen()).isEqualTo(before);
            replies.add(text(say(model, "outage", TURNS.get(1))));
            assertThat(replies).isEqualTo(reference.replies());
            States.assertSameConversation(ctx.getBean(ConversationStore.class).load("outage").orElseThrow().state(),
                    reference.state());
        });
    }

    @Test
    void aCorruptedStateFailsClearlyAndIsNotReset() {
        instance("corrupt:").run(ctx -> say(ctx.getBean(InfiniChatModel.class), "damaged", TURNS.get(0)));
        instance("corrupt:").run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            StringRedisTemplate raw = new StringRedisTemplate(ctx.getBean(RedisConnectionFactory.class));
            raw.opsForHash().put("corrupt:c:damaged", "s", "not a state");
            assertThatThrownBy(() -> say(model, "damaged", TURNS.get(1)))
                    .isInstanceOfSatisfying(ConversationStateException.class, e -> {
                        assertThat(e.isCorrupt()).isTrue();
                        assertThat(e.conversationId()).isEqualTo("damaged");
                    });
            assertThat(raw.opsForHash().get("corrupt:c:damaged", "s")).isEqualTo("not a state");
            assertThat(raw.opsForHash().get("corrupt:c:damaged", "v")).isEqualTo("1");
        });
    }

    @Test
    void aStateFromAnotherModelFailsClearlyAndIsNotReset() {
        instance("foreign:").run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            ConversationStore store = ctx.getBean(ConversationStore.class);
            // the same checkpoint with other infini settings is another model: its fingerprint differs
            byte[] foreign;
            try (InfiniModel other = InfiniModel.load(SharedModels.stories260k(),
                    EngineOptions.builder().device("cpu").segmentLength(32).gateInit(0.5f).build());
                 Session session = new Session(other)) {
                session.append(other.tokenizer().encode("Once upon a time", true));
                foreign = StateCodec.encode(session.snapshot());
            }
            byte[] stored = ConversationEnvelope.wrap("alien", foreign);
            assertThat(store.save("alien", ConversationStore.Stamp.NONE, stored, Duration.ZERO)).isPresent();
            assertThatThrownBy(() -> say(model, "alien", TURNS.get(0)))
                    .isInstanceOfSatisfying(ConversationStateException.class, e -> assertThat(e.isForeign()).isTrue());
            assertThat(store.load("alien").orElseThrow().state()).isEqualTo(stored);
        });
    }

    @Test
    void aStateCopiedFromAnotherConversationIsRefusedByTheInstanceHoldingItHotAndByAColdOne() {
        instance("copied:").run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            say(model, "source", TURNS.get(0));
            say(model, "target", TURNS.get(1));
            assertThat(redis.command("COPY copied:c:source copied:c:target REPLACE")).isEqualTo(":1");
            String copied = redis.command("HGET copied:c:target v");
            assertThatThrownBy(() -> say(model, "target", TURNS.get(2)))
                    .isInstanceOfSatisfying(ConversationStateException.class, e -> assertThat(e.isForeign()).isTrue());
            assertThat(redis.command("HGET copied:c:target v")).as("left as it was").isEqualTo(copied);
        });
        instance("copied:").run(ctx -> assertThatThrownBy(
                () -> say(ctx.getBean(InfiniChatModel.class), "target", TURNS.get(2)))
                .isInstanceOfSatisfying(ConversationStateException.class, e -> assertThat(e.isForeign()).isTrue()));
    }

    @Test
    void aHotCopyDoesNotMaskABlobDamagedInRedis() {
        instance("masked:").run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            say(model, "hot", TURNS.get(0));
            StringRedisTemplate raw = new StringRedisTemplate(ctx.getBean(RedisConnectionFactory.class));
            raw.opsForHash().put("masked:c:hot", "s", "garbage");
            assertThatThrownBy(() -> say(model, "hot", TURNS.get(1)))
                    .isInstanceOfSatisfying(ConversationStateException.class, e -> assertThat(e.isCorrupt()).isTrue());
            assertThat(raw.opsForHash().get("masked:c:hot", "s")).as("not rewritten").isEqualTo("garbage");
            assertThat(raw.opsForHash().get("masked:c:hot", "v")).isEqualTo("1");
        });
    }

    @Test
    void redisRestoredFromAnOlderSnapshotNeverLetsAHotCopyContinueAnotherHistory() {
        // What Redis holds in the end: turns 0, 1, 3 and 4 (turn 2 was lost with the restore).
        List<String> kept = List.of(TURNS.get(0), TURNS.get(1), TURNS.get(3), TURNS.get(4));
        long[] referenceTokens = new long[1];
        byte[][] referenceState = new byte[1][];
        instance("history-ref:", "infini.conversation.cache-max-size=0").run(ctx -> {
            for (String message : kept) {
                say(ctx.getBean(InfiniChatModel.class), "h", message);
            }
            referenceTokens[0] = ctx.getBean(InfiniConversations.class).stats("h").orElseThrow().tokensSeen();
            referenceState[0] = ctx.getBean(ConversationStore.class).load("h").orElseThrow().state();
        });
        instance("history:").run(a -> instance("history:").run(b -> {
            InfiniChatModel onA = a.getBean(InfiniChatModel.class);
            InfiniChatModel onB = b.getBean(InfiniChatModel.class);
            RedisConnectionFactory factory = a.getBean(RedisConnectionFactory.class);
            byte[] key = "history:c:h".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            say(onA, "h", TURNS.get(0));
            say(onB, "h", TURNS.get(1));
            byte[] snapshot;
            try (var connection = factory.getConnection()) {
                snapshot = connection.keyCommands().dump(key);
            }
            say(onB, "h", TURNS.get(2)); // acknowledged, then lost: Redis comes back from the older snapshot
            try (var connection = factory.getConnection()) {
                connection.keyCommands().restore(key, 0, snapshot, true);
            }
            say(onA, "h", TURNS.get(3)); // the same version number B's hot copy has, another history
            ChatResponse last = say(onB, "h", TURNS.get(4));
            assertThat((Long) last.getMetadata().get(InfiniChatModel.TOKENS_SEEN)).isEqualTo(referenceTokens[0]);
            States.assertSameConversation(b.getBean(ConversationStore.class).load("h").orElseThrow().state(),
                    referenceState[0]);
        }));
    }

    @Test
    void redisFailingBetweenTheLoadAndTheSaveKeepsTheLastCompletedTurn() throws Exception {
        Run reference = uninterrupted("between:", "reference", 2, "infini.conversation.cache-max-size=0");
        // A short lease: the release fails while Redis is down, and the next turn waits for the lease.
        instance("between:", "infini.store.lock-lease=1s").run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            InfiniConversations conversations = ctx.getBean(InfiniConversations.class);
            String first = text(say(model, "cut", TURNS.get(0)));
            long version = conversations.stats("cut").orElseThrow().version();
            java.util.concurrent.atomic.AtomicBoolean paused = new java.util.concurrent.atomic.AtomicBoolean();
            try {
                // The hook: Redis stops answering at the turn's first token, after the load, before the save.
                assertThatThrownBy(() -> conversations.turn("cut",
                        List.of(new InfiniChatTemplate.ChatMessage("user", TURNS.get(1))), null, (id, text) -> {
                            if (paused.compareAndSet(false, true)) {
                                redis.pause();
                            }
                        })).isInstanceOf(ConversationStoreException.class);
            } finally {
                redis.resume();
            }
            assertThat(paused).isTrue();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> conversations.stats("cut").isPresent());
            assertThat(conversations.stats("cut").orElseThrow().version()).isEqualTo(version);
            String second = text(say(model, "cut", TURNS.get(1)));
            assertThat(List.of(first, second)).isEqualTo(reference.replies());
            States.assertSameConversation(ctx.getBean(ConversationStore.class).load("cut").orElseThrow().state(),
                    reference.state());
        });
    }

    @Test
    void everyWriteRestartsTheTimeToLiveAndTheConversationIsGoneOnceRedisExpiresIt() {
        // An hour, far longer than the test, so no write races the expiry: what each write set is read back from
        // Redis (PTTL), and a TTL cut short with PEXPIRE stands for the time that would have passed.
        long hour = Duration.ofHours(1).toMillis();
        long minute = Duration.ofMinutes(1).toMillis();
        String key = "ttl:c:fleeting";
        instance("ttl:", "infini.store.ttl=1h").run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            InfiniConversations conversations = ctx.getBean(InfiniConversations.class);
            say(model, "fleeting", TURNS.get(0));
            assertThat(pttl(key)).as("a turn's save sets the TTL").isBetween(1L, hour);

            pexpire(key, minute);
            conversations.putMetadata("fleeting", "owner", "alice");
            assertThat(pttl(key)).as("a metadata write restarts the TTL").isBetween(minute + 1, hour);

            pexpire(key, minute);
            say(model, "fleeting", TURNS.get(1));
            assertThat(pttl(key)).as("a later turn restarts the TTL").isBetween(minute + 1, hour);

            StringRedisTemplate raw = new StringRedisTemplate(ctx.getBean(RedisConnectionFactory.class));
            assertThat(raw.keys("ttl:*")).contains(key)
                    .allSatisfy(k -> assertThat(pttl(k)).as("%s expires too", k).isPositive());

            pexpire(key, 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> pttl(key) == -2); // Redis reports it expired
            assertThat(conversations.stats("fleeting")).isEmpty();
            assertThat(conversations.metadata("fleeting")).isEmpty();
            assertThat(conversations.conversationIds()).doesNotContain("fleeting");
        });
    }

    /** The key's remaining time to live in ms as Redis reports it: -2 if it does not exist, -1 if it never expires. */
    private static long pttl(String key) throws IOException {
        return Long.parseLong(redis.command("PTTL " + key).substring(1));
    }

    private static void pexpire(String key, long ms) throws IOException {
        assertThat(redis.command("PEXPIRE " + key + " " + ms)).isEqualTo(":1");
    }

    @Test
    void deletingAConversationRemovesStateAndMetadataAndTheNextTurnStartsAfresh() {
        instance("delete:").run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            InfiniConversations conversations = ctx.getBean(InfiniConversations.class);
            ChatResponse first = say(model, "doomed", TURNS.get(0));
            say(model, "doomed", TURNS.get(1));
            conversations.putMetadata("doomed", "owner", "bob");
            assertThat(conversations.metadata("doomed")).containsEntry("owner", "bob");
            assertThat(conversations.conversationIds()).contains("doomed");
            assertThat(conversations.delete("doomed")).isTrue();
            assertThat(conversations.stats("doomed")).isEmpty();
            assertThat(conversations.metadata("doomed")).isEmpty();
            assertThat(conversations.conversationIds()).doesNotContain("doomed");
            assertThat(conversations.delete("doomed")).isFalse();
            ChatResponse again = say(model, "doomed", TURNS.get(0));
            assertThat(text(again)).isEqualTo(text(first));
            assertThat(conversations.stats("doomed").orElseThrow().tokensSeen())
                    .isEqualTo(first.getMetadata().get(InfiniChatModel.TOKENS_SEEN));
        });
    }

    @Test
    void statsMetadataAndListingDescribeTheStoredConversations() {
        instance("stats:").run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            InfiniConversations conversations = ctx.getBean(InfiniConversations.class);
            ChatResponse r = say(model, "user-1:chat", TURNS.get(0));
            say(model, "user-2:chat", TURNS.get(0));
            conversations.putMetadata("user-1:chat", "owner", "alice");
            var stats = conversations.stats("user-1:chat").orElseThrow();
            assertThat(stats.tokensSeen()).isEqualTo(r.getMetadata().get(InfiniChatModel.TOKENS_SEEN));
            assertThat(stats.stateBytes()).isEqualTo(conversations.stateBytes());
            assertThat(stats.lastTurnLatency()).isPositive();
            assertThat(stats.version()).isEqualTo(1);
            assertThat(conversations.conversationIds()).containsExactlyInAnyOrder("user-1:chat", "user-2:chat");
            assertThat(conversations.metadata("user-1:chat")).isEqualTo(Map.of("owner", "alice"));
            say(model, "user-1:chat", TURNS.get(1));
            assertThat(conversations.metadata("user-1:chat")).isEqualTo(Map.of("owner", "alice"));
            assertThat(conversations.stats("never-seen")).isEmpty();
        });
    }
}
