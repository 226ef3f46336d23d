package dev.infini.spring;

import dev.infini.engine.session.Session;
import dev.infini.spring.store.ConversationStore.Stamp;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hot sessions of this instance, least recently used first out, bounded in bytes. A session is taken out while a
 * turn uses it and put back with the stamp its state was saved under; it is reused only if the store still holds
 * that stamp, so a conversation another instance moved on (or deleted and started again) is always reloaded.
 */
final class SessionCache {

    record Entry(Session session, Stamp stamp) {
    }

    private final long maxBytes;
    private final long bytesPerSession;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);

    SessionCache(long maxBytes, long bytesPerSession) {
        this.maxBytes = maxBytes;
        this.bytesPerSession = Math.max(1, bytesPerSession);
    }

    /** Removes and returns the cached session of a conversation, if any. */
    synchronized Entry take(String conversationId) {
        return entries.remove(conversationId);
    }

    /** Counters of a cached session at a given stamp, without taking it: {tokensSeen, segmentsFolded}. */
    synchronized long[] peek(String conversationId, Stamp stamp) {
        Entry e = entries.get(conversationId);
        return e == null || !e.stamp().equals(stamp) ? null
                : new long[] {e.session().tokensSeen(), e.session().segmentsFolded()};
    }

    /** Caches a session at the stamp just saved, evicting (and closing) the least recently used over budget. */
    void put(String conversationId, Session session, Stamp stamp) {
        List<Session> evicted = new ArrayList<>();
        synchronized (this) {
            if (bytesPerSession > maxBytes) {
                evicted.add(session);
            } else {
                Entry old = entries.put(conversationId, new Entry(session, stamp));
                if (old != null && old.session() != session) {
                    evicted.add(old.session());
                }
                Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
                while ((long) entries.size() * bytesPerSession > maxBytes && it.hasNext()) {
                    evicted.add(it.next().getValue().session());
                    it.remove();
                }
            }
        }
        evicted.forEach(Session::close);
    }

    /** Drops a conversation's session. */
    void evict(String conversationId) {
        Entry e = take(conversationId);
        if (e != null) {
            e.session().close();
        }
    }

    /** Closes every session. */
    void clear() {
        List<Entry> all;
        synchronized (this) {
            all = new ArrayList<>(entries.values());
            entries.clear();
        }
        all.forEach(e -> e.session().close());
    }

    synchronized int size() {
        return entries.size();
    }
}
