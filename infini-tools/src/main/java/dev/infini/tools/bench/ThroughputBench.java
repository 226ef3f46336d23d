package dev.infini.tools.bench;

import ai.djl.Device;
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
import dev.infini.engine.session.Session;

import java.nio.file.Path;
import java.util.List;

/**
 * Prefill and decode tokens/s of each model next to the two ceilings of the machine, measured in the same run
 * through the same backend: dense float32 matmul FLOP/s (what bounds prefill) and memory read bandwidth divided by
 * the bytes of weights a decode step reads (what bounds decode).
 */
public final class ThroughputBench {

    /** Stop repeating a measurement once this much time went into it. */
    private static final double REPEAT_BUDGET_MS = 8_000;

    private ThroughputBench() {
    }

    public static JsonObject run(List<Path> dirs, BenchOptions o, int prefillTokens, int decodeTokens) {
        JsonObject result = new JsonObject();
        JsonObject ceilings = ceilings(o);
        result.add("ceilings", ceilings);
        double flops = ceilings.get("matmul_gflops").getAsDouble() * 1e9;
        double bandwidth = ceilings.get("read_bandwidth_gbps").getAsDouble() * 1e9;
        JsonArray models = new JsonArray();
        for (Path dir : dirs) {
            models.add(model(dir, o, prefillTokens, decodeTokens, flops, bandwidth));
        }
        result.add("models", models);
        return result;
    }

