package dev.infini.spring.eval;

import dev.infini.engine.session.SessionState;
import dev.infini.engine.session.StateCodec;
import dev.infini.spring.InfiniChatModel;
import dev.infini.spring.store.ConversationStore;
import dev.infini.spring.store.RedisConversationStore;
import dev.infini.spring.support.Instances;
import dev.infini.spring.support.RealRedis;
import dev.infini.spring.support.RealRedisExtension;
import dev.infini.spring.support.SharedModels;
import dev.infini.tools.eval.ChatRecallEvaluator.Reply;
import dev.infini.tools.eval.ChatRecallEvaluator.Trial;
import dev.infini.tools.eval.ChatRecallEvaluator;
import dev.infini.tools.eval.HeldOutChatRecall;
import dev.infini.tools.eval.OpenData;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Chat recall through the starter's ChatModel, the conversation state in a real Redis. */
class ChatRecallTest {

    private static final String NO_CACHE = "infini.conversation.cache-max-size=0";

    @RealRedisExtension.PerClass
    private static RealRedis redis;

    private static ApplicationContextRunner instance(String prefix, String... more) {
        return Instances.onRedis(redis, prefix, more).withBean(MeterRegistry.class, SimpleMeterRegistry::new);
    }

    /** What Redis held after one turn. */
    private record Observed(Reply reply, long version, byte[] state, boolean keyExists) {
    }

    @Test
    void everyTurnSavesTheStateToRedisAndTheNextTurnLoadsItFromThere() {
        instance("recall-store:", NO_CACHE).run(ctx -> {
            InfiniChatModel chatModel = ctx.getBean(InfiniChatModel.class);
            RedisConversationStore store = (RedisConversationStore) ctx.getBean(ConversationStore.class);
            ChatRecall recall = new ChatRecall(chatModel, 12);
            List<Observed> observed = new ArrayList<>();
            ChatRecallEvaluator.Chat watched = new ChatRecallEvaluator.Chat() {
                @Override
                public Reply reply(String conversationId, String userMessage) {
                    Reply reply = recall.reply(conversationId, userMessage);
                    ConversationStore.StoredState stored = store.load(conversationId).orElseThrow();
                    observed.add(new Observed(reply, stored.stamp().version(), stored.state(),
                            exists(store.stateKey(conversationId))));
                    return reply;
                }

                @Override
                public void forget(String conversationId) {
                    recall.forget(conversationId);
                }
            };

            Trial trial = new ChatRecallEvaluator(watched, 3).run(1, 11, t -> { }).get(0);

            assertThat(observed).hasSize(trial.turns());
            long tokensBefore = 0;
            for (int turn = 0; turn < observed.size(); turn++) {
                Observed o = observed.get(turn);
                assertThat(o.keyExists()).isTrue();
                assertThat(o.version()).isEqualTo(turn + 1);
                SessionState state = StateCodec.decode(dev.infini.spring.support.States.engineState(o.state()));
                assertThat(state.segmentsFolded()).isEqualTo(o.reply().segmentsFolded());
                assertThat(state.tokensSeen()).isGreaterThan(tokensBefore);
                tokensBefore = state.tokensSeen();
                if (turn > 0) {
                    assertThat(o.state()).isNotEqualTo(observed.get(turn - 1).state());
                }
            }
            // with the session cache off, every turn (the first one too) asked the store for the state
            MeterRegistry meters = ctx.getBean(MeterRegistry.class);
            assertThat(storeCalls(meters, "load")).isEqualTo(trial.turns());
            assertThat(storeCalls(meters, "save")).isEqualTo(trial.turns());
            assertThat(trial.segmentsBetween()).isGreaterThanOrEqualTo(3);
        });
    }

    @Test
    void theHeldOutEvaluationRunsThroughTheStarterWithEveryValueCategory() {
        List<OpenData.Document> documents = IntStream.range(0, 20).mapToObj(d -> new OpenData.Document("doc/" + d,
                "The river ran past the old mill number " + d + ". Nobody knew where the road ended.")).toList();
        List<String> names = IntStream.range(0, 200).mapToObj(i -> "Zed" + (char) ('a' + i / 26) + (char) ('a' + i % 26))
                .toList();
        OpenData data = new OpenData(names, names, names, documents);
        instance("recall-held-out:", NO_CACHE).run(ctx -> {
            ChatRecall recall = new ChatRecall(ctx.getBean(InfiniChatModel.class), 8);
            List<HeldOutChatRecall.Trial> trials = recall.runHeldOut(3, 4, 2, data, t -> { });

            assertThat(trials).extracting(HeldOutChatRecall.Trial::category).containsExactly(
                    HeldOutChatRecall.Category.UNSEEN, HeldOutChatRecall.Category.SEEN,
                    HeldOutChatRecall.Category.MADE_UP);
            for (HeldOutChatRecall.Trial t : trials) {
                assertThat(t.segmentsBetween()).isGreaterThanOrEqualTo(2);
                assertThat(t.correct()).isEqualTo(ChatRecallEvaluator.mentions(t.reply(), t.value()));
            }
            // each trial's conversation is in Redis (a run starts each id afresh and leaves it for inspection)
            assertThat(redis.command("KEYS recall-held-out:c:held-out-recall-4-*")).isEqualTo("*3");
        });
    }

