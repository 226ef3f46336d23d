package dev.infini.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes a use-after-free of Java direct buffers visible: collects garbage (which frees the native memory of every
 * unreachable direct buffer), then fills freshly allocated small buffers, which reuse that memory, with NaN.
 */
public final class FreedNativeMemory {

    private static final List<ByteBuffer> HELD = new ArrayList<>();

    private FreedNativeMemory() {
    }

    /** Frees what the JVM can free and overwrites the reused memory with NaN; the new buffers stay reachable. */
    public static void scribbleNaN() throws InterruptedException {
        HELD.clear();
        System.gc();
        Thread.sleep(100); // the Cleaner thread frees the collected buffers' memory
        for (int i = 0; i < 20_000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(4 << (i % 4)).order(ByteOrder.nativeOrder());
            for (int j = 0; j < b.capacity(); j += 4) {
                b.putFloat(j, Float.NaN);
            }
            HELD.add(b);
        }
    }
}
