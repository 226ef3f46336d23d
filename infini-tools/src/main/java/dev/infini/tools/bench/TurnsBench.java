package dev.infini.tools.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.kernels.TorchThreads;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.engine.sampling.GenerationResult;
import dev.infini.engine.session.Session;
import dev.infini.engine.session.SessionState;
import dev.infini.engine.session.StateCodec;
import dev.infini.tools.plot.LinePlot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turn cost over one long conversation, three ways on the same weights:
 * <ul>
 *   <li><b>Infini</b>: every turn loads the conversation's state from Redis, restores a session, appends the user's
 *   tokens, generates the reply, snapshots and saves the state back;</li>
 *   <li><b>history replay</b>: a stateless full-attention model re-reads the whole history every turn (what a chat
 *   memory advisor in front of an ordinary model does). Stateless, so turn t is measured directly at sampled t;</li>
 *   <li><b>KV-cache persistence</b>: full attention whose KV cache is kept per conversation between turns (llama.cpp's
 *   slot save). The session continues in process; each sampled turn also GETs and SETs through Redis a blob of the
 *   cache's exact float32 size and copies the loaded blob into a native array, the minimum a real save and load
 *   costs. Between samples the history is appended untimed.</li>
 * </ul>
 */
public final class TurnsBench {

    private static final int CHUNK = 256;

    private TurnsBench() {
    }

    public static JsonObject run(Path dir, BenchOptions o, int turns, int[] samples, RedisServer redis)
            throws IOException {
        JsonObject result = new JsonObject();
        List<int[]> transcript = new ArrayList<>();
        GenerationOptions reply = GenerationOptions.builder().maxTokens(o.turnOut()).temperature(0)
                .stopOnEos(false).build();
        String name = dir.getFileName().toString();
        ModelConfig config;
        double[] total = new double[turns];
        double[] redisMs = new double[turns];
        long[] stateBytes = new long[turns];
        JsonArray perTurn = new JsonArray();
        try (InfiniModel model = BenchModels.infini(dir, o)) {
            config = model.config();
            Workload workload = new Workload(model.tokenizer());
            warmUp(model, workload, reply);
            String key = "bench:turns:" + name;
            result.addProperty("model", name);
            result.addProperty("parameters", model.parameterCount());
            result.addProperty("segment_length", model.segmentLength());
            result.addProperty("memory_update", model.memoryUpdate().jsonName());
            result.addProperty("memory_gates", BenchModels.hasGates(dir) ? "checkpoint" : "gate-init " + o.gateInit());
            result.addProperty("turns", turns);
            result.addProperty("tokens_in_per_turn", o.turnIn());
            result.addProperty("tokens_out_per_turn", o.turnOut());
            result.addProperty("threads", TorchThreads.get());
            for (int t = 1; t <= turns; t++) {
                long start = System.nanoTime();
                double get = 0;
                double decode = 0;
                double restore = 0;
                Session session;
                if (t == 1) {
                    session = new Session(model);
                } else {
                    long a = System.nanoTime();
                    byte[] blob = redis.load(key);
                    get = Stats.millisSince(a);
                    a = System.nanoTime();
                    SessionState state = StateCodec.decode(blob);
                    decode = Stats.millisSince(a);
                    a = System.nanoTime();
                    session = Session.restore(model, state);
                    restore = Stats.millisSince(a);
                }
                long a = System.nanoTime();
                int[] user = workload.userTurn(t, o.turnIn());
                session.append(user);
                GenerationResult out = session.generate(reply, (id, text) -> { });
                double compute = Stats.millisSince(a);
                a = System.nanoTime();
                byte[] blob = StateCodec.encode(session.snapshot());
                session.close();
                double encode = Stats.millisSince(a);
                a = System.nanoTime();
                redis.save(key, blob);
                double set = Stats.millisSince(a);
                total[t - 1] = Stats.millisSince(start);
                redisMs[t - 1] = get + set;
                stateBytes[t - 1] = blob.length;
                int[] both = Arrays.copyOf(user, user.length + out.tokenIds().length);
                System.arraycopy(out.tokenIds(), 0, both, user.length, out.tokenIds().length);
                transcript.add(both);
                JsonObject row = new JsonObject();
                row.addProperty("turn", t);
                row.addProperty("total_ms", Stats.round(total[t - 1]));
                row.addProperty("redis_get_ms", Stats.round(get));
                row.addProperty("decode_ms", Stats.round(decode));
                row.addProperty("restore_ms", Stats.round(restore));
                row.addProperty("compute_ms", Stats.round(compute));
                row.addProperty("snapshot_encode_ms", Stats.round(encode));
                row.addProperty("redis_set_ms", Stats.round(set));
                row.addProperty("state_bytes", blob.length);
                perTurn.add(row);
                if (t % 25 == 0 || t == turns) {
                    o.log().printf("turns %s: infini turn %d/%d, %.1f ms, state %d bytes%n", name, t, turns,
                            total[t - 1], blob.length);
                }
            }
            result.add("infini", infiniSummary(total, redisMs, stateBytes, perTurn, model.segmentLength(), o));
            JsonArray replay = new JsonArray();
            JsonArray kv = new JsonArray();
            int[] usable = Arrays.stream(samples).filter(s -> s >= 1 && s <= turns).sorted().distinct().toArray();
            if (usable.length > 0) {
                int perTurnTokens = o.turnIn() + o.turnOut();
                int context = (usable[usable.length - 1] * perTurnTokens + CHUNK - 1) / CHUNK * CHUNK + CHUNK;
                try (InfiniModel full = BenchModels.fullAttention(dir, o, context);
                     NDManager nativeCopies = NDManager.newBaseManager(full.device())) {
                    warmUp(full, workload, reply);
                    historyReplay(full, model, transcript, workload, usable, reply, replay, o);
                    kvPersistence(full, transcript, workload, usable, reply, redis, nativeCopies, kv, o, name);
                }
            }
            result.add("history_replay", replay);
            result.add("kv_persistence", kv);
        }
        result.addProperty("kv_bytes_per_token", BenchModels.kvBytesPerToken(config));
        if (o.plotsDir() != null) {
            plot(result, name, total, stateBytes, o.plotsDir());
        }
        return result;
    }

