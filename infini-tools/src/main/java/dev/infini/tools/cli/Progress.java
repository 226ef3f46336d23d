package dev.infini.tools.cli;

import java.io.PrintStream;

/**
 * A one-line progress bar on stderr, redrawn at most a few times a second so that it costs nothing next to the
 * work it reports; silent when stderr is not a terminal unless forced.
 */
final class Progress {

    private static final int WIDTH = 30;

    private final PrintStream err;
    private final String label;
    private final long total;
    private final String unit;
    private final long startNanos = System.nanoTime();
    private long lastDraw;
    private int lastLength;

    /** @param total units of work (bytes, tokens), or 0 when unknown */
    Progress(PrintStream err, String label, long total) {
        this(err, label, total, "tokens");
    }

    /** @param unit what the counts passed to {@link #update} are, e.g. "tokens" or "bytes" */
    Progress(PrintStream err, String label, long total, String unit) {
        this.unit = unit;
        this.err = err;
        this.label = label;
        this.total = total;
    }

    /** Redraws the bar if enough time passed. */
    void update(long done, long count, String extra) {
        long now = System.nanoTime();
        if (now - lastDraw < 200_000_000L) {
            return;
        }
        lastDraw = now;
        draw(done, count, extra);
    }

    /** Draws the final state and ends the line. */
    void finish(long done, long count, String extra) {
        draw(done, count, extra);
        err.println();
    }

    private void draw(long done, long count, String extra) {
        double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        StringBuilder line = new StringBuilder("\r").append(label).append(' ');
        if (total > 0) {
            int filled = (int) Math.min(WIDTH, WIDTH * done / total);
            line.append('[').append("#".repeat(filled)).append(" ".repeat(WIDTH - filled)).append("] ")
                    .append(String.format("%3d%% ", 100 * done / total));
        }
        line.append(String.format("%,d %s, %,.0f %s/s", count, unit, count / seconds, unit));
        if (extra != null && !extra.isEmpty()) {
            line.append(", ").append(extra);
        }
        // pad so a shorter line fully covers the previous one
        err.print(line.append(" ".repeat(Math.max(0, lastLength - line.length()))));
        lastLength = line.length();
        err.flush();
    }
}
