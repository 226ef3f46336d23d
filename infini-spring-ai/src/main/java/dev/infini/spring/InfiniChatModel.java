package dev.infini.spring;

import dev.infini.engine.sampling.FinishReason;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.spring.InfiniChatTemplate.ChatMessage;
import dev.infini.spring.InfiniConversations.TurnResult;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.ai.chat.observation.ChatModelObservationDocumentation;
import org.springframework.ai.chat.observation.DefaultChatModelObservationConvention;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Schedulers;

import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CancellationException;

/**
 * A Spring AI {@link ChatModel} on the Infini engine whose conversations keep their compressive memory in a
 * {@link dev.infini.spring.store.ConversationStore} between turns, so each turn processes only its new messages.
 * <p>
 * The conversation is the {@link InfiniChatOptions#getConversationId() conversationId} of the prompt's options (set
 * it directly, or through {@link InfiniConversationAdvisor} from {@code ChatMemory.CONVERSATION_ID}); without one a
 * call is a stateless one-off: nothing is stored, and the response metadata says so ({@link #STATELESS}). Tool
 * calling and media are not supported: a prompt with tool callbacks or media fails with
 * {@link IllegalArgumentException} rather than having them silently dropped. {@link #stream} emits text as tokens are
 * sampled and ends with a response that carries the finish reason and usage; cancelling the stream aborts the turn
 * and leaves the conversation as it was.
 * <p>
 * Responses carry {@code Usage} (prompt tokens: tokens appended this turn besides the generated ones; completion
 * tokens: generated), the finish reason ({@code STOP} for end-of-sequence or a stop string, {@code LENGTH}) and the
 * metadata keys {@link #CONVERSATION_ID}, {@link #TOKENS_SEEN}, {@link #SEGMENTS_FOLDED}, {@link #STATE_BYTES},
 * {@link #STATE_VERSION}. Each call is observed as {@code gen_ai.client.operation}.
 */
public final class InfiniChatModel implements ChatModel {

    /** Provider name in observations. */
    public static final String PROVIDER = "infini";
    /** Metadata key: the conversation id (absent for a stateless call). */
    public static final String CONVERSATION_ID = "infini.conversation-id";
    /** Metadata key: tokens of the whole conversation after the turn. */
    public static final String TOKENS_SEEN = "infini.tokens-seen";
    /** Metadata key: segments folded into the conversation's memory after the turn. */
    public static final String SEGMENTS_FOLDED = "infini.segments-folded";
    /** Metadata key: bytes of the stored state. */
    public static final String STATE_BYTES = "infini.state-bytes";
    /** Metadata key: stored version of the conversation after the turn. */
    public static final String STATE_VERSION = "infini.state-version";
    /** Metadata key: true when the call had no conversation id, so nothing was remembered. */
    public static final String STATELESS = "infini.stateless";

    private static final ChatModelObservationConvention DEFAULT_CONVENTION =
            new DefaultChatModelObservationConvention();

    private final InfiniConversations conversations;
    private final InfiniChatOptions defaultOptions;
    private final ObservationRegistry observationRegistry;
    private final ChatModelObservationConvention observationConvention;

    private InfiniChatModel(Builder b) {
        this.conversations = Objects.requireNonNull(b.conversations, "conversations");
        this.defaultOptions = b.defaultOptions != null ? b.defaultOptions : InfiniChatOptions.builder().build();
        this.observationRegistry = b.observationRegistry != null ? b.observationRegistry : ObservationRegistry.NOOP;
        this.observationConvention = b.observationConvention;
    }

    /** A builder; {@link Builder#conversations} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The conversations service behind this model. */
    public InfiniConversations conversations() {
        return conversations;
    }

    @Override
    public ChatOptions getOptions() {
        return defaultOptions;
    }

    private InfiniChatOptions merge(Prompt prompt) {
        refuseUnsupported(prompt);
        InfiniChatOptions.Builder b = defaultOptions.mutate();
        if (prompt.getOptions() != null) {
            b.combineWith(InfiniChatOptions.from(prompt.getOptions()).mutate());
        }
        return b.build();
    }

    private static void refuseUnsupported(Prompt prompt) {
        if (prompt.getOptions() instanceof ToolCallingChatOptions tools && !tools.getToolCallbacks().isEmpty()) {
            throw new IllegalArgumentException("Infini models do not call tools: remove the "
                    + tools.getToolCallbacks().size() + " tool callback(s) from the prompt or its ChatClient");
        }
        for (Message message : prompt.getInstructions()) {
            if (message instanceof UserMessage user && !user.getMedia().isEmpty()) {
                throw new IllegalArgumentException("Infini models read text only: the prompt has "
                        + user.getMedia().size() + " media attachment(s)");
            }
        }
    }

    private Prompt withOptions(Prompt prompt, InfiniChatOptions options) {
        return prompt.mutate().chatOptions(options).build();
    }

