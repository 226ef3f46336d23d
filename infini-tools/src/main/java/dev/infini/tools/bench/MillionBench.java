package dev.infini.tools.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.infini.engine.kernels.TorchThreads;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.session.Session;
import dev.infini.engine.session.StateCodec;
import dev.infini.tools.plot.LinePlot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Streams a million tokens through one conversation and records the time and the process's resident memory (peak
 * and along the way): the memory of a conversation must not grow with its length.
 */
public final class MillionBench {

    private static final int BLOCK = 8192;

    private MillionBench() {
    }

    public static JsonObject run(Path dir, BenchOptions o, long tokens) throws IOException {
        JsonObject result = new JsonObject();
        JsonArray samples = new JsonArray();
        try (InfiniModel model = BenchModels.infini(dir, o); Session session = new Session(model)) {
            Workload workload = new Workload(model.tokenizer());
            long rssAfterLoad = rss("VmRSS");
            long start = System.nanoTime();
            long every = Math.max(BLOCK, tokens / 20 / BLOCK * BLOCK);
            for (long done = 0; done < tokens; ) {
                int take = (int) Math.min(BLOCK, tokens - done);
                session.append(workload.take(done, take));
                done += take;
                if (done % every == 0 || done == tokens) {
                    double seconds = Stats.millisSince(start) / 1e3;
                    JsonObject row = new JsonObject();
                    row.addProperty("tokens", done);
                    row.addProperty("seconds", Stats.round(seconds));
                    row.addProperty("rss_bytes", rss("VmRSS"));
                    // the JVM heap grows lazily and counts in RSS: reported so native growth can be told apart
                    row.addProperty("java_heap_committed_bytes", Runtime.getRuntime().totalMemory());
                    samples.add(row);
                    o.log().printf("million: %,d tokens in %.1f s (%.0f tok/s), RSS %d MiB%n", done, seconds,
                            done / seconds, rss("VmRSS") >> 20);
                }
            }
            double seconds = Stats.millisSince(start) / 1e3;
            result.addProperty("model", dir.getFileName().toString());
            result.addProperty("segment_length", model.segmentLength());
            result.addProperty("tokens", session.tokensSeen());
            result.addProperty("segments_folded", session.segmentsFolded());
            result.addProperty("seconds", Stats.round(seconds));
            result.addProperty("tokens_per_s", Stats.round(tokens / seconds));
            result.addProperty("rss_after_load_bytes", rssAfterLoad);
            result.addProperty("rss_end_bytes", rss("VmRSS"));
            result.addProperty("peak_rss_bytes", rss("VmHWM"));
            result.addProperty("java_heap_used_bytes",
                    Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
            result.addProperty("state_bytes", StateCodec.encode(session.snapshot()).length);
            result.addProperty("threads", TorchThreads.get());
            result.add("samples", samples);
        }
        if (o.plotsDir() != null) {
            double[] x = new double[samples.size()];
            double[] y = new double[samples.size()];
            double[] heap = new double[samples.size()];
            for (int i = 0; i < x.length; i++) {
                JsonObject row = samples.get(i).getAsJsonObject();
                x[i] = row.get("tokens").getAsDouble();
                y[i] = row.get("rss_bytes").getAsDouble() / (1 << 20);
                heap[i] = row.get("java_heap_committed_bytes").getAsDouble() / (1 << 20);
            }
            String name = dir.getFileName().toString();
            new LinePlot("Resident memory while streaming tokens through one conversation, " + name,
                    "tokens streamed", "resident memory (MiB)", false)
                    .add("process RSS", x, y, true)
                    .add("of which JVM heap committed", x, heap, true).write(o.plotsDir().resolve("million-rss-" + name + ".png"));
        }
        return result;
    }

    /** A field of /proc/self/status in bytes (VmRSS, VmHWM), or -1 where there is no procfs. */
    static long rss(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
