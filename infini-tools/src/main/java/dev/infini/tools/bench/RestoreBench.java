package dev.infini.tools.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.session.Session;
import dev.infini.engine.session.SessionState;
import dev.infini.engine.session.StateCodec;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Restoring a conversation both ways (issue 15, item 3): the open segment as token ids, re-encoded through the model
 * on restore, or carried as its keys and values (16-bit) and written back. For each model and an open segment half
 * full and nearly full (after one folded segment), the encoded state's bytes and the median time of decode +
 * restore, the only part a turn pays on a cold instance besides the store's GET.
 */
public final class RestoreBench {

    private RestoreBench() {
    }

    public static JsonObject run(List<Path> models, BenchOptions o, int repeats) {
        JsonArray rows = new JsonArray();
        for (Path dir : models) {
            try (InfiniModel model = BenchModels.infini(dir, o)) {
                int n = model.segmentLength();
                for (int open : new int[] {n / 2, n - 1}) {
                    rows.add(row(dir, model, open, repeats, o));
                }
            }
        }
        JsonObject result = new JsonObject();
        result.addProperty("repeats", repeats);
        result.add("rows", rows);
        return result;
    }

    private static JsonObject row(Path dir, InfiniModel model, int open, int repeats, BenchOptions o) {
        int n = model.segmentLength();
        int[] tokens = new Random(open).ints(n + open, 3, model.config().vocabSize()).toArray();
        JsonObject row = new JsonObject();
        row.addProperty("model", dir.getFileName().toString());
        row.addProperty("segment_length", n);
        row.addProperty("open_tokens", open);
        try (Session session = new Session(model)) {
            session.append(tokens);
            for (boolean carried : new boolean[] {false, true}) {
                byte[] blob = StateCodec.encode(session.snapshot(carried));
                double[] ms = new double[repeats];
                for (int r = -2; r < repeats; r++) { // two warm-up rounds
                    long start = System.nanoTime();
                    try (Session restored = Session.restore(model, StateCodec.decode(blob))) {
                        if (r >= 0) {
                            ms[r] = (System.nanoTime() - start) / 1e6;
                        }
                    }
                }
                String way = carried ? "keys_values" : "tokens";
                row.addProperty("state_bytes_" + way, blob.length);
                row.addProperty("restore_ms_" + way, Math.round(Stats.median(ms) * 1000) / 1000.0);
            }
        }
        o.log().printf("restore %s, N %d, %d open tokens: %s%n", dir.getFileName(), n, open, row);
        return row;
    }
}