    /** Matmul FLOP/s and read bandwidth of the backend: best of a few runs, since noise only ever slows a run. */
    static JsonObject ceilings(BenchOptions o) {
        int n = o.smoke() ? 256 : 2048;
        long floats = o.smoke() ? 1L << 22 : 1L << 27; // 16 MiB or 512 MiB, far beyond any cache
        JsonObject json = new JsonObject();
        try (NDManager m = NDManager.newBaseManager(o.device().equals("gpu") ? Device.gpu() : Device.cpu())) {
            NDArray a = m.randomUniform(-1, 1, new Shape(n, n));
            NDArray b = m.randomUniform(-1, 1, new Shape(n, n));
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 6; i++) {
                try (NDManager step = m.newSubManager()) {
                    NDArray x = a.duplicate();
                    x.attach(step);
                    long start = System.nanoTime();
                    NDArray c = x.matMul(b);
                    c.getFloat(0, 0); // waits for the result on an asynchronous device
                    best = Math.min(best, Stats.millisSince(start));
                }
            }
            double gflops = 2.0 * n * n * n / (best / 1e3) / 1e9;
            json.addProperty("matmul_n", n);
            json.addProperty("matmul_best_ms", Stats.round(best));
            json.addProperty("matmul_gflops", Stats.round(gflops));

            NDArray big = m.ones(new Shape(floats), DataType.FLOAT32);
            double bestSum = Double.MAX_VALUE;
            double bestDot = Double.MAX_VALUE;
            double bestCopy = Double.MAX_VALUE;
            for (int i = 0; i < 6; i++) {
                try (NDManager step = m.newSubManager()) {
                    NDArray x = big.reshape(floats);
                    x.attach(step);
                    long start = System.nanoTime();
                    x.sum().getFloat();
                    bestSum = Math.min(bestSum, Stats.millisSince(start));
                    start = System.nanoTime();
                    x.dot(x).getFloat(); // BLAS sdot: one read of the array, the other operand is the same memory
                    bestDot = Math.min(bestDot, Stats.millisSince(start));
                    start = System.nanoTime();
                    NDArray copy = x.duplicate();
                    copy.getFloat(0);
                    bestCopy = Math.min(bestCopy, Stats.millisSince(start));
                }
            }
            double bytes = floats * 4.0;
            double sumRate = bytes / (bestSum / 1e3) / 1e9;
            double dotRate = bytes / (bestDot / 1e3) / 1e9;
            json.addProperty("bandwidth_array_bytes", (long) bytes);
            json.addProperty("sum_bandwidth_gbps", Stats.round(sumRate));
            json.addProperty("dot_bandwidth_gbps", Stats.round(dotRate));
            // the ceiling is the faster of two streaming reads: each only shows what its own kernel reaches
            json.addProperty("read_bandwidth_gbps", Stats.round(Math.max(sumRate, dotRate)));
            // a copy reads and writes every byte, into freshly mapped pages (page faults included)
            json.addProperty("copy_bandwidth_gbps", Stats.round(2 * bytes / (bestCopy / 1e3) / 1e9));
            json.addProperty("threads", TorchThreads.get());
        }
        o.log().printf("throughput: ceilings %s%n", json);
        return json;
    }

    private static JsonObject model(Path dir, BenchOptions o, int prefillTokens, int decodeTokens, double flops,
                                    double bandwidth) {
        JsonObject json = new JsonObject();
        try (InfiniModel model = BenchModels.infini(dir, o)) {
            ModelConfig c = model.config();
            int prompt = Math.min(prefillTokens, model.segmentLength());
            Workload workload = new Workload(model.tokenizer());
            GenerationOptions decode = GenerationOptions.builder().maxTokens(decodeTokens).temperature(0)
                    .stopOnEos(false).build();
            try (Session warm = new Session(model)) {
                warm.append(workload.take(0, Math.min(16, prompt)));
                warm.generate(GenerationOptions.builder().maxTokens(2).temperature(0).stopOnEos(false).build(),
                        (i, t) -> { });
            }
            double bestPrefill = Double.MAX_VALUE;
            double bestDecode = Double.MAX_VALUE;
            int runs = 0;
            long started = System.nanoTime();
            while (runs < 3 && (runs == 0 || Stats.millisSince(started) < REPEAT_BUDGET_MS)) {
                try (Session s = new Session(model)) {
                    long a = System.nanoTime();
                    s.append(workload.take(runs * 7L, prompt));
                    bestPrefill = Math.min(bestPrefill, Stats.millisSince(a));
                    a = System.nanoTime();
                    s.generate(decode, (i, t) -> { });
                    bestDecode = Math.min(bestDecode, Stats.millisSince(a));
                }
                runs++;
            }
            double prefillRate = prompt / (bestPrefill / 1e3);
            double decodeRate = decodeTokens / (bestDecode / 1e3);
            double flopsPerToken = BenchModels.prefillFlopsPerToken(c, prompt);
            long weightBytes = BenchModels.weightBytesPerToken(c);
            double prefillCeiling = flops / flopsPerToken;
            double decodeCeiling = bandwidth / weightBytes;
            json.addProperty("model", dir.getFileName().toString());
            json.addProperty("parameters", model.parameterCount());
            json.addProperty("layers", c.numLayers());
            json.addProperty("hidden", c.hiddenSize());
            json.addProperty("segment_length", model.segmentLength());
            json.addProperty("runs", runs);
            json.addProperty("prefill_tokens", prompt);
            json.addProperty("prefill_tokens_per_s", Stats.round(prefillRate));
            json.addProperty("prefill_gflops_achieved", Stats.round(prefillRate * flopsPerToken / 1e9));
            json.addProperty("prefill_ceiling_tokens_per_s", Stats.round(prefillCeiling));
            json.addProperty("prefill_fraction_of_ceiling", Stats.round(prefillRate / prefillCeiling));
            json.addProperty("decode_tokens", decodeTokens);
            json.addProperty("decode_tokens_per_s", Stats.round(decodeRate));
            json.addProperty("decode_ms_per_token", Stats.round(bestDecode / decodeTokens));
            json.addProperty("weight_bytes_per_token", weightBytes);
            json.addProperty("decode_gbps_achieved", Stats.round(decodeRate * weightBytes / 1e9));
            json.addProperty("decode_ceiling_tokens_per_s", Stats.round(decodeCeiling));
            json.addProperty("decode_fraction_of_ceiling", Stats.round(decodeRate / decodeCeiling));
            json.addProperty("threads", TorchThreads.get());
        }
        o.log().printf("throughput: %s%n", json);
        return json;
    }
}
