package dev.infini.spring;

import dev.infini.spring.support.States;

import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.spring.InfiniChatTemplate.ChatMessage;
import dev.infini.spring.autoconfigure.InfiniAutoConfiguration;
import dev.infini.spring.support.SharedModels;
import dev.infini.spring.store.ConversationStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.infini.spring.support.Instances.TURNS;
import static dev.infini.spring.support.Instances.say;
import static dev.infini.spring.support.Instances.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The chat model through Spring AI's ChatClient, streaming, observations and meters (in-process store). */
class ChatClientConversationTest {

    private static final String SYSTEM = "You tell short stories.";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InfiniAutoConfiguration.class))
            .withUserConfiguration(Observability.class)
            .withPropertyValues("infini.model.path=" + SharedModels.stories260k(), "infini.model.device=cpu",
                    "infini.model.threads=1",
                    "infini.model.segment-length=32", "infini.model.gate-init=0", "infini.chat.temperature=0",
                    "infini.chat.repetition-penalty=1", "infini.chat.max-tokens=16");

    @Configuration(proxyBeanMethods = false)
    static class Observability {
        final List<String> observed = new CopyOnWriteArrayList<>();
        final List<String> tags = new CopyOnWriteArrayList<>();

        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        ObservationRegistry observationRegistry() {
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig().observationHandler(new ObservationHandler<>() {
                @Override
                public void onStop(Observation.Context context) {
                    observed.add(context.getName());
                    context.getAllKeyValues().forEach(kv -> tags.add(kv.getKey() + "=" + kv.getValue()));
                }

                @Override
                public boolean supportsContext(Observation.Context context) {
                    return true;
                }
            });
            return registry;
        }
    }

    /** The reference: the chat model called directly, system message and user message every turn. */
    private static List<String> direct(InfiniChatModel model, String id) {
        List<String> replies = new ArrayList<>();
        for (String turn : TURNS.subList(0, 3)) {
            Prompt prompt = new Prompt(List.<Message>of(new SystemMessage(SYSTEM), new UserMessage(turn)),
                    InfiniChatOptions.builder().conversationId(id).build());
            replies.add(text(model.call(prompt)));
        }
        return replies;
    }

    private static List<String> viaClient(ChatClient client, String id) {
        List<String> replies = new ArrayList<>();
        for (String turn : TURNS.subList(0, 3)) {
            replies.add(client.prompt().user(turn).advisors(a -> a.param(ChatMemory.CONVERSATION_ID, id))
                    .call().content());
        }
        return replies;
    }

    @Test
    void aChatClientWithTheAdvisorContinuesTheConversationOfTheAdvisorParameter() {
        runner.run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            InfiniConversations conversations = ctx.getBean(InfiniConversations.class);
            ChatClient client = ChatClient.builder(model).defaultSystem(SYSTEM)
                    .defaultAdvisors(ctx.getBean(InfiniConversationAdvisor.class)).build();
            List<String> reference = direct(model, "reference");
            assertThat(viaClient(client, "client")).isEqualTo(reference);
            assertThat(conversations.stats("client").orElseThrow().tokensSeen())
                    .isEqualTo(conversations.stats("reference").orElseThrow().tokensSeen());
            ConversationStore store = ctx.getBean(ConversationStore.class);
            States.assertSameConversation(store.load("client").orElseThrow().state(),
                    store.load("reference").orElseThrow().state());
        });
    }

    @Test
    void historyReSentByMessageChatMemoryAdvisorIsNotFedTwice() {
        runner.run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            InfiniConversations conversations = ctx.getBean(InfiniConversations.class);
            ChatMemory memory = MessageWindowChatMemory.builder().maxMessages(50).build();
            ChatClient client = ChatClient.builder(model).defaultSystem(SYSTEM)
                    .defaultAdvisors(ctx.getBean(InfiniConversationAdvisor.class),
                            MessageChatMemoryAdvisor.builder(memory).build()).build();
            List<String> reference = direct(model, "reference");
            assertThat(viaClient(client, "remembered")).isEqualTo(reference);
            assertThat(memory.get("remembered")).hasSize(6);
            ConversationStore store = ctx.getBean(ConversationStore.class);
            States.assertSameConversation(store.load("remembered").orElseThrow().state(),
                    store.load("reference").orElseThrow().state());
            assertThat(conversations.stats("remembered").orElseThrow().version()).isEqualTo(3);
        });
    }

    @Test
    void streamingThroughAChatClientWithAChatMemoryAdvisorKeepsTheConversationRight() {
        runner.run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            ChatMemory memory = MessageWindowChatMemory.builder().maxMessages(50).build();
            ChatClient client = ChatClient.builder(model).defaultSystem(SYSTEM)
                    .defaultAdvisors(ctx.getBean(InfiniConversationAdvisor.class),
                            MessageChatMemoryAdvisor.builder(memory).build()).build();
            List<String> reference = direct(model, "reference");
            List<String> streamed = new ArrayList<>();
            for (String turn : TURNS.subList(0, 3)) {
                streamed.add(String.join("", client.prompt().user(turn)
                        .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "streamed-memory"))
                        .stream().content().collectList().block()));
            }
            assertThat(streamed).isEqualTo(reference);
            assertThat(memory.get("streamed-memory")).hasSize(6);
            ConversationStore store = ctx.getBean(ConversationStore.class);
            States.assertSameConversation(store.load("streamed-memory").orElseThrow().state(),
                    store.load("reference").orElseThrow().state());
        });
    }

    @Test
    void streamingEmitsTextAsItIsSampledAndEndsWithFinishReasonAndUsage() {
        runner.run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            ChatResponse called = say(model, "called", TURNS.get(0));
            List<ChatResponse> chunks = model.stream(new Prompt(new UserMessage(TURNS.get(0)),
                    InfiniChatOptions.builder().conversationId("streamed").build())).collectList().block();
            assertThat(chunks).hasSizeGreaterThan(2);
            StringBuilder streamed = new StringBuilder();
            chunks.forEach(c -> streamed.append(c.getResult().getOutput().getText()));
            assertThat(streamed.toString()).isEqualTo(text(called));
            ChatResponse last = chunks.get(chunks.size() - 1);
            assertThat(last.getResult().getMetadata().getFinishReason()).isIn("STOP", "LENGTH");
            assertThat(last.getMetadata().getUsage()).isEqualTo(called.getMetadata().getUsage());
            assertThat((Long) last.getMetadata().get(InfiniChatModel.TOKENS_SEEN))
                    .isEqualTo((Long) called.getMetadata().get(InfiniChatModel.TOKENS_SEEN));
            ChatClient client = ChatClient.builder(model)
                    .defaultAdvisors(ctx.getBean(InfiniConversationAdvisor.class)).build();
            String viaClient = String.join("", client.prompt().user(TURNS.get(0))
                    .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "client-streamed"))
                    .stream().content().collectList().block());
            assertThat(viaClient).isEqualTo(text(called));
            assertThat(ctx.getBean(InfiniConversations.class).stats("client-streamed")).isPresent();
        });
    }

    @Test
    void responsesCarryUsageFinishReasonAndConversationMetadataAndAreObserved() {
        runner.run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            ChatResponse first = say(model, "measured", TURNS.get(0));
            ChatResponse second = say(model, "measured", TURNS.get(1));
            var usage = second.getMetadata().getUsage();
            assertThat(usage.getPromptTokens()).isPositive();
            assertThat(usage.getCompletionTokens()).isPositive();
            assertThat((Long) second.getMetadata().get(InfiniChatModel.TOKENS_SEEN))
                    .isEqualTo((Long) first.getMetadata().get(InfiniChatModel.TOKENS_SEEN)
                            + usage.getPromptTokens() + usage.getCompletionTokens());
            assertThat((Long) second.getMetadata().get(InfiniChatModel.STATE_BYTES))
                    .isEqualTo(model.conversations().stateBytes());
            assertThat((String) second.getMetadata().get(InfiniChatModel.CONVERSATION_ID)).isEqualTo("measured");
            assertThat((Long) second.getMetadata().get(InfiniChatModel.STATE_VERSION)).isEqualTo(2);
            assertThat(second.getResult().getMetadata().getFinishReason()).isIn("STOP", "LENGTH");
            assertThat(ctx.getBean(Observability.class).observed).contains("gen_ai.client.operation");
            // the request's real values: the decided defaults (greedy here) and the checkpoint's name
            assertThat(ctx.getBean(Observability.class).tags).contains("gen_ai.system=infini",
                    "gen_ai.request.model=stories260k", "gen_ai.request.temperature=0.0",
                    "gen_ai.request.max_tokens=16", "gen_ai.request.top_k=0", "gen_ai.response.model=stories260k");
            MeterRegistry meters = ctx.getBean(MeterRegistry.class);
            assertThat(meters.get("infini.store.duration").tag("operation", "save").timer().count()).isEqualTo(2);
            assertThat(meters.get("infini.state.bytes").summary().max())
                    .isEqualTo(model.conversations().stateBytes());
            assertThat(meters.get("infini.cache.sessions").gauge().value()).isEqualTo(1);
        });
    }

    @Test
    void aCallWithoutConversationIdIsAStatelessOneOff() {
        runner.run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            ChatResponse once = model.call(new Prompt(TURNS.get(0)));
            ChatResponse twice = model.call(new Prompt(TURNS.get(0)));
            assertThat(text(twice)).isEqualTo(text(once));
            var usage = once.getMetadata().getUsage();
            assertThat((Long) once.getMetadata().get(InfiniChatModel.TOKENS_SEEN))
                    .isEqualTo((long) usage.getPromptTokens() + usage.getCompletionTokens());
            assertThat(ctx.getBean(InfiniConversations.class).conversationIds()).isEmpty();
        });
    }

    @Test
    void invalidConversationIdsAreRejected() {
        runner.run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            for (String bad : List.of("", "has space", "slash/inside", "x".repeat(129), "naïve")) {
                assertThatThrownBy(() -> say(model, bad, TURNS.get(0)))
                        .isInstanceOf(InvalidConversationIdException.class);
            }
            assertThat(ctx.getBean(InfiniConversations.class).conversationIds()).isEmpty();
        });
    }

    @Test
    void aTurnWaitingLongerThanTheLockTimeoutFailsWithoutChangingTheConversation() {
        runner.withPropertyValues("infini.conversation.lock-timeout=200ms").run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            InfiniConversations conversations = ctx.getBean(InfiniConversations.class);
            CountDownLatch generating = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<?> slow = pool.submit(() -> conversations.turn("held", List.of(new ChatMessage("user",
                        TURNS.get(0))), GenerationOptions.greedy(4), (id, text) -> {
                    generating.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
                generating.await();
                assertThatThrownBy(() -> say(model, "held", TURNS.get(1)))
                        .isInstanceOf(ConversationBusyException.class).hasMessageContaining("held");
                release.countDown();
                slow.get();
            } finally {
                pool.shutdownNow();
            }
            assertThat(conversations.stats("held").orElseThrow().version()).isEqualTo(1);
        });
    }

    @Test
    void cancellingAStreamAbortsTheTurnAndLeavesTheConversationAsItWas() {
        runner.run(ctx -> {
            InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
            InfiniConversations conversations = ctx.getBean(InfiniConversations.class);
            say(model, "cancelled", TURNS.get(0));
            long before = conversations.stats("cancelled").orElseThrow().tokensSeen();
            model.stream(new Prompt(new UserMessage(TURNS.get(1)),
                    InfiniChatOptions.builder().conversationId("cancelled").build())).take(1).blockLast();
            // the next turn waits for the aborted one to let go, then starts from the state before it
            ChatResponse next = say(model, "cancelled", TURNS.get(1));
            var usage = next.getMetadata().getUsage();
            assertThat((Long) next.getMetadata().get(InfiniChatModel.TOKENS_SEEN))
                    .isEqualTo(before + usage.getPromptTokens() + usage.getCompletionTokens());
            assertThat(conversations.stats("cancelled").orElseThrow().version()).isEqualTo(2);
        });
    }
}