    private static void warmUp(InfiniModel model, Workload workload, GenerationOptions reply) {
        try (Session s = new Session(model)) {
            s.append(workload.userTurn(1, 16));
            s.generate(GenerationOptions.builder().maxTokens(4).temperature(0).stopOnEos(false).build(), (i, t) -> { });
            StateCodec.encode(s.snapshot());
        }
    }

    private static JsonObject infiniSummary(double[] total, double[] redisMs, long[] bytes, JsonArray perTurn,
                                            int segmentLength, BenchOptions o) {
        int n = total.length;
        JsonObject s = new JsonObject();
        int ten = Math.min(10, n);
        s.addProperty("turn_10_ms", Stats.round(total[ten - 1]));
        s.addProperty("turn_last_ms", Stats.round(total[n - 1]));
        s.addProperty("ratio_last_to_10", Stats.round(total[n - 1] / total[ten - 1]));
        // The open segment refills every N/(in+out) turns, so turn cost is a saw-tooth with that period: compare
        // medians over one full period early and one at the end, which removes the phase from the comparison.
        int period = Math.max(1, (int) Math.ceil(segmentLength / (double) (o.turnIn() + o.turnOut())));
        int earlyFrom = Math.min(n, 2);
        int earlyTo = Math.min(n, earlyFrom + period - 1);
        int lateFrom = Math.max(1, n - period + 1);
        double early = Stats.median(Arrays.copyOfRange(total, earlyFrom - 1, earlyTo));
        double late = Stats.median(Arrays.copyOfRange(total, lateFrom - 1, n));
        s.addProperty("period_turns", period);
        s.addProperty("early_window", earlyFrom + ".." + earlyTo);
        s.addProperty("late_window", lateFrom + ".." + n);
        s.addProperty("early_median_ms", Stats.round(early));
        s.addProperty("late_median_ms", Stats.round(late));
        s.addProperty("ratio_late_to_early_median", Stats.round(late / early));
        s.addProperty("state_bytes_turn_1", bytes[0]);
        s.addProperty("state_bytes_turn_last", bytes[n - 1]);
        s.addProperty("state_bytes_constant", Arrays.stream(bytes).allMatch(b -> b == bytes[0]));
        double[] later = n > 1 ? Arrays.copyOfRange(redisMs, 1, n) : redisMs;
        double[] laterTotal = n > 1 ? Arrays.copyOfRange(total, 1, n) : total;
        s.addProperty("redis_round_trip_median_ms", Stats.round(Stats.median(later)));
        s.addProperty("turn_median_ms", Stats.round(Stats.median(laterTotal)));
        s.addProperty("redis_share_of_turn", Stats.round(Stats.mean(later) / Stats.mean(laterTotal)));
        s.add("latency", Stats.summary(total));
        s.add("per_turn", perTurn);
        return s;
    }

