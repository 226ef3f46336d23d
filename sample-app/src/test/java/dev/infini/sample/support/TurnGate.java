package dev.infini.sample.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.infini.spring.InfiniChatModel;
import dev.infini.spring.InfiniChatOptions;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.support.GenericApplicationContext;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SignalType;

/**
 * Holds one streamed turn part-way, so that a test acts while that turn is certainly still running: no timer decides
 * whether the turn outlasts what the test does. Installed in the app ({@link RunningApp#onRedis(
 * dev.infini.spring.support.RealRedis, String, int, java.util.Map, TurnGate)}) as its primary {@link ChatModel}, it
 * hands every call and stream to the real {@link InfiniChatModel} unchanged, except the first stream of one
 * conversation: that one's first token goes out, then the thread that generates the turn waits, inside the turn with
 * the conversation's lock held, before it hands on the second token, until {@link #release()}.
 * <p>
 * It sits between the model and Spring AI's client and asks the model for every token at once (buffering them for
 * the client), so the model's {@code FluxSink} hands each token over on the generating thread itself: waiting here
 * is waiting in the turn. Cancelling the client's stream still reaches the model through it.
 */
public final class TurnGate {

    /** Only a broken app makes the turn wait this long; the test has failed by then. */
    private static final long WAIT_SECONDS = 120;

    private final String conversationId;
    private final int tokensBeforeCancel;
    private final AtomicBoolean armed = new AtomicBoolean(true);
    private final AtomicBoolean reached = new AtomicBoolean();
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private final CountDownLatch cancelled = new CountDownLatch(1);

    private TurnGate(String conversationId, int tokensBeforeCancel) {
        this.conversationId = conversationId;
        this.tokensBeforeCancel = tokensBeforeCancel;
    }

    /** Holds the first streamed turn of {@code conversationId} at its second token until {@link #release()}. */
    public static TurnGate holding(String conversationId) {
        return new TurnGate(conversationId, -1);
    }

    /**
     * As {@link #holding}; after {@link #release()} a few more tokens go out (a server learns that its client hung
     * up only when it writes to the connection), then the turn waits again until its stream is cancelled, so it
     * cannot end before the cancellation has reached it.
     */
    public static TurnGate holdingThenWaitingForCancel(String conversationId, int moreTokens) {
        return new TurnGate(conversationId, moreTokens);
    }

    /** Returns once the turn waits at the gate; fails if it ended, or never started, without reaching it. */
    public void awaitHeld() throws InterruptedException {
        assertThat(held.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("a turn of %s started", conversationId).isTrue();
        assertThat(reached).as("the turn of %s was held at its second token, not over before it", conversationId)
                .isTrue();
    }

    /** Lets the held turn go on. */
    public void release() {
        released.countDown();
    }

    /** Adds the gate to an app as its primary {@link ChatModel}, around the starter's {@link InfiniChatModel}. */
    ApplicationContextInitializer<GenericApplicationContext> installer() {
        return context -> context.registerBean("turnGateChatModel", ChatModel.class,
                () -> around(context.getBean(InfiniChatModel.class)), definition -> definition.setPrimary(true));
    }

    private ChatModel around(InfiniChatModel model) {
        return new ChatModel() {
            @Override
            public ChatResponse call(Prompt prompt) {
                return model.call(prompt);
            }

            @Override
            public ChatOptions getOptions() {
                return model.getOptions();
            }

            @Override
            public Flux<ChatResponse> stream(Prompt prompt) {
                if (!conversationId.equals(conversationOf(prompt)) || !armed.compareAndSet(true, false)) {
                    return model.stream(prompt);
                }
                AtomicInteger tokens = new AtomicInteger();
                return model.stream(prompt)
                        // next to the model: it runs after the cancellation has reached the model's sink
                        .doFinally(signal -> {
                            if (signal == SignalType.CANCEL) {
                                cancelled.countDown();
                            }
                            held.countDown(); // a turn that ended without reaching the gate does not hang the test
                        })
                        .doOnNext(response -> beforeHandingOn(tokens.incrementAndGet()))
                        .onBackpressureBuffer();
            }
        };
    }

    private static String conversationOf(Prompt prompt) {
        return prompt.getOptions() == null ? null : InfiniChatOptions.from(prompt.getOptions()).getConversationId();
    }

    /** Runs on the generating thread, inside the turn, before the {@code n}th response is handed on. */
    private void beforeHandingOn(int n) {
        if (n == 2) {
            reached.set(true);
            held.countDown();
            await(released);
        } else if (tokensBeforeCancel >= 0 && n == 2 + tokensBeforeCancel) {
            await(cancelled);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            // Reactor interrupts the generating thread when the stream is cancelled: the turn goes on to notice it
            Thread.currentThread().interrupt();
        }
    }
}
