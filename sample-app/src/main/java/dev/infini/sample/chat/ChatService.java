package dev.infini.sample.chat;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.infini.engine.InvalidInputException;
import dev.infini.sample.config.SampleProperties;
import dev.infini.sample.web.ApiException;
import dev.infini.sample.web.Dtos.ChatReply;
import dev.infini.sample.web.Dtos.Conversation;
import dev.infini.sample.web.Dtos.Memory;
import dev.infini.sample.web.Dtos.Transcript;
import dev.infini.sample.web.Dtos.TranscriptMessage;
import dev.infini.sample.web.Dtos.Usage;
import dev.infini.spring.ConcurrentConversationUpdateException;
import dev.infini.spring.ConversationBusyException;
import dev.infini.spring.ConversationStateException;
import dev.infini.spring.ConversationStoreException;
import dev.infini.spring.InfiniChatModel;
import dev.infini.spring.InfiniChatOptions;
import dev.infini.spring.InfiniConversationAdvisor;
import dev.infini.spring.InfiniConversations;
import dev.infini.spring.InfiniConversations.ConversationStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Flux;

/**
 * The chatbot: turns go through Spring AI's {@link ChatClient} on the starter's {@link InfiniChatModel}, with the
 * conversation id passed as {@link ChatMemory#CONVERSATION_ID} (the starter's advisor hands it to the model), so each
 * turn sends only the new user message and the model continues from the conversation's stored memory.
 * <p>
 * Next to the state, each conversation keeps a few metadata entries: {@code owner} (hash of the API key that created
 * it), {@code title}, {@code createdAt}, {@code updatedAt}, {@code turns}, {@code tokensSeen},
 * {@code segmentsFolded} (so listing needs no state downloads) and {@code latenciesMs}, the recent turn latencies.
 */
@Service
public class ChatService {

    /** Ids this API accepts: URL-safe, 1 to 64 characters. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final String OWNER = "owner";
    private static final String TITLE = "title";
    private static final String CREATED = "createdAt";
    private static final String UPDATED = "updatedAt";
    private static final String TURNS = "turns";
    private static final String TOKENS = "tokensSeen";
    private static final String SEGMENTS = "segmentsFolded";
    private static final String LATENCIES = "latenciesMs";
    private static final int TITLE_CHARS = 60;

    private final InfiniConversations conversations;
    private final ChatClient chatClient;
    private final SampleProperties properties;
    private final MeterRegistry meters;
    private final SecureRandom random = new SecureRandom();

    public ChatService(ChatModel chatModel, InfiniConversationAdvisor advisor, InfiniConversations conversations,
            SampleProperties properties, MeterRegistry meters) {
        this.conversations = conversations;
        this.chatClient = ChatClient.builder(chatModel).defaultAdvisors(advisor).build();
        this.properties = properties;
        this.meters = meters;
    }

    /** Creates an empty conversation owned by {@code owner} (null: the API is open). */
    public Conversation create(String owner) {
        String id;
        do {
            id = "c-" + HexFormat.of().formatHex(randomBytes());
        } while (!register(id, owner));
        return view(id, conversations.metadata(id), null);
    }

    /** The conversations {@code owner} may see, most recently used first. */
    public List<Conversation> list(String owner) {
        List<Conversation> result = new ArrayList<>();
        for (String id : conversations.conversationIds()) {
            if (!ID.matcher(id).matches()) {
                continue; // written by another application sharing the store
            }
            Map<String, String> metadata = conversations.metadata(id);
            if (visible(metadata, owner)) {
                result.add(view(id, metadata, null));
            }
        }
        result.sort(Comparator.comparing(Conversation::updatedAt, Comparator.nullsLast(Comparator.reverseOrder())));
        return result;
    }

    /** One conversation, with its memory as stored. */
    public Conversation get(String id, String owner) {
        Map<String, String> metadata = owned(id, owner);
        return view(id, metadata, conversations.stats(id).orElse(null));
    }

    /** The conversation's messages as the server kept them (none if {@code infini.conversation.transcript} is off). */
    public Transcript transcript(String id, String owner) {
        owned(id, owner);
        return new Transcript(conversations.keepsTranscript(), conversations.transcript(id).stream()
                .map(m -> new TranscriptMessage(m.getMessageType().getValue(), m.getText())).toList());
    }

    public void delete(String id, String owner) {
        owned(id, owner);
        conversations.delete(id);
    }

    /** Answers one message, creating the conversation on its first message. */
    public ChatReply send(String id, String owner, String message) {
        Turn turn = begin(id, owner, message);
        Timer.Sample sample = Timer.start(meters);
        String outcome = "error";
        try {
            ChatResponse response = prompt(id, message).call().chatResponse();
            ChatReply reply = turn.finish(response.getResult().getOutput().getText(), response);
            outcome = "ok";
            return reply;
        } catch (RuntimeException e) {
            throw translate(id, e);
        } finally {
            sample.stop(timer("call", outcome));
        }
    }

