package dev.infini.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class with one PyTorch intra-op thread and restores the setting afterwards. The tiny shapes of these
 * tests are dominated by per-op overhead, and on a busy 2-core machine two spinning OpenMP threads make them ten
 * times slower than one.
 */
public final class OneTorchThread implements BeforeAllCallback, AfterAllCallback {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(OneTorchThread.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        Engine.getInstance(); // loads the native library before JniUtils is touched
        context.getStore(NS).put("threads", JniUtils.getNumThreads());
        JniUtils.setNumThreads(1);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Integer previous = context.getStore(NS).get("threads", Integer.class);
        if (previous != null) {
            JniUtils.setNumThreads(previous);
        }
    }
}
