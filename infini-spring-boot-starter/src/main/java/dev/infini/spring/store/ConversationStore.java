package dev.infini.spring.store;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where conversations live between turns: one versioned binary state per conversation plus a few string metadata
 * entries. Implementations: {@link RedisConversationStore}, {@link InMemoryConversationStore},
 * {@link FileConversationStore}.
 * <p>
 * {@linkplain Stamp Stamps} make writes safe: a state is written only if the stored stamp is still the one the turn
 * started from ({@link #save}), so a turn that lost its lock can never overwrite a newer state. A stamp is the
 * version (saves so far) plus an epoch drawn when the conversation is created, so a conversation deleted (or
 * expired) and started again never repeats a stamp of its former life. Failures of the backing system surface as
 * {@link dev.infini.spring.ConversationStoreException}.
 */
public interface ConversationStore {

    /** A short name for metrics and health: {@code redis}, {@code memory}, {@code file}. */
    String name();

    /** The stored state and its stamp, or empty if the conversation has none (never saved, expired, deleted). */
    Optional<StoredState> load(String conversationId);

    /**
     * The stored stamp only ({@link Stamp#NONE} when there is no state): lets a cached session be reused without a
     * download.
     */
    Stamp stamp(String conversationId);

    /** The stored version (saves so far; 0 when there is no state). */
    default long version(String conversationId) {
        return stamp(conversationId).version();
    }

    /**
     * Writes a state atomically if the stored stamp is still {@code expected} ({@link Stamp#NONE}: no state yet),
     * and refreshes the conversation's time-to-live.
     *
     * @param lastTurn how long the turn took, kept with the state for {@code stats}
     * @return the new stamp, or empty if the stored stamp differs (nothing was written)
     */
    Optional<Stamp> save(String conversationId, Stamp expected, byte[] state, Duration lastTurn);

    /** How long the last saved turn took, if known. */
    Optional<Duration> lastTurn(String conversationId);

    /** Removes the conversation's state and metadata; true if something was there. */
    boolean delete(String conversationId);

    /** Ids of the stored conversations (with a state or metadata), in no particular order. */
    List<String> conversationIds();

    /** The conversation's metadata (empty map if none). */
    Map<String, String> metadata(String conversationId);

    /** Sets one metadata entry (null value removes it); refreshes the time-to-live. */
    void putMetadata(String conversationId, String key, String value);

    /**
     * Serializes turns of one conversation across every process sharing this store. Stores local to one process
     * return a lock that holds nothing: {@link dev.infini.spring.InfiniConversations} already serializes turns
     * inside the process.
     *
     * @return a held lock, or empty if it could not be taken before {@code wait} ran out
     */
    Optional<TurnLock> lock(String conversationId, Duration wait);

    /** Checks the backing system is reachable; throws {@link dev.infini.spring.ConversationStoreException} if not. */
    void ping();

    /**
     * A stored state.
     *
     * @param state the {@link dev.infini.engine.session.StateCodec} blob
     * @param stamp its stamp
     */
    record StoredState(byte[] state, Stamp stamp) {
    }

    /**
     * Identifies one stored state of a conversation.
     *
     * @param epoch   drawn at random when the conversation's first state is saved (0 only for {@link #NONE})
     * @param version saves so far: 1 after the first turn
     */
    record Stamp(long epoch, long version) {

        /** No stored state. */
        public static final Stamp NONE = new Stamp(0, 0);

        /** The stamp of the next save: same epoch (a fresh one for a new conversation), next version. */
        public Stamp next() {
            long e = epoch;
            while (e == 0) {
                e = java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
            }
            return new Stamp(e, version + 1);
        }
    }

    /** A held turn lock; closing releases it (a release that fails is left to the lease to expire). */
    interface TurnLock extends AutoCloseable {

        /** A lock that holds nothing, for stores local to one process. */
        TurnLock NONE = () -> { };

        @Override
        void close();
    }
}