    private Observation observation(ChatModelObservationContext context) {
        return ChatModelObservationDocumentation.CHAT_MODEL_OPERATION.observation(observationConvention,
                DEFAULT_CONVENTION, () -> context, observationRegistry);
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        InfiniChatOptions options = merge(prompt);
        Prompt effective = withOptions(prompt, options);
        ChatModelObservationContext context = ChatModelObservationContext.builder().prompt(effective)
                .provider(PROVIDER).build();
        return observation(context).observe(() -> {
            TurnResult result = conversations.turn(options.getConversationId(),
                    ChatMessage.of(prompt.getInstructions()), generationOptions(options), (id, text) -> { });
            ChatResponse response = response(result.text(), result, options);
            context.setResponse(response);
            return response;
        });
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        InfiniChatOptions options = merge(prompt);
        Prompt effective = withOptions(prompt, options);
        return Flux.deferContextual(contextView -> {
            ChatModelObservationContext context = ChatModelObservationContext.builder().prompt(effective)
                    .provider(PROVIDER).streaming(true).build();
            Observation observation = observation(context);
            observation.parentObservation(contextView.getOrDefault(ObservationThreadLocalAccessor.KEY, null))
                    .start();
            Flux<ChatResponse> tokens = Flux.<ChatResponse>create(sink -> run(sink, prompt, options, context),
                            FluxSink.OverflowStrategy.BUFFER)
                    .subscribeOn(Schedulers.boundedElastic());
            return tokens.doOnError(observation::error)
                    .doFinally(signal -> observation.stop())
                    .contextWrite(ctx -> ctx.put(ObservationThreadLocalAccessor.KEY, observation));
        });
    }

    private void run(FluxSink<ChatResponse> sink, Prompt prompt, InfiniChatOptions options,
                     ChatModelObservationContext context) {
        try {
            TurnResult result = conversations.turn(options.getConversationId(),
                    ChatMessage.of(prompt.getInstructions()), generationOptions(options), (id, text) -> {
                        if (sink.isCancelled()) {
                            // aborts the turn: nothing is saved, the conversation keeps its previous state
                            throw new CancellationException("stream cancelled");
                        }
                        if (!text.isEmpty()) {
                            sink.next(new ChatResponse(List.of(new Generation(new AssistantMessage(text)))));
                        }
                    });
            context.setResponse(response(result.text(), result, options));
            sink.next(response("", result, options));
            sink.complete();
        } catch (CancellationException e) {
            sink.complete();
        } catch (RuntimeException e) {
            sink.error(e);
        }
    }

    private GenerationOptions generationOptions(InfiniChatOptions options) {
        return options.toGenerationOptions(conversations.settings().generation());
    }

    private ChatResponse response(String text, TurnResult result, InfiniChatOptions options) {
        String finish = result.finishReason() == FinishReason.LENGTH ? "LENGTH" : "STOP";
        Generation generation = new Generation(new AssistantMessage(text),
                ChatGenerationMetadata.builder().finishReason(finish)
                        .metadata("infini.finish-reason", result.finishReason().name()).build());
        ChatResponseMetadata.Builder metadata = ChatResponseMetadata.builder()
                .id(UUID.randomUUID().toString())
                .model(options.getModel() != null ? options.getModel() : PROVIDER)
                .usage(new DefaultUsage(result.promptTokens(), result.completionTokens()))
                .keyValue(TOKENS_SEEN, result.tokensSeen())
                .keyValue(SEGMENTS_FOLDED, result.segmentsFolded())
                .keyValue(STATE_BYTES, result.stateBytes())
                .keyValue(STATE_VERSION, result.version());
        if (result.conversationId() != null) {
            metadata.keyValue(CONVERSATION_ID, result.conversationId());
        }
        metadata.keyValue(STATELESS, result.conversationId() == null);
        return new ChatResponse(List.of(generation), metadata.build());
    }

    /** Builder of {@link InfiniChatModel}. */
    public static final class Builder {
        private InfiniConversations conversations;
        private InfiniChatOptions defaultOptions;
        private ObservationRegistry observationRegistry;
        private ChatModelObservationConvention observationConvention;

        private Builder() {
        }

        /** The conversations service (required). */
        public Builder conversations(InfiniConversations conversations) {
            this.conversations = conversations;
            return this;
        }

        /** Options for values a prompt does not set. */
        public Builder defaultOptions(InfiniChatOptions defaultOptions) {
            this.defaultOptions = defaultOptions;
            return this;
        }

        /** Where observations go; none by default. */
        public Builder observationRegistry(ObservationRegistry observationRegistry) {
            this.observationRegistry = observationRegistry;
            return this;
        }

        /** A custom observation convention; Spring AI's default otherwise. */
        public Builder observationConvention(ChatModelObservationConvention observationConvention) {
            this.observationConvention = observationConvention;
            return this;
        }

        public InfiniChatModel build() {
            return new InfiniChatModel(this);
        }
    }
}
