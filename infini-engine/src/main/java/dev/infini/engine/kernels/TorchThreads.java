package dev.infini.engine.kernels;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.infini.engine.DjlDefaults;

/**
 * PyTorch's intra-op thread count, which is process-wide. PyTorch starts one thread per core; on a machine shared
 * with other busy processes its OpenMP threads spin against each other, and one thread was 7–20× faster on our
 * 2-core CI machines (docs/benchmarks.md).
 */
public final class TorchThreads {

    private TorchThreads() {
    }

    /** Sets the intra-op threads; 0 or less keeps the current setting. */
    public static void set(int threads) {
        if (threads > 0) {
            DjlDefaults.apply();
            Engine.getEngine("PyTorch"); // loads the native library before the call below needs it
            JniUtils.setNumThreads(threads);
        }
    }

    /** The intra-op threads PyTorch uses now. */
    public static int get() {
        DjlDefaults.apply();
        Engine.getEngine("PyTorch");
        return JniUtils.getNumThreads();
    }
}
