package dev.infini.engine;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes a use-after-free of Java direct buffers visible: collects garbage (which frees the native memory of every
 * unreachable direct buffer), then fills freshly allocated small buffers, which reuse that memory, with NaN.
 * <p>
 * A direct buffer's memory is freed by its Cleaner, which the JVM's Reference Handler thread runs some time after the
 * collection that found the buffer unreachable. Rather than sleeping and hoping that thread has got there, this waits
 * for the proof that it has: that thread takes the references one collection made pending as a single batch and runs
 * the whole batch before it takes the next. So once a phantom reference made pending by a <em>second</em> collection
 * has been enqueued, every Cleaner of the first collection has run.
 */
public final class FreedNativeMemory {

    private static final List<ByteBuffer> HELD = new ArrayList<>();
    private static final long REFERENCE_WAIT_MS = 60_000;

    private FreedNativeMemory() {
    }

    /** Frees what the JVM can free and overwrites the reused memory with NaN; the new buffers stay reachable. */
    public static void scribbleNaN() throws InterruptedException {
        HELD.clear();
        collectAndAwaitCleaners();
        for (int i = 0; i < 20_000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(4 << (i % 4)).order(ByteOrder.nativeOrder());
            for (int j = 0; j < b.capacity(); j += 4) {
                b.putFloat(j, Float.NaN);
            }
            HELD.add(b);
        }
    }

    /**
     * A full collection, then returns once the Cleaners of everything it found unreachable have run: the native memory
     * of every unreachable direct buffer is freed by then.
     */
    public static void collectAndAwaitCleaners() throws InterruptedException {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        // enqueued from the first collection's batch: the Reference Handler has taken that batch
        collectUntilEnqueued(queue, new PhantomReference<>(new Object(), queue));
        // enqueued from the second collection's batch: the first batch, Cleaners included, is done
        collectUntilEnqueued(queue, new PhantomReference<>(new Object(), queue));
    }

    private static void collectUntilEnqueued(ReferenceQueue<Object> queue, PhantomReference<Object> sentinel)
            throws InterruptedException {
        System.gc();
        Reference<?> enqueued = queue.remove(REFERENCE_WAIT_MS);
        if (enqueued != sentinel) {
            throw new IllegalStateException("System.gc() did not collect an unreachable object within "
                    + REFERENCE_WAIT_MS + " ms: is -XX:+DisableExplicitGC set? The use-after-free check needs it off");
        }
    }
}