    private static void historyReplay(InfiniModel full, InfiniModel infini, List<int[]> transcript, Workload workload,
                                      int[] samples, GenerationOptions reply, JsonArray out, BenchOptions o) {
        for (int t : samples) {
            int[] history = concat(transcript.subList(0, t - 1), workload.userTurn(t, o.turnIn()));
            long start = System.nanoTime();
            try (Session session = new Session(full)) {
                appendChunked(session, history);
                session.generate(reply, (id, text) -> { });
            }
            double ms = Stats.millisSince(start);
            // what a chat memory stores after the turn: the conversation's text so far
            long textBytes = infini.tokenizer().decode(concat(transcript.subList(0, t), new int[0]))
                    .getBytes(StandardCharsets.UTF_8).length;
            JsonObject row = new JsonObject();
            row.addProperty("turn", t);
            row.addProperty("total_ms", Stats.round(ms));
            row.addProperty("tokens_reread", history.length);
            row.addProperty("stored_bytes", textBytes);
            out.add(row);
            o.log().printf("turns: history replay turn %d, %d tokens re-read, %.1f ms%n", t, history.length, ms);
        }
    }

    private static void kvPersistence(InfiniModel full, List<int[]> transcript, Workload workload, int[] samples,
                                      GenerationOptions reply, RedisServer redis, NDManager nativeCopies,
                                      JsonArray out, BenchOptions o, String name) {
        long perToken = BenchModels.kvBytesPerToken(full.config());
        String key = "bench:kv:" + name;
        try (Session session = new Session(full)) {
            int done = 0; // turns of the transcript already in the session
            for (int t : samples) {
                int[] catchUp = concat(transcript.subList(done, t - 1), new int[0]);
                if (catchUp.length > 0) {
                    appendChunked(session, catchUp);
                }
                redis.save(key, new byte[(int) (perToken * session.tokensSeen())]);
                long start = System.nanoTime();
                byte[] loaded = redis.load(key);
                double get = Stats.millisSince(start);
                long a = System.nanoTime();
                if (loaded.length > 0) {
                    try (NDManager step = nativeCopies.newSubManager()) {
                        NDArray cache = step.create(ByteBuffer.wrap(loaded).order(ByteOrder.nativeOrder()),
                                new Shape(loaded.length / 4), DataType.FLOAT32);
                        cache.getShape();
                    }
                }
                double copyIn = Stats.millisSince(a);
                a = System.nanoTime();
                session.append(workload.userTurn(t, o.turnIn()));
                session.generate(reply, (id, text) -> { });
                double compute = Stats.millisSince(a);
                a = System.nanoTime();
                byte[] blob = new byte[(int) (perToken * session.tokensSeen())];
                redis.save(key, blob);
                double set = Stats.millisSince(a);
                double ms = Stats.millisSince(start);
                done = t;
                JsonObject row = new JsonObject();
                row.addProperty("turn", t);
                row.addProperty("total_ms", Stats.round(ms));
                row.addProperty("redis_get_ms", Stats.round(get));
                row.addProperty("copy_in_ms", Stats.round(copyIn));
                row.addProperty("compute_ms", Stats.round(compute));
                row.addProperty("redis_set_ms", Stats.round(set));
                row.addProperty("context_tokens", session.tokensSeen());
                row.addProperty("stored_bytes", blob.length);
                out.add(row);
                o.log().printf("turns: kv persistence turn %d, %d cached tokens, %d bytes, %.1f ms%n", t,
                        session.tokensSeen(), blob.length, ms);
            }
        }
    }

