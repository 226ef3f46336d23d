package dev.infini.spring.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Conversations in this process's heap: lost on restart, not shared between instances. For tests, demos and
 * single-instance apps without Redis.
 */
public final class InMemoryConversationStore implements ConversationStore {

    private final Duration ttl;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** @param ttl time-to-live since the last write, or zero/null to keep conversations forever */
    public InMemoryConversationStore(Duration ttl) {
        this(ttl, Clock.systemUTC());
    }

    InMemoryConversationStore(Duration ttl, Clock clock) {
        this.ttl = ttl == null || ttl.isNegative() ? Duration.ZERO : ttl;
        this.clock = clock;
    }

    private record Entry(byte[] state, Stamp stamp, Duration lastTurn, Map<String, String> metadata,
                         Instant expiresAt) {
    }

    private Entry live(String id) {
        Entry e = entries.get(id);
        if (e != null && e.expiresAt() != null && !clock.instant().isBefore(e.expiresAt())) {
            entries.remove(id, e);
            return null;
        }
        return e;
    }

    private Instant expiry() {
        return ttl.isZero() ? null : clock.instant().plus(ttl);
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public String description() {
        return "the memory of this process (lost on restart, not shared between instances)";
    }

    @Override
    public Optional<StoredState> load(String conversationId) {
        Entry e = live(conversationId);
        return e == null || e.state() == null ? Optional.empty()
                : Optional.of(new StoredState(e.state().clone(), e.stamp()));
    }

    @Override
    public Stamp stamp(String conversationId) {
        Entry e = live(conversationId);
        return e == null ? Stamp.NONE : e.stamp();
    }

    @Override
    public synchronized Optional<Stamp> save(String conversationId, Stamp expected, byte[] state,
                                             Duration lastTurn) {
        Entry e = live(conversationId);
        if (!expected.sameWrite(e == null ? Stamp.NONE : e.stamp())) {
            return Optional.empty();
        }
        Stamp next = expected.next(state);
        entries.put(conversationId, new Entry(state.clone(), next, lastTurn, e == null ? Map.of() : e.metadata(),
                expiry()));
        return Optional.of(next);
    }

    @Override
    public Optional<Duration> lastTurn(String conversationId) {
        Entry e = live(conversationId);
        return e == null ? Optional.empty() : Optional.ofNullable(e.lastTurn());
    }

    @Override
    public synchronized boolean delete(String conversationId) {
        return live(conversationId) != null && entries.remove(conversationId) != null;
    }

    @Override
    public List<String> conversationIds() {
        List<String> ids = new ArrayList<>();
        for (String id : List.copyOf(entries.keySet())) {
            if (live(id) != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    @Override
    public Map<String, String> metadata(String conversationId) {
        Entry e = live(conversationId);
        return e == null ? Map.of() : e.metadata();
    }

    @Override
    public synchronized boolean create(String conversationId, Map<String, String> metadata) {
        if (live(conversationId) != null) {
            return false;
        }
        entries.put(conversationId, new Entry(null, Stamp.created(), null, Map.copyOf(metadata), expiry()));
        return true;
    }

    @Override
    public synchronized boolean putMetadata(String conversationId, Map<String, String> changes) {
        Entry e = live(conversationId);
        if (e == null) {
            return false;
        }
        Map<String, String> metadata = new HashMap<>(e.metadata());
        changes.forEach((key, value) -> {
            if (value == null) {
                metadata.remove(key);
            } else {
                metadata.put(key, value);
            }
        });
        entries.put(conversationId, new Entry(e.state(), e.stamp(), e.lastTurn(), Map.copyOf(metadata), expiry()));
        return true;
    }

    @Override
    public Optional<TurnLock> lock(String conversationId, Duration wait) {
        return Optional.of(TurnLock.NONE);
    }

    @Override
    public void ping() {
        // the heap is always there
    }
}
