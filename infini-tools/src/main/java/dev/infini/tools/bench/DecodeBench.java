package dev.infini.tools.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.kernels.VectorKernels;
import dev.infini.engine.config.WeightFormat;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.engine.sampling.Sampler;
import dev.infini.engine.sampling.TokenListener;
import dev.infini.engine.session.Session;
import dev.infini.tools.plot.LinePlot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java decode step side by side in one run (issue 15, item 4): for each model, each weight format
 * ({@code EngineOptions.decodeWeights}) and each thread count ({@value VectorKernels#THREADS_PROPERTY}), the
 * decode speed next to the read-bandwidth ceiling measured in the same run (bandwidth ÷ the bytes of weights a step
 * reads in that format), and what the format costs: the perplexity of a text teacher-forced through the same decode
 * step, one token at a time, against float32's.
 * <p>
 * Both are read when a model loads (the thread count as a system property), so every variant is loaded on its own,
 * warmed up until the JIT has compiled the step, measured and closed before the next one.
 */
public final class DecodeBench {

    /**
     * Decoding goes on untimed after loading for this long (and at least {@link #WARM_MIN_TOKENS} tokens), so that the
     * timed runs measure code the JIT has compiled: until C2 compiles them, Vector API loops run as slow Java
     * fallbacks (a 96-token warm-up left stories260k's first format 2.4× slower than the same code later on).
     */
    private static final double WARM_MS = 4_000;
    private static final int WARM_MIN_TOKENS = 8;
    /**
     * Timed runs: the best of up to {@link #MAX_RUNS}, stopping once {@link #BUDGET_MS} went into them. A small
     * model's run lasts tens of milliseconds, where one preemption by another process shows; b1's lasts seconds.
     */
    private static final int MAX_RUNS = 10;
    private static final double BUDGET_MS = 10_000;

    private DecodeBench() {
    }

    /**
     * Why the Java decode step cannot run here ({@code device} gpu, the Vector API module missing, or
     * {@code infini.kernels.decode=torch}), or null when it can.
     */
    public static String unavailable(String device) {
        if (device.equals("gpu")) {
            return "the Java decode step runs on the CPU only (this run asked for --device gpu)";
        }
        if (VectorKernels.preferredDecode().isEmpty()) {
            return "the Java decode step is off: start the JVM with --add-modules jdk.incubator.vector and leave "
                    + VectorKernels.DECODE_PROPERTY + " at java";
        }
        return null;
    }

    /**
     * Measures every model in every format at every thread count, one variant loaded at a time.
     *
     * @param dirs           checkpoint folders
     * @param o              the benchmark's shared options (device, PyTorch threads, plots folder, log)
     * @param formats        the weight formats to compare; float32, when listed, runs first as the baseline of the
     *                       ratios ({@code speed_vs_f32}, {@code perplexity_change_vs_f32_percent})
     * @param threads        kernel thread counts to compare
     * @param promptTokens   tokens prefilled before decoding (positions the attention reads)
     * @param decodeTokens   tokens decoded per timed run
     * @param qualityTokens  tokens of the teacher-forced text, scored at the first thread count only (0: none)
     * @return the ceilings and one row per variant
     * @throws IOException if the plot cannot be written
     */
    public static JsonObject run(List<Path> dirs, BenchOptions o, List<WeightFormat> formats, int[] threads,
                                 int promptTokens, int decodeTokens, int qualityTokens) throws IOException {
        List<WeightFormat> ordered = new ArrayList<>(formats);
        if (ordered.remove(WeightFormat.F32)) {
            ordered.add(0, WeightFormat.F32);
        }
        JsonObject result = new JsonObject();
        JsonObject ceilings = ThroughputBench.ceilings(o);
        result.add("ceilings", ceilings);
        double bandwidth = ceilings.get("read_bandwidth_gbps").getAsDouble() * 1e9;
        JsonArray rows = new JsonArray();
        Map<String, List<JsonObject>> byModel = new LinkedHashMap<>();
        for (Path dir : dirs) {
            List<JsonObject> modelRows = new ArrayList<>();
            Double f32Nll = null;
            for (int t : threads) {
                Double f32Rate = null;
                for (WeightFormat format : ordered) {
                    // perplexity does not depend on the thread count: scored once per format
                    JsonObject row = variant(dir, o, format, t, promptTokens, decodeTokens,
                            t == threads[0] ? qualityTokens : 0, bandwidth);
                    double rate = row.get("decode_tokens_per_s").getAsDouble();
                    if (format == WeightFormat.F32) {
                        f32Rate = rate;
                        if (row.has("quality_nll_per_token")) {
                            f32Nll = row.get("quality_nll_per_token").getAsDouble();
                        }
                    }
                    if (f32Rate != null) {
                        row.addProperty("speed_vs_f32", Stats.round(rate / f32Rate));
                    }
                    if (f32Nll != null && row.has("quality_nll_per_token")) {
                        double nll = row.get("quality_nll_per_token").getAsDouble();
                        row.addProperty("perplexity_change_vs_f32_percent",
                                Stats.round(100 * (Math.exp(nll - f32Nll) - 1)));
                    }
                    o.log().printf("decode: %s%n", row);
                    rows.add(row);
                    modelRows.add(row);
                }
            }
            byModel.put(dir.getFileName().toString(), modelRows);
        }
        result.add("rows", rows);
        if (o.plotsDir() != null) {
            plot(byModel, bandwidth, o.plotsDir().resolve("decode-formats.png"));
        }
        return result;
    }

    private static JsonObject variant(Path dir, BenchOptions o, WeightFormat format, int threads, int promptTokens,
                                      int decodeTokens, int qualityTokens, double bandwidth) {
        // the kernel threads have no engine option: a system property, read when the model loads
        String oldThreads = System.getProperty(VectorKernels.THREADS_PROPERTY);
        System.setProperty(VectorKernels.THREADS_PROPERTY, Integer.toString(threads));
        try (InfiniModel model = BenchModels.infini(dir, o, format)) {
            if (!model.decodesInJava()) {
                throw new IllegalStateException(unavailable(o.device()) != null ? unavailable(o.device())
                        : "the model decodes through PyTorch (not on the CPU?)");
            }
            ModelConfig c = model.config();
            Workload workload = new Workload(model.tokenizer());
            int prompt = Math.max(1, Math.min(promptTokens, model.segmentLength() - 1));
            GenerationOptions decode = GenerationOptions.builder().maxTokens(decodeTokens).temperature(0)
                    .stopOnEos(false).build();
            GenerationOptions one = GenerationOptions.builder().maxTokens(1).temperature(0).stopOnEos(false).build();
            long started = System.nanoTime();
            try (Session s = new Session(model)) {
                s.append(workload.take(0, prompt));
                for (int i = 0; o.smoke() ? i < 2 : i < WARM_MIN_TOKENS || Stats.millisSince(started) < WARM_MS; i++) {
                    s.generate(one, TokenListener.NONE);
                }
            }
            double best = Double.MAX_VALUE;
            double[] bestSteps = null;
            int runs = 0;
            started = System.nanoTime();
            while (runs < (o.smoke() ? 1 : MAX_RUNS) && (runs == 0 || Stats.millisSince(started) < BUDGET_MS)) {
                try (Session s = new Session(model)) {
                    s.append(workload.take(runs * 7L, prompt));
                    double[] steps = new double[decodeTokens];
                    long[] last = {System.nanoTime(), 0}; // time of the last token, tokens so far
                    long a = last[0];
                    s.generate(decode, (id, text) -> {
                        long now = System.nanoTime();
                        if (id >= 0) {
                            steps[(int) Math.min(last[1]++, decodeTokens - 1)] = (now - last[0]) / 1e6;
                        }
                        last[0] = now;
                    });
                    double ms = Stats.millisSince(a);
                    if (ms < best) {
                        best = ms;
                        bestSteps = steps;
                    }
                }
                runs++;
            }
            long bytes = BenchModels.weightBytesPerToken(c, format);
            double rate = decodeTokens / (best / 1e3);
            double ceiling = bandwidth / bytes;
            JsonObject row = new JsonObject();
            row.addProperty("model", dir.getFileName().toString());
            row.addProperty("parameters", model.parameterCount());
            row.addProperty("weights", format.name().toLowerCase());
            row.addProperty("kernel_threads", threads);
            row.addProperty("prompt_tokens", prompt);
            row.addProperty("decode_tokens", decodeTokens);
            row.addProperty("runs", runs);
            row.addProperty("decode_tokens_per_s", Stats.round(rate));
            row.addProperty("step_ms_p50", Stats.round(Stats.median(bestSteps)));
            row.addProperty("step_ms_p95", Stats.round(Stats.quantile(bestSteps, 0.95)));
            row.addProperty("weight_bytes_per_token", bytes);
            row.addProperty("decode_gbps_achieved", Stats.round(rate * bytes / 1e9));
            row.addProperty("decode_ceiling_tokens_per_s", Stats.round(ceiling));
            row.addProperty("decode_fraction_of_ceiling", Stats.round(rate / ceiling));
            if (qualityTokens > 0) {
                row.addProperty("quality_tokens", qualityTokens);
                row.addProperty("quality_nll_per_token", teacherForcedNll(model, workload, qualityTokens));
            }
            return row;
        } finally {
            restore(VectorKernels.THREADS_PROPERTY, oldThreads);
        }
    }

    /**
     * Mean negative log-likelihood per token of the workload's prose, each token appended alone so that every logit
     * comes from the decode step in the model's weight format (segments fold on the way, as in a conversation).
     */
    private static double teacherForcedNll(InfiniModel model, Workload workload, int tokens) {
        int[] text = workload.take(0, tokens + 1);
        double sum = 0;
        try (Session s = new Session(model)) {
            s.append(new int[] {text[0]});
            for (int i = 1; i <= tokens; i++) {
                sum -= Sampler.logSoftmax(s.lastLogits(), text[i]);
                s.append(new int[] {text[i]});
            }
        }
        return Math.round(sum / tokens * 1e5) / 1e5;
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    /**
     * Decode tok/s against the bytes per token of each format (F32 reads the most, Q8_0 the least), one line per
     * model, and beside it the ceiling those bytes allow at the measured read bandwidth.
     */
    private static void plot(Map<String, List<JsonObject>> byModel, double bandwidth, Path file) throws IOException {
        LinePlot plot = new LinePlot("Java decode step per weight format (points) against the bandwidth ceiling (lines)",
                "MB of weights read per token", "decode tokens/s", true);
        for (Map.Entry<String, List<JsonObject>> e : byModel.entrySet()) {
            List<JsonObject> single = e.getValue().stream()
                    .filter(r -> r.get("kernel_threads").getAsInt() == e.getValue().get(0).get("kernel_threads")
                            .getAsInt())
                    .sorted((a, b) -> Long.compare(a.get("weight_bytes_per_token").getAsLong(),
                            b.get("weight_bytes_per_token").getAsLong()))
                    .toList();
            double[] mb = single.stream().mapToDouble(r -> r.get("weight_bytes_per_token").getAsLong() / 1e6)
                    .toArray();
            double[] rate = single.stream().mapToDouble(r -> r.get("decode_tokens_per_s").getAsDouble()).toArray();
            double[] ceiling = single.stream()
                    .mapToDouble(r -> bandwidth / r.get("weight_bytes_per_token").getAsLong()).toArray();
            plot.add(e.getKey(), mb, rate, true);
            plot.add(e.getKey() + " ceiling", mb, ceiling, false);
        }
        plot.write(file);
    }
}
