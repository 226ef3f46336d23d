package dev.infini.tools.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.kernels.TorchThreads;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.engine.session.Session;
import dev.infini.engine.session.StateCodec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The state store: Redis SET and GET latency per state size, then many conversations at once (N threads, each
 * serving M conversations in turn, every turn a full load, restore, append, generate, snapshot and save).
 */
public final class StoreBench {

    private StoreBench() {
    }

    /**
     * @param sizeModels checkpoints whose encoded state sizes are measured (their config.json is enough)
     */
    public static JsonObject run(Path dir, List<Path> sizeModels, BenchOptions o, RedisServer redis, int[] threadCounts,
                                 int conversationsPerThread, int turnsPerConversation) throws Exception {
        JsonObject result = new JsonObject();
        result.addProperty("redis_version", redis.version());
        result.add("latency_by_size", latencyBySize(sizeModels, o, redis));
        result.add("concurrent", concurrent(dir, o, redis, threadCounts, conversationsPerThread,
                turnsPerConversation));
        return result;
    }

    private static JsonArray latencyBySize(List<Path> models, BenchOptions o, RedisServer redis) {
        int repeats = o.smoke() ? 20 : 300;
        JsonArray rows = new JsonArray();
        Random random = new Random(7);
        for (Path dir : models) {
            ModelConfig c = ModelConfig.read(dir);
            int segment = c.infini() != null ? c.infini().segmentLength() : 2048;
            if (o.segmentLength() > 0) {
                segment = o.segmentLength();
            }
            int size = (int) StateCodec.encodedSize(segment, c.vocabSize(), c.numLayers(), c.numKvHeads(),
                    c.headDim());
            byte[] blob = new byte[size];
            random.nextBytes(blob); // Redis stores bytes as they are; random ones rule out any shortcut
            String key = "bench:store:" + dir.getFileName();
            double[] set = new double[repeats];
            double[] get = new double[repeats];
            for (int i = -10; i < repeats; i++) { // ten untimed rounds warm the connection and the server
                long a = System.nanoTime();
                redis.save(key, blob);
                double s = Stats.millisSince(a);
                a = System.nanoTime();
                byte[] back = redis.load(key);
                double g = Stats.millisSince(a);
                if (back.length != size) {
                    throw new IllegalStateException("Redis returned " + back.length + " bytes for " + size);
                }
                if (i >= 0) {
                    set[i] = s;
                    get[i] = g;
                }
            }
            JsonObject row = new JsonObject();
            row.addProperty("model", dir.getFileName().toString());
            row.addProperty("state_bytes", size);
            row.add("save", Stats.summary(set));
            row.add("load", Stats.summary(get));
            rows.add(row);
            o.log().printf("store: %s state %d bytes: save p50 %.3f ms p99 %.3f ms, load p50 %.3f ms p99 %.3f ms%n",
                    dir.getFileName(), size, Stats.quantile(set, .5), Stats.quantile(set, .99),
                    Stats.quantile(get, .5), Stats.quantile(get, .99));
        }
        return rows;
    }

    private static JsonArray concurrent(Path dir, BenchOptions o, RedisServer redis, int[] threadCounts,
                                        int perThread, int turns) throws Exception {
        JsonArray rows = new JsonArray();
        GenerationOptions reply = GenerationOptions.builder().maxTokens(o.turnOut()).temperature(0).stopOnEos(false)
                .build();
        try (InfiniModel model = BenchModels.infini(dir, o)) {
            Workload workload = new Workload(model.tokenizer());
            turn(model, workload, reply, redis, "bench:warm", 1, o.turnIn()); // warm-up, untimed
            for (int threads : threadCounts) {
                List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                long start = System.nanoTime();
                try {
                    List<Future<?>> futures = new ArrayList<>();
                    for (int w = 0; w < threads; w++) {
                        int worker = w;
                        futures.add(pool.submit(() -> {
                            TorchThreads.set(o.threads());
                            // each worker serves its conversations round-robin, as a pool of request threads would
                            for (int t = 1; t <= turns; t++) {
                                for (int c = 0; c < perThread; c++) {
                                    String key = "bench:conc:" + threads + ":" + worker + ":" + c;
                                    latencies.add(turn(model, workload, reply, redis, key, t, o.turnIn()));
                                }
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : futures) {
                        f.get();
                    }
                } finally {
                    pool.shutdown();
                }
                double wall = Stats.millisSince(start) / 1e3;
                double[] ms = latencies.stream().mapToDouble(Double::doubleValue).toArray();
                JsonObject row = new JsonObject();
                row.addProperty("threads", threads);
                row.addProperty("conversations", threads * perThread);
                row.addProperty("turns", ms.length);
                row.addProperty("wall_s", Stats.round(wall));
                row.addProperty("turns_per_s", Stats.round(ms.length / wall));
                row.addProperty("tokens_per_s", Stats.round(ms.length * (o.turnIn() + o.turnOut()) / wall));
                row.add("turn_latency", Stats.summary(ms));
                rows.add(row);
                o.log().printf("store: %d threads x %d conversations: %.2f turns/s, p50 %.1f ms, p99 %.1f ms%n",
                        threads, perThread, ms.length / wall, Stats.quantile(ms, .5), Stats.quantile(ms, .99));
            }
        }
        return rows;
    }

    /** One turn of a conversation whose state lives in Redis; returns its latency in ms. */
    private static double turn(InfiniModel model, Workload workload, GenerationOptions reply, RedisServer redis,
                               String key, int t, int turnIn) {
        long start = System.nanoTime();
        byte[] blob = t == 1 ? null : redis.load(key);
        try (Session session = blob == null ? new Session(model) : Session.restore(model, StateCodec.decode(blob))) {
            session.append(workload.userTurn(t, turnIn));
            session.generate(reply, (id, text) -> { });
            redis.save(key, StateCodec.encode(session.snapshot()));
        }
        return Stats.millisSince(start);
    }
}