    @Test
    void aRunAsksOnlyAfterTheRequiredSegmentsAndStartsEveryConversationAfresh() {
        instance("recall-run:", NO_CACHE).run(ctx -> {
            ChatRecall recall = new ChatRecall(ctx.getBean(InfiniChatModel.class), 12);
            ChatRecall.Result first = recall.run(2, 5, 2, t -> { });
            ChatRecall.Result again = recall.run(2, 5, 2, t -> { });

            assertThat(first.store()).isEqualTo("redis");
            assertThat(first.trials()).hasSize(2);
            for (Trial t : first.trials()) {
                assertThat(t.segmentsBetween()).isGreaterThanOrEqualTo(2);
                assertThat(t.turns()).isGreaterThanOrEqualTo(3);
                assertThat(t.fact()).contains(t.value());
                assertThat(t.correct()).isEqualTo(ChatRecallEvaluator.mentions(t.reply(), t.value()));
            }
            assertThat(first.report()).contains("chat recall (through the ChatModel, redis store): "
                    + first.correct() + "/2");
            // the second run deleted the first run's conversations before replaying them: same replies, and the
            // stored version counts only the second run's turns
            assertThat(again.trials()).isEqualTo(first.trials());
            ConversationStore store = ctx.getBean(ConversationStore.class);
            assertThat(store.version("chat-recall-5-0")).isEqualTo(again.trials().get(0).turns());
        });
    }

    @Test
    void theScoreCountsAPlantedReplyNamingTheFactAndNotOneThatDoesNot() {
        instance("recall-planted:", NO_CACHE).run(ctx -> {
            ChatRecall recall = new ChatRecall(ctx.getBean(InfiniChatModel.class), 8);
            // the real turns still run and save their state; only the text handed to the scoring is replaced:
            // the first conversation answers with its own first message (which states the fact), the second
            // with a reply that names nothing
            Map<String, String> firstMessages = new LinkedHashMap<>();
            Map<String, String> planted = new HashMap<>();
            ChatRecallEvaluator.Chat planting = new ChatRecallEvaluator.Chat() {
                @Override
                public Reply reply(String conversationId, String userMessage) {
                    Reply real = recall.reply(conversationId, userMessage);
                    firstMessages.putIfAbsent(conversationId, userMessage);
                    String text = firstMessages.size() == 1 ? firstMessages.get(conversationId) : "I do not know.";
                    planted.put(conversationId, text);
                    return new Reply(text, real.segmentsFolded());
                }

                @Override
                public void forget(String conversationId) {
                    recall.forget(conversationId);
                }
            };

            List<Trial> trials = new ChatRecallEvaluator(planting, 1).run(2, 3, t -> { });

            assertThat(trials.get(0).reply()).isEqualTo(trials.get(0).fact());
            assertThat(trials.get(0).correct()).isTrue();
            assertThat(trials.get(1).reply()).isEqualTo("I do not know.");
            assertThat(trials.get(1).correct()).isFalse();
            assertThat(planted).hasSize(2);
        });
    }

    @Test
    void refusesAChatModelThatWouldKeepTheSessionInProcessInsteadOfLoadingIt() {
        instance("recall-cached:").run(ctx -> assertThatThrownBy(
                () -> new ChatRecall(ctx.getBean(InfiniChatModel.class), 12))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("infini.conversation.cache-max-size=0"));
    }

    @Test
    void theCommandLinePrintsTheTableAndScoreWithTheConversationsInRedis() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new ChatRecall.Cli()).execute("--model", SharedModels.stories260k().toString(),
                    "--redis", "redis://" + redis.host() + ":" + redis.port(), "--device", "cpu", "--threads", "1",
                    "--segment-length", "32", "-n", "1", "--min-segments", "1", "--max-reply-tokens", "8",
                    "--seed", "9");
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertThat(exit).isZero();
        assertThat(out).contains("| fact | question | reply | segments between | correct |")
                .contains("chat recall (through the ChatModel, redis store): ");
        assertThat(redis.command("EXISTS infini-chat-recall:c:chat-recall-9-0")).isEqualTo(":1");
    }

    private static boolean exists(String key) {
        try {
            return ":1".equals(redis.command("EXISTS " + key));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long storeCalls(MeterRegistry meters, String operation) {
        return meters.get("infini.store.duration").tag("operation", operation).tag("outcome", "ok").timer().count();
    }
}
