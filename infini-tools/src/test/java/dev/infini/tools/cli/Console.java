package dev.infini.tools.cli;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * What the commands print, captured for each test ({@code @RegisterExtension}): {@code System.out} and
 * {@code System.err} are swapped for buffers before the test and put back after it, whatever its outcome.
 */
final class Console implements BeforeEachCallback, AfterEachCallback {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    @Override
    public void beforeEach(ExtensionContext context) {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    /** Standard output since the test began or the last {@link #reset}. */
    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Standard error since the test began or the last {@link #reset}. */
    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Forgets what both streams hold, so that the next command's output stands alone. */
    void reset() {
        out.reset();
        err.reset();
    }
}