    private static void appendChunked(Session session, int[] ids) {
        for (int from = 0; from < ids.length; from += CHUNK) {
            session.append(Arrays.copyOfRange(ids, from, Math.min(ids.length, from + CHUNK)));
        }
    }

    private static int[] concat(List<int[]> parts, int[] tail) {
        int length = tail.length;
        for (int[] p : parts) {
            length += p.length;
        }
        int[] out = new int[length];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        System.arraycopy(tail, 0, out, at, tail.length);
        return out;
    }

    private static void plot(JsonObject result, String name, double[] total, long[] stateBytes, Path dir)
            throws IOException {
        int n = total.length;
        int period = result.getAsJsonObject("infini").get("period_turns").getAsInt();
        double[] rolling = new double[n];
        for (int i = 0; i < n; i++) {
            rolling[i] = i + 1 < period ? Double.NaN : Stats.median(Arrays.copyOfRange(total, i + 1 - period, i + 1));
        }
        double[] turns = new double[n];
        double[] bytes = new double[n];
        for (int i = 0; i < n; i++) {
            turns[i] = i + 1;
            bytes[i] = stateBytes[i];
        }
        JsonArray replay = result.getAsJsonArray("history_replay");
        JsonArray kv = result.getAsJsonArray("kv_persistence");
        LinePlot latency = new LinePlot("Latency per turn, " + name + " (one conversation, state through Redis)",
                "turn", "ms per turn", true)
                .add("Infini (state in Redis)", turns, total, false)
                .add("Infini, median of the last " + period + " turns (one segment)", turns, rolling, false,
                        new java.awt.Color(0x08306b));
        LinePlot stored = new LinePlot("Stored bytes per conversation, " + name, "turn", "bytes", true)
                .add("Infini state", turns, bytes, false);
        if (!replay.isEmpty()) {
            latency.add("history replay (stateless full attention)", column(replay, "turn"), column(replay, "total_ms"), true,
                    new java.awt.Color(0xd62728));
            stored.add("history replay (chat text)", column(replay, "turn"), column(replay, "stored_bytes"), true,
                    new java.awt.Color(0xd62728));
        }
        if (!kv.isEmpty()) {
            latency.add("KV-cache persistence (full attention)", column(kv, "turn"), column(kv, "total_ms"), true,
                    new java.awt.Color(0x2ca02c));
            stored.add("KV cache (float32)", column(kv, "turn"), column(kv, "stored_bytes"), true,
                    new java.awt.Color(0x2ca02c));
        }
        latency.write(dir.resolve("turns-latency-" + name + ".png"));
        stored.write(dir.resolve("turns-stored-bytes-" + name + ".png"));
    }

    private static double[] column(JsonArray rows, String field) {
        double[] out = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            out[i] = rows.get(i).getAsJsonObject().get(field).getAsDouble();
        }
        return out;
    }
}