    /**
     * Answers one message as a stream: the reply's text pieces as they are sampled, then the finished turn.
     * Validation and ownership are checked before the stream is returned; cancelling it aborts the turn and leaves
     * the conversation as it was.
     */
    public Flux<StreamEvent> stream(String id, String owner, String message) {
        Turn turn = begin(id, owner, message);
        StringBuilder text = new StringBuilder();
        ChatResponse[] last = new ChatResponse[1];
        Timer.Sample sample = Timer.start(meters);
        return prompt(id, message).stream().chatResponse()
                .<StreamEvent>handle((response, sink) -> {
                    last[0] = response;
                    String piece = response.getResult() == null ? null : response.getResult().getOutput().getText();
                    if (piece != null && !piece.isEmpty()) {
                        text.append(piece);
                        sink.next(new StreamEvent.Token(piece));
                    }
                })
                .concatWith(Flux.defer(() -> {
                    if (last[0] == null) {
                        return Flux.error(new IllegalStateException("the model ended the stream without a reply"));
                    }
                    ChatReply reply = turn.finish(text.toString(), last[0]);
                    sample.stop(timer("stream", "ok"));
                    return Flux.just(new StreamEvent.Done(reply));
                }))
                .onErrorMap(e -> {
                    sample.stop(timer("stream", "error"));
                    return e instanceof RuntimeException r ? translate(id, r) : e;
                })
                .doOnCancel(() -> sample.stop(timer("stream", "cancelled")));
    }

    /** What a stream carries: the reply's pieces, then the finished turn. */
    public sealed interface StreamEvent {

        record Token(String text) implements StreamEvent {
        }

        record Done(ChatReply reply) implements StreamEvent {
        }
    }

