package dev.infini.spring;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/** One fair permit per conversation inside this process; entries disappear when nobody holds or waits. */
final class TurnLocks {

    private static final class Entry {
        final Semaphore permit = new Semaphore(1, true);
        int users;
    }

    private final Map<String, Entry> entries = new HashMap<>();

    /** Waits up to {@code nanos}; returns false on timeout. */
    boolean acquire(String id, long nanos) throws InterruptedException {
        Entry e;
        synchronized (entries) {
            e = entries.computeIfAbsent(id, k -> new Entry());
            e.users++;
        }
        boolean ok = false;
        try {
            ok = e.permit.tryAcquire(Math.max(0, nanos), TimeUnit.NANOSECONDS);
            return ok;
        } finally {
            if (!ok) {
                forget(id, e);
            }
        }
    }

    void release(String id) {
        Entry e;
        synchronized (entries) {
            e = entries.get(id);
        }
        e.permit.release();
        forget(id, e);
    }

    private void forget(String id, Entry e) {
        synchronized (entries) {
            if (--e.users == 0) {
                entries.remove(id, e);
            }
        }
    }
}
