package dev.infini.spring;

import dev.infini.engine.StateFormatException;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.FinishReason;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.engine.sampling.GenerationResult;
import dev.infini.engine.sampling.TokenListener;
import dev.infini.engine.session.Session;
import dev.infini.engine.session.SessionState;
import dev.infini.engine.session.StateCodec;
import dev.infini.spring.InfiniChatTemplate.ChatMessage;
import dev.infini.spring.store.ConversationStore.Stamp;
import dev.infini.spring.store.ConversationStore.StoredState;
import dev.infini.spring.store.ConversationStore.TurnLock;
import dev.infini.spring.store.ConversationStore;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.UserMessage;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The conversations of one model, kept in a {@link ConversationStore} between turns: the service behind
 * {@link InfiniChatModel}, and the API an application uses to look after its conversations. Thread-safe.
 * <ul>
 * <li>{@link #turn} runs one turn: appends the prompt's new messages, generates (streaming tokens to a listener),
 * and saves the state.</li>
 * <li>{@link #stats} tells how big a conversation is: tokens seen, segments folded into memory, state bytes (a
 * constant of the model), last turn latency.</li>
 * <li>{@link #conversationIds}, {@link #delete}, {@link #metadata} and {@link #putMetadata} (small string entries
 * kept with the conversation, e.g. an owner) manage them.</li>
 * </ul>
 * <b>Guarantees.</b> Turns of one conversation are serialized: inside the process by a fair per-conversation lock,
 * across processes sharing the store by the store's lock; a turn waits up to {@code lockTimeout}, then fails with
 * {@link ConversationBusyException}. A state is written only after its turn completed, by a versioned atomic write
 * ({@link ConcurrentConversationUpdateException} if the stored version moved), so a failure or crash mid-turn leaves
 * the previous state intact. Hot sessions are cached per instance (bounded in bytes) and reused only while the
 * store still holds exactly what they were saved as (version, the write's random tag and the blob's digest). Each
 * stored blob is bound to its conversation id ({@link ConversationEnvelope}); a stored state that cannot be decoded,
 * belongs to another model or to another conversation raises {@link ConversationStateException} and is never
 * silently replaced. A conversation deleted while a turn runs stays deleted: the delete waits for the turn, and
 * neither the turn's state nor later metadata writes bring it back.
 * <p>
 * Conversation ids are 1 to {@code maxIdLength} characters of {@code [A-Za-z0-9._:@-]}.
 * <p>
 * Meters (Infini's own; a turn's latency and tokens are Spring AI's {@code gen_ai.client.*} chat observations):
 * {@code infini.store.duration} (timer, tags {@code operation}, {@code store}, {@code outcome}),
 * {@code infini.state.bytes} (summary: bytes of each state saved) and {@code infini.cache.sessions} (gauge: hot
 * sessions cached).
 */
public final class InfiniConversations implements AutoCloseable {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:@-]+");
    private static final Pattern METADATA_KEY = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final InfiniModel model;
    private final InfiniChatTemplate template;
    private final ConversationStore store;
    private final Settings settings;
    private final MeterRegistry meters;
    private final SessionCache cache;
    private final TurnLocks locks = new TurnLocks();
    private final ChatMemoryRepository transcript;

    /**
     * Tuning of {@link InfiniConversations}.
     *
     * @param lockTimeout   how long a turn waits for another turn of the same conversation
     * @param cacheMaxBytes bytes of hot sessions kept per instance (0 disables the cache)
     * @param maxIdLength   longest conversation id accepted
     * @param generation    generation options for values a call does not set
     * @param openKeysValues store the open segment's keys and values with each state, so that loading it on an
     *                       instance without the hot session writes them back instead of re-encoding the segment's
     *                       tokens: faster cold turns for bigger states (docs/benchmarks.md: the default model
     *                       21 → 87 KB and 27 → 2 ms; stories260k at N = 2048 16 KB → 1.3 MB and 3 s → 45 ms)
     */
    public record Settings(Duration lockTimeout, long cacheMaxBytes, int maxIdLength, GenerationOptions generation,
                           boolean openKeysValues) {

        /** As the canonical constructor, the open segment stored as token ids. */
        public Settings(Duration lockTimeout, long cacheMaxBytes, int maxIdLength, GenerationOptions generation) {
            this(lockTimeout, cacheMaxBytes, maxIdLength, generation, false);
        }

        /** 30 s lock timeout, 256 MiB cache, ids up to 128 characters, 256 greedy tokens, open segment as ids. */
        public static Settings standard() {
            return new Settings(Duration.ofSeconds(30), 256L << 20, 128, GenerationOptions.greedy(256));
        }
    }

    /**
     * What a turn did.
     *
     * @param conversationId   the conversation, null for a stateless call
     * @param text             the reply
     * @param tokenIds         the generated ids
     * @param finishReason     why generation ended
     * @param promptTokens     tokens appended this turn besides the generated ones (new messages, generation
     *                         prompt, closing of the reply)
     * @param completionTokens tokens generated
     * @param tokensSeen       tokens of the whole conversation after the turn
     * @param segmentsFolded   segments folded into memory after the turn
     * @param stateBytes       bytes of the stored state
     * @param latency          wall time of the turn, store included
     * @param version          stored version after the turn (0 for a stateless call)
     */
    public record TurnResult(String conversationId, String text, int[] tokenIds, FinishReason finishReason,
                             int promptTokens, int completionTokens, long tokensSeen, long segmentsFolded,
                             long stateBytes, Duration latency, long version) {
    }

    /**
     * One conversation's size.
     *
     * @param conversationId  the conversation
     * @param tokensSeen      tokens over its life
     * @param segmentsFolded  segments folded into its compressive memory
     * @param stateBytes      bytes of its stored state (constant for a model)
     * @param version         stored version (turns saved)
     * @param lastTurnLatency how long its last turn took, null if unknown
     */
    public record ConversationStats(String conversationId, long tokensSeen, long segmentsFolded, long stateBytes,
                                    long version, Duration lastTurnLatency) {
    }

    /**
     * @param meters registry for the meters, or null for none
     */
    public InfiniConversations(InfiniModel model, InfiniChatTemplate template, ConversationStore store,
                               Settings settings, MeterRegistry meters) {
        this(model, template, store, settings, meters, null);
    }

    /**
     * @param meters     registry for the meters, or null for none
     * @param transcript where to keep each conversation's messages for display ({@link #transcript}), or null to
     *                   keep none; the model never reads them back, it remembers through its state
     */
    public InfiniConversations(InfiniModel model, InfiniChatTemplate template, ConversationStore store,
                               Settings settings, MeterRegistry meters, ChatMemoryRepository transcript) {
        this.transcript = transcript;
        this.model = model;
        this.template = template;
        this.store = store;
        this.settings = settings;
        this.meters = meters != null ? meters : new CompositeMeterRegistry();
        var c = model.config();
        long kv = 2L * c.numLayers() * c.numKvHeads() * c.headDim() * model.segmentLength() * Float.BYTES;
        this.cache = new SessionCache(settings.cacheMaxBytes(), StateCodec.encodedSize(model) + kv);
        Gauge.builder("infini.cache.sessions", cache, SessionCache::size)
                .description("Hot sessions cached by this instance").register(this.meters);
    }

    /** The model. */
    public InfiniModel model() {
        return model;
    }

    /** The chat template. */
    public InfiniChatTemplate template() {
        return template;
    }

    /** The store. */
    public ConversationStore store() {
        return store;
    }

    /** The settings. */
    public Settings settings() {
        return settings;
    }

    /**
     * Checks a conversation id.
     *
     * @throws InvalidConversationIdException if it is empty, too long or has other characters than
     *                                        {@code [A-Za-z0-9._:@-]}
     */
    public void validateId(String conversationId) {
        if (conversationId == null || conversationId.isEmpty()) {
            throw new InvalidConversationIdException(conversationId, "conversation id must not be empty");
        }
        if (conversationId.length() > settings.maxIdLength()) {
            throw new InvalidConversationIdException(conversationId, "conversation id is "
                    + conversationId.length() + " characters long, more than the " + settings.maxIdLength()
                    + " allowed (infini.conversation.max-id-length)");
        }
        if (!ID.matcher(conversationId).matches()) {
            throw new InvalidConversationIdException(conversationId, "conversation id '" + conversationId
                    + "' may only hold letters, digits and . _ : @ -");
        }
    }

    /**
     * Runs one turn.
     *
     * @param conversationId the conversation to continue or start; null for a stateless one-off
     * @param prompt         the prompt's messages; only those the conversation has not seen are appended
     *                       ({@link InfiniChatTemplate#newMessages})
     * @param options        sampling; the template's stop strings are added
     * @param listener       receives each token as it is sampled
     */
    public TurnResult turn(String conversationId, List<ChatMessage> prompt, GenerationOptions options,
                           TokenListener listener) {
        // Latency and tokens of a turn are Spring AI's chat observations (gen_ai.client.*) in InfiniChatModel.
        long start = System.nanoTime();
        GenerationOptions effective = withTemplateStops(options);
        return conversationId == null ? stateless(prompt, effective, listener, start)
                : stateful(conversationId, prompt, effective, listener, start);
    }

    private GenerationOptions withTemplateStops(GenerationOptions options) {
        GenerationOptions o = options != null ? options : settings.generation();
        if (template.stopStrings().isEmpty() || o.stopStrings().containsAll(template.stopStrings())) {
            return o;
        }
        List<String> stops = new java.util.ArrayList<>(template.stopStrings());
        o.stopStrings().stream().filter(s -> !stops.contains(s)).forEach(stops::add);
        return o.mutate().stopStrings(stops).build();
    }

    private TurnResult stateless(List<ChatMessage> prompt, GenerationOptions options, TokenListener listener,
                                 long start) {
        try (Session session = new Session(model)) {
            Exchange x = exchange(session, prompt, true, options, listener);
            return new TurnResult(null, x.generation.text(), x.generation.tokenIds(),
                    x.generation.finishReason(), x.promptTokens, x.generation.tokenIds().length,
                    session.tokensSeen(), session.segmentsFolded(), 0, Duration.ofNanos(System.nanoTime() - start),
                    0);
        }
    }

    private record Exchange(GenerationResult generation, int promptTokens) {
    }

    private Exchange exchange(Session session, List<ChatMessage> prompt, boolean starts, GenerationOptions options,
                              TokenListener listener) {
        InfiniChatTemplate.Turn turn = template.turn(prompt, starts);
        int[] promptTokens = turn.promptTokens();
        session.append(promptTokens);
        GenerationResult generation = session.generate(options, listener);
        int[] closing = turn.closingTokens(generation.finishReason());
        if (closing.length > 0) {
            session.append(closing);
        }
        return new Exchange(generation, promptTokens.length + closing.length);
    }

    private TurnResult stateful(String id, List<ChatMessage> prompt, GenerationOptions options,
                                TokenListener listener, long start) {
        validateId(id);
        try (Held held = hold(id)) {
            Session session = null;
            try {
                Stamp stamp = timed("version", () -> store.stamp(id));
                SessionCache.Entry cached = cache.take(id);
                if (cached != null && cached.stamp().equals(stamp) && stamp.version() > 0) {
                    session = cached.session();
                } else {
                    if (cached != null) {
                        cached.session().close();
                    }
                    Opened opened = open(id, stamp);
                    session = opened.session();
                    stamp = opened.stamp();
                }
                boolean starts = session.tokensSeen() == 0;
                Exchange x = exchange(session, prompt, starts, options, listener);
                byte[] blob = ConversationEnvelope.wrap(id,
                        StateCodec.encode(session.snapshot(settings.openKeysValues())));
                Duration latency = Duration.ofNanos(System.nanoTime() - start);
                Stamp expected = stamp;
                Stamp saved = timed("save", () -> store.save(id, expected, blob, latency))
                        .orElseThrow(() -> new ConcurrentConversationUpdateException(id, expected.version()));
                DistributionSummary.builder("infini.state.bytes").description("Bytes of each conversation state saved")
                        .baseUnit("bytes").register(meters).record(blob.length);
                TurnResult result = new TurnResult(id, x.generation.text(), x.generation.tokenIds(),
                        x.generation.finishReason(), x.promptTokens, x.generation.tokenIds().length,
                        session.tokensSeen(), session.segmentsFolded(), blob.length, latency, saved.version());
                cache.put(id, session, saved);
                session = null;
                keepTranscript(id, InfiniChatTemplate.newMessages(prompt, starts), result.text());
                return result;
            } finally {
                if (session != null) {
                    session.close();
                }
            }
        }
    }

    private record Opened(Session session, Stamp stamp) {
    }

    /** The conversation's session from the store; a new one (saved against {@code stamp}) if it has no state. */
    private Opened open(String id, Stamp stamp) {
        Optional<StoredState> stored = timed("load", () -> store.load(id));
        if (stored.isEmpty()) {
            return new Opened(new Session(model), stamp.version() == 0 ? stamp : Stamp.NONE);
        }
        SessionState state = decode(id, stored.get().state());
        try {
            return new Opened(Session.restore(model, state), stored.get().stamp());
        } catch (StateFormatException e) {
            throw new ConversationStateException(id, e); // another model's state
        }
    }

    private static SessionState decode(String id, byte[] blob) {
        try {
            return StateCodec.decode(ConversationEnvelope.unwrap(id, blob));
        } catch (StateFormatException e) {
            throw new ConversationStateException(id, e);
        }
    }

    /** Bytes stored per conversation: the model's state ({@link InfiniModel#stateBytes}) and the id binding. */
    public long stateBytes() {
        return StateCodec.encodedSize(model, settings.openKeysValues()) + ConversationEnvelope.HEADER_BYTES;
    }

    /** A conversation held by this thread: the in-process permit and the store's lock. */
    private final class Held implements AutoCloseable {
        private final String id;
        private TurnLock storeLock;

        Held(String id) {
            this.id = id;
        }

        @Override
        public void close() {
            try {
                if (storeLock != null) {
                    storeLock.close();
                }
            } finally {
                locks.release(id);
            }
        }
    }

    private Held hold(String id) {
        long deadline = System.nanoTime() + settings.lockTimeout().toNanos();
        try {
            if (!locks.acquire(id, settings.lockTimeout().toNanos())) {
                throw new ConversationBusyException(id, settings.lockTimeout());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConversationBusyException(id, settings.lockTimeout());
        }
        Held held = new Held(id);
        try {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            held.storeLock = timed("lock", () -> store.lock(id, left))
                    .orElseThrow(() -> new ConversationBusyException(id, settings.lockTimeout()));
            return held;
        } catch (RuntimeException e) {
            held.close();
            throw e;
        }
    }

    private <T> T timed(String operation, Supplier<T> action) {
        Timer.Sample sample = Timer.start(meters);
        String outcome = "error";
        try {
            T result = action.get();
            outcome = "ok";
            return result;
        } finally {
            sample.stop(Timer.builder("infini.store.duration").description("Conversation store operations")
                    .tag("operation", operation).tag("store", store.name()).tag("outcome", outcome)
                    .register(meters));
        }
    }

    /**
     * A conversation's size, or empty if it has no stored state.
     *
     * @throws ConversationStateException if its state cannot be decoded
     */
    public Optional<ConversationStats> stats(String conversationId) {
        validateId(conversationId);
        Stamp stamp = timed("version", () -> store.stamp(conversationId));
        if (stamp.version() == 0) {
            return Optional.empty();
        }
        Duration lastTurn = store.lastTurn(conversationId).orElse(null);
        long[] hot = cache.peek(conversationId, stamp);
        if (hot != null) {
            return Optional.of(new ConversationStats(conversationId, hot[0], hot[1], stateBytes(),
                    stamp.version(), lastTurn));
        }
        Optional<StoredState> stored = timed("load", () -> store.load(conversationId));
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        SessionState state = decode(conversationId, stored.get().state());
        return Optional.of(new ConversationStats(conversationId, state.tokensSeen(), state.segmentsFolded(),
                stored.get().state().length, stored.get().stamp().version(), lastTurn));
    }

    /** Whether this service keeps each conversation's messages for display ({@link #transcript}). */
    public boolean keepsTranscript() {
        return transcript != null;
    }

    /**
     * The messages of a conversation as it was told and answered, oldest first, for display: empty when no
     * transcript is kept ({@link #keepsTranscript}) or the conversation has none.
     */
    public List<Message> transcript(String conversationId) {
        validateId(conversationId);
        return transcript == null ? List.of() : transcript.findByConversationId(conversationId);
    }

    // Display only: a transcript that cannot be written costs the page its history, never the turn its answer.
    private void keepTranscript(String id, List<ChatMessage> told, String reply) {
        if (transcript == null) {
            return;
        }
        try {
            List<Message> messages = new java.util.ArrayList<>(transcript.findByConversationId(id));
            for (ChatMessage message : told) {
                if ("user".equals(message.role())) {
                    messages.add(new UserMessage(message.content()));
                }
            }
            messages.add(new AssistantMessage(reply));
            transcript.saveAll(id, messages);
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(InfiniConversations.class).warn(
                    "could not keep the transcript of conversation '{}': {}", id, e.getMessage());
        }
    }

    /** Whether the conversation exists: it has a stored state or metadata, or was {@linkplain #create created}. */
    public boolean exists(String conversationId) {
        validateId(conversationId);
        return !timed("version", () -> store.stamp(conversationId)).equals(Stamp.NONE)
                || !timed("metadata", () -> store.metadata(conversationId)).isEmpty();
    }

    /**
     * Creates a conversation with these metadata entries if its id is free, atomically across every instance
     * sharing the store: of two callers racing for one id exactly one gets true. Its first turn then continues it;
     * if it is deleted before that turn saves, the turn fails with {@link ConcurrentConversationUpdateException}
     * instead of bringing it back.
     *
     * @return whether this call created it
     */
    public boolean create(String conversationId, Map<String, String> metadata) {
        validateId(conversationId);
        metadata.forEach(InfiniConversations::validateMetadata);
        return timed("create", () -> store.create(conversationId, Map.copyOf(metadata)));
    }

    /** Ids of the stored conversations (Redis: a SCAN over the key prefix), in no particular order. */
    public List<String> conversationIds() {
        return timed("list", store::conversationIds);
    }

    /**
     * Deletes a conversation (state, metadata and transcript), waiting for a running turn of it to finish.
     *
     * @return whether there was something to delete
     */
    public boolean delete(String conversationId) {
        validateId(conversationId);
        try (Held held = hold(conversationId)) {
            cache.evict(conversationId);
            boolean deleted = timed("delete", () -> store.delete(conversationId));
            if (transcript != null) {
                transcript.deleteByConversationId(conversationId);
            }
            return deleted;
        }
    }

    /** The metadata of a conversation (empty if none). */
    public Map<String, String> metadata(String conversationId) {
        validateId(conversationId);
        return timed("metadata", () -> store.metadata(conversationId));
    }

    /**
     * Sets one small metadata entry of an existing conversation; see {@link #putMetadata(String, Map)}.
     *
     * @return whether the conversation existed and the entry was written
     */
    public boolean putMetadata(String conversationId, String key, String value) {
        Map<String, String> entry = new java.util.HashMap<>();
        entry.put(key, value);
        return putMetadata(conversationId, entry);
    }

    /**
     * Sets small metadata entries of a conversation together (a null value removes its entry). Keys are 1 to 64
     * characters of {@code [A-Za-z0-9._-]}, values at most 4096 characters. A conversation that does not exist is
     * not created (use {@link #create}), so a late write cannot bring back a deleted conversation.
     *
     * @return whether the conversation existed and the entries were written
     */
    public boolean putMetadata(String conversationId, Map<String, String> entries) {
        validateId(conversationId);
        entries.forEach(InfiniConversations::validateMetadata);
        return timed("metadata", () -> store.putMetadata(conversationId, entries));
    }

    private static void validateMetadata(String key, String value) {
        if (key == null || !METADATA_KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("metadata key must be 1 to 64 characters of [A-Za-z0-9._-], got '"
                    + key + "'");
        }
        if (value != null && value.length() > 4096) {
            throw new IllegalArgumentException("metadata value must be at most 4096 characters");
        }
    }

    /** Frees the cached sessions. */
    @Override
    public void close() {
        cache.clear();
    }
}