    private ChatClient.ChatClientRequestSpec prompt(String id, String message) {
        ChatClient.ChatClientRequestSpec spec = chatClient.prompt()
                .options(InfiniChatOptions.builder().maxTokens(properties.maxReplyTokens()))
                .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, id));
        if (!properties.systemPrompt().isBlank()) {
            // The starter appends a system message only when a conversation starts; later turns send just the user.
            spec = spec.system(properties.systemPrompt());
        }
        return spec.user(message);
    }

    /** A turn that passed validation: knows when it started and writes the metadata when it ends. */
    private final class Turn {
        private final String id;
        private final String message;
        private final long start = System.nanoTime();

        Turn(String id, String message) {
            this.id = id;
            this.message = message;
        }

        ChatReply finish(String text, ChatResponse response) {
            long latencyMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
            ChatResponseMetadata metadata = response.getMetadata();
            long tokensSeen = number(metadata.get(InfiniChatModel.TOKENS_SEEN));
            long segments = number(metadata.get(InfiniChatModel.SEGMENTS_FOLDED));
            long stateBytes = number(metadata.get(InfiniChatModel.STATE_BYTES));
            var usage = metadata.getUsage();
            int prompt = usage == null || usage.getPromptTokens() == null ? 0 : usage.getPromptTokens();
            int completion = usage == null || usage.getCompletionTokens() == null ? 0 : usage.getCompletionTokens();
            String finish = response.getResult() == null ? null
                    : response.getResult().getMetadata().getFinishReason();

            Map<String, String> stored = conversations.metadata(id);
            Map<String, String> updates = new java.util.HashMap<>();
            if (!stored.containsKey(TITLE)) {
                updates.put(TITLE, title(message));
            }
            List<Long> latencies = new ArrayList<>(latencies(stored));
            latencies.add(latencyMs);
            List<Long> recent = latencies.subList(Math.max(0, latencies.size() - properties.latencyHistory()),
                    latencies.size());
            updates.put(LATENCIES, String.join(",", recent.stream().map(String::valueOf).toList()));
            updates.put(TURNS, String.valueOf(parseInt(stored.get(TURNS)) + 1));
            updates.put(TOKENS, String.valueOf(tokensSeen));
            updates.put(SEGMENTS, String.valueOf(segments));
            updates.put(UPDATED, Instant.now().toString());
            // One write, and none at all if the conversation was deleted while this turn ran.
            conversations.putMetadata(id, updates);
            meters.counter("infini.sample.tokens", "kind", "prompt").increment(prompt);
            meters.counter("infini.sample.tokens", "kind", "completion").increment(completion);
            return new ChatReply(id, text, finish, new Usage(prompt, completion, prompt + completion),
                    new Memory(tokensSeen, segments, stateBytes, conversations.model().segmentLength()), latencyMs);
        }
    }

    private Turn begin(String id, String owner, String message) {
        validateId(id);
        validateMessage(message);
        Map<String, String> metadata = conversations.metadata(id);
        if (!exists(metadata, id) && register(id, owner)) {
            return new Turn(id, message);
        }
        // It existed, or another request created it between our read and our claim: its owner decides.
        if (!visible(conversations.metadata(id), owner)) {
            throw ApiException.notFound(id);
        }
        return new Turn(id, message);
    }

    /** Claims a new conversation for {@code owner}; false if the id was taken, by anyone, even a moment ago. */
    private boolean register(String id, String owner) {
        Map<String, String> metadata = new java.util.HashMap<>();
        if (owner != null) {
            metadata.put(OWNER, owner);
        }
        String now = Instant.now().toString();
        metadata.put(CREATED, now);
        metadata.put(UPDATED, now);
        return conversations.create(id, metadata);
    }

    /** The first message, whitespace collapsed, cut to {@link #TITLE_CHARS} characters without splitting one. */
    static String title(String message) {
        String title = message.strip().replaceAll("\\s+", " ");
        if (title.codePointCount(0, title.length()) <= TITLE_CHARS) {
            return title;
        }
        return title.substring(0, title.offsetByCodePoints(0, TITLE_CHARS - 1)) + "…";
    }

    /** The conversation's metadata if it exists and {@code owner} may use it; 404 otherwise. */
    private Map<String, String> owned(String id, String owner) {
        validateId(id);
        Map<String, String> metadata = conversations.metadata(id);
        if (!exists(metadata, id) || !visible(metadata, owner)) {
            throw ApiException.notFound(id);
        }
        return metadata;
    }

    private boolean exists(Map<String, String> metadata, String id) {
        return !metadata.isEmpty() || conversations.exists(id);
    }

    /** With API keys, a conversation is its creator's alone; with an open API, every conversation is visible. */
    private static boolean visible(Map<String, String> metadata, String owner) {
        return owner == null || Objects.equals(metadata.get(OWNER), owner);
    }

    public void validateId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_conversation_id",
                    "A conversation id is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    public void validateMessage(String message) {
        if (message == null || message.codePoints().allMatch(ChatService::invisible)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "message_empty",
                    "The message is empty: send {\"message\": \"your text\"}");
        }
        if (message.length() > properties.maxMessageChars()) {
            throw new ApiException(HttpStatus.PAYLOAD_TOO_LARGE, "message_too_long", "The message has "
                    + message.length() + " characters, more than the " + properties.maxMessageChars()
                    + " allowed (infini.sample.max-message-chars)");
        }
    }

    /** Whitespace of any kind (no-break spaces included) and format characters such as zero-width spaces. */
    private static boolean invisible(int codePoint) {
        return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint)
                || Character.getType(codePoint) == Character.FORMAT;
    }

    private Conversation view(String id, Map<String, String> metadata, ConversationStats stats) {
        long tokens = stats != null ? stats.tokensSeen() : parseLong(metadata.get(TOKENS));
        long segments = stats != null ? stats.segmentsFolded() : parseLong(metadata.get(SEGMENTS));
        long stateBytes = stats != null ? stats.stateBytes() : conversations.stateBytes();
        return new Conversation(id, metadata.get(TITLE), parseInt(metadata.get(TURNS)),
                new Memory(tokens, segments, stateBytes, conversations.model().segmentLength()), latencies(metadata),
                instant(metadata.get(CREATED)), instant(metadata.get(UPDATED)));
    }

    /**
     * The API's answer to a failure of the starter or the engine: busy or concurrently updated conversations are
     * 409, an unreachable store 503, an undecodable state 409, input the engine refuses 400; others stay as they are.
     */
    public static RuntimeException translate(String id, RuntimeException e) {
        // Spring AI's advisors wrap stream failures ("Stream processing failed"): look through the causes.
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            RuntimeException translated = translateOne(id, cause);
            if (translated != null) {
                return translated;
            }
        }
        return e;
    }

    private static RuntimeException translateOne(String id, Throwable e) {
        if (e instanceof ApiException api) {
            return api;
        }
        if (e instanceof ConversationBusyException) {
            return new ApiException(HttpStatus.CONFLICT, "conversation_busy", "Conversation '" + id
                    + "' is answering another message; retry when it is done");
        }
        if (e instanceof ConcurrentConversationUpdateException) {
            return new ApiException(HttpStatus.CONFLICT, "conversation_changed", "Conversation '" + id
                    + "' was changed or deleted while this message was answered; the reply was not kept");
        }
        if (e instanceof ConversationStoreException) {
            return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "store_unavailable",
                    "The conversation store is unavailable: " + e.getMessage());
        }
        if (e instanceof ConversationStateException) {
            return new ApiException(HttpStatus.CONFLICT, "conversation_state_unreadable", e.getMessage());
        }
        if (e instanceof InvalidInputException) {
            return new ApiException(HttpStatus.BAD_REQUEST, "invalid_input", e.getMessage());
        }
        return null;
    }

    private Timer timer(String mode, String outcome) {
        return Timer.builder("infini.sample.turn").description("Chat turns answered by the sample app's API")
                .tag("mode", mode).tag("outcome", outcome).register(meters);
    }

    private byte[] randomBytes() {
        byte[] bytes = new byte[6];
        random.nextBytes(bytes);
        return bytes;
    }

    private static List<Long> latencies(Map<String, String> metadata) {
        String csv = metadata.get(LATENCIES);
        if (csv == null || csv.isBlank()) {
            return List.of();
        }
        return Arrays.stream(csv.split(",")).map(String::strip).map(ChatService::parseLong).toList();
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }

    private static int parseInt(String value) {
        return (int) parseLong(value);
    }

    private static long parseLong(String value) {
        try {
            return value == null ? 0 : Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Instant instant(String value) {
        return Optional.ofNullable(value).map(Instant::parse).orElse(null);
    }
}
