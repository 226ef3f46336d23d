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
 * version (saves so far), a tag drawn at random at every write, and the digest of the stored blob: two histories
 * (a conversation deleted and started again, or a store restored from an older backup and written again) never
 * share a stamp, and a blob damaged in the store no longer matches the stamp its writer cached. Failures of the
 * backing system surface as {@link dev.infini.spring.ConversationStoreException}.
 */
public interface ConversationStore {

    /** A short name for metrics and health: {@code redis}, {@code memory}, {@code file}. */
    String name();

    /** Where the conversations are, for the startup log: e.g. {@code redis at localhost:6379 (keys infini:*)}. */
    default String description() {
        return name();
    }

    /** The stored state and its stamp, or empty if the conversation has none (never saved, expired, deleted). */
    Optional<StoredState> load(String conversationId);

    /**
     * The stored stamp only ({@link Stamp#NONE} when the conversation does not exist; version 0 with a tag when it
     * was {@linkplain #create created} but has no state yet): lets a cached session be reused without a download.
     * The digest is that of the blob the store holds now, so a damaged blob never matches its writer's stamp.
     */
    Stamp stamp(String conversationId);

    /** The stored version (saves so far; 0 when there is no state). */
    default long version(String conversationId) {
        return stamp(conversationId).version();
    }

    /**
     * Writes a state atomically if the stored version and tag are still {@code expected}'s ({@link Stamp#NONE}: the
     * conversation does not exist yet), and refreshes the conversation's time-to-live. Metadata is kept.
     *
     * @param lastTurn how long the turn took, kept with the state for {@code stats}
     * @return the new stamp ({@link Stamp#next}), or empty if the stored stamp differs (nothing was written)
     */
    Optional<Stamp> save(String conversationId, Stamp expected, byte[] state, Duration lastTurn);

    /** How long the last saved turn took, if known. */
    Optional<Duration> lastTurn(String conversationId);

    /**
     * Creates a conversation with these metadata entries and a fresh tag, atomically, if nothing is stored under its
     * id: the one way to claim an id (e.g. record its owner) that two racing callers cannot both win. A turn that
     * started from the created stamp cannot save once the conversation was deleted.
     *
     * @return whether this call created it (false: it already existed; nothing was written)
     */
    boolean create(String conversationId, Map<String, String> metadata);

    /** Removes the conversation's state and metadata; true if something was there. */
    boolean delete(String conversationId);

    /** Ids of the stored conversations (with a state or metadata), in no particular order. */
    List<String> conversationIds();

    /** The conversation's metadata (empty map if none). */
    Map<String, String> metadata(String conversationId);

    /**
     * Sets metadata entries of an existing conversation atomically (a null value removes its entry) and refreshes
     * the time-to-live. A conversation that does not exist (deleted, expired, never created) is not created again.
     *
     * @return whether the conversation existed and the entries were written
     */
    boolean putMetadata(String conversationId, Map<String, String> entries);

    /** Sets one metadata entry of an existing conversation; see {@link #putMetadata(String, Map)}. */
    default boolean putMetadata(String conversationId, String key, String value) {
        Map<String, String> entry = new java.util.HashMap<>();
        entry.put(key, value);
        return putMetadata(conversationId, entry);
    }

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
     * @param tag     drawn at random at every write ({@link #create} or {@link #save}); 0 only for {@link #NONE}
     * @param version saves so far: 1 after the first turn
     * @param digest  lower-case hex SHA-1 of the stored blob, null when there is none
     */
    record Stamp(long tag, long version, String digest) {

        /** Nothing stored. */
        public static final Stamp NONE = new Stamp(0, 0, null);

        /** The stamp of a conversation just created, without a state. */
        public static Stamp created() {
            return new Stamp(randomTag(), 0, null);
        }

        /** The stamp the save after this one writes: a fresh tag, the next version, the digest of {@code state}. */
        public Stamp next(byte[] state) {
            return new Stamp(randomTag(), version + 1, sha1Hex(state));
        }

        /** Whether {@code stored} has this stamp's version and tag: the test a save makes, digest aside. */
        public boolean sameWrite(Stamp stored) {
            return stored.tag == tag && stored.version == version;
        }

        private static long randomTag() {
            long t = 0;
            while (t == 0) {
                t = java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
            }
            return t;
        }

        /** Lower-case hex SHA-1, as Redis's {@code redis.sha1hex} writes it. */
        public static String sha1Hex(byte[] bytes) {
            try {
                return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1")
                        .digest(bytes));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 is missing from this JVM", e);
            }
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
