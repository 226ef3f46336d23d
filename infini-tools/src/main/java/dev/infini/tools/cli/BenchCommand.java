package dev.infini.tools.cli;

import ai.djl.engine.Engine;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.infini.engine.kernels.TorchThreads;
import dev.infini.engine.config.WeightFormat;
import dev.infini.tools.bench.AppBench;
import dev.infini.tools.bench.BenchModels;
import dev.infini.tools.bench.BenchOptions;
import dev.infini.tools.bench.DecodeBench;
import dev.infini.tools.bench.MillionBench;
import dev.infini.tools.bench.RedisServer;
import dev.infini.tools.bench.RestoreBench;
import dev.infini.tools.bench.StoreBench;
import dev.infini.tools.bench.ThroughputBench;
import dev.infini.tools.bench.TurnsBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code infini bench}: the measurements behind docs/benchmarks.md. Progress goes to stderr, the results to stdout
 * as one JSON object (and to {@code --out}). {@code --smoke} runs every mode in seconds, to check the plumbing.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure turn cost over a long conversation against history replay and KV-cache "
                + "persistence (turns), prefill/decode speed against the machine's matmul and bandwidth ceilings "
                + "(throughput), Redis state save/load and concurrent conversations (store), and a million-token "
                + "stream (million), restoring a state with the open segment re-encoded or carried as keys and "
                + "values (restore), the Java decode step per weight format and thread count against the "
                + "bandwidth ceiling, with each format's perplexity cost (decode), and turn latency through a running "
                + "sample app's REST API (app, not part of all). Spawns a real redis-server for turns and store.",
                "Results: JSON on stdout (and --out); plots as PNG in --plots."})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    enum Mode { turns, throughput, store, million, restore, decode, app, all }

    @Parameters(arity = "1..*", paramLabel = "MODE",
            description = "turns, throughput, store, million, restore, decode, app, or all (every mode but app).")
    List<Mode> modes;

    @Option(names = {"-m", "--model"}, paramLabel = "DIR",
            description = "Checkpoint folder, needed by every mode but app; repeat it for throughput, decode and "
                    + "restore (every model) and store (state sizes of every model). turns, million and the "
                    + "concurrent store run use the first.")
    List<Path> models = List.of();

    @Option(names = "--url", defaultValue = "http://localhost:8080", paramLabel = "URL",
            description = "app: base URL of the running sample app (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--api-key", paramLabel = "KEY", description = "app: the X-API-Key to send, if the app needs one.")
    String apiKey;

    @Option(names = "--app-label", paramLabel = "TEXT",
            description = "app: what is being measured (e.g. the app's switches), recorded in the results.")
    String appLabel;

    @Option(names = "--app-conversations", defaultValue = "4", paramLabel = "N",
            description = "app: conversations, one after another (default: ${DEFAULT-VALUE}).")
    int appConversations;

    @Option(names = "--app-turns", defaultValue = "11", paramLabel = "N",
            description = "app: turns per conversation, the first one a warm-up that is not counted "
                    + "(default: ${DEFAULT-VALUE}).")
    int appTurns;

    @Option(names = "--smoke", description = "A run of seconds with tiny sizes: checks the plumbing, not the machine.")
    boolean smoke;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu|auto", description = "Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--gate-init", defaultValue = "0", paramLabel = "BETA",
            description = "β for a checkpoint without memory gates, so its memory takes part (default: ${DEFAULT-VALUE}).")
    float gateInit;

    @Option(names = "--segment-length", defaultValue = "0", paramLabel = "N",
            description = "Infini segment length; 0 keeps config.json's (2048 for a plain checkpoint).")
    int segmentLength;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "PyTorch intra-op threads; 0 keeps the backend's default (one per core).")
    int threads;

    @Option(names = "--turns", paramLabel = "N", description = "Turns of the long conversation (default 500; smoke 6).")
    Integer turns;

    @Option(names = "--sample-turns", split = ",", paramLabel = "T,T,...",
            description = "Turns at which the two full-attention baselines are measured "
                    + "(default 1,10,25,50,100,150,200: their cost grows with the square of the history, so later "
                    + "turns take minutes each on a small machine; smoke 1,3,6; 0 for none).")
    int[] sampleTurns;

    @Option(names = "--turn-in", defaultValue = "50", paramLabel = "N", description = "User tokens per turn (default: ${DEFAULT-VALUE}).")
    int turnIn;

    @Option(names = "--turn-out", defaultValue = "30", paramLabel = "N", description = "Generated tokens per turn (default: ${DEFAULT-VALUE}).")
    int turnOut;

    @Option(names = "--prefill-tokens", paramLabel = "N",
            description = "Prompt length: for prefill speed (throughput: default 256; smoke 32) and before decode "
                    + "(decode: default 16; smoke 8).")
    Integer prefillTokens;

    @Option(names = "--decode-tokens", paramLabel = "N",
            description = "Tokens generated for decode speed (throughput: default 32; decode: default 256; smoke 8).")
    Integer decodeTokens;

    @Option(names = "--weights", split = ",", paramLabel = "FORMAT,...", defaultValue = "f32,bf16,f16,q8_0",
            converter = WeightFormatConverter.class,
            description = "decode: weight formats of the Java decode step to compare, float32 first as the baseline "
                    + "(default: ${DEFAULT-VALUE}).")
    List<WeightFormat> weights;

    @Option(names = "--kernel-threads", split = ",", paramLabel = "N,...", defaultValue = "1",
            description = "decode: threads the Java decode step splits large matrices over (default: ${DEFAULT-VALUE}).")
    int[] kernelThreads;

    @Option(names = "--quality-tokens", paramLabel = "N",
            description = "decode: tokens of prose teacher-forced through the decode step in each format for its "
                    + "perplexity, at the first kernel thread count only (default 256; smoke 8; 0 for none: it means "
                    + "nothing for random weights, and costs b1 about a minute a format).")
    Integer qualityTokens;

    @Option(names = "--store-threads", split = ",", paramLabel = "N,N,...",
            description = "Thread counts of the concurrent store run (default 1,2,4; smoke 1,2).")
    int[] storeThreads;

    @Option(names = "--store-conversations", paramLabel = "M", description = "Conversations per thread (default 4; smoke 1).")
    Integer storeConversations;

    @Option(names = "--store-turns", paramLabel = "N", description = "Turns per conversation (default 5; smoke 2).")
    Integer storeTurns;

    @Option(names = "--million-tokens", paramLabel = "N", description = "Tokens to stream (default 1000000; smoke 8192).")
    Long millionTokens;

    @Option(names = "--redis-server", defaultValue = "redis-server", paramLabel = "PATH",
            description = "The redis-server executable to spawn (default: ${DEFAULT-VALUE}).")
    String redisServer;

    @Option(names = "--plots", paramLabel = "DIR", description = "Write PNG plots into this folder (e.g. docs).")
    Path plots;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON results to this file.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Set<Mode> run = EnumSet.noneOf(Mode.class);
        for (Mode m : modes) {
            if (m == Mode.all) { // every mode but app, which needs a running app; "all app" adds it
                run.addAll(EnumSet.of(Mode.turns, Mode.throughput, Mode.store, Mode.million, Mode.restore,
                        Mode.decode));
            } else {
                run.add(m);
            }
        }
        validate(run);
        PrintStream log = System.err;
        BenchOptions o = new BenchOptions(smoke, device, gateInit, segmentLength, threads, turnIn, turnOut,
                redisServer, plots, log);
        String decodeSkipped = run.contains(Mode.decode) ? DecodeBench.unavailable(device) : null;
        if (decodeSkipped != null && !modes.contains(Mode.all)) {
            throw new ParameterException(spec.commandLine(), "decode cannot run: " + decodeSkipped);
        }
        boolean appOnly = run.equals(EnumSet.of(Mode.app));
        if (!appOnly) { // an app-only run measures another process: no backend of its own to start
            Engine.getInstance(); // the backend first, so the thread setting below sticks
            TorchThreads.set(threads);
        }
        JsonObject results = new JsonObject();
        results.addProperty("smoke", smoke);
        results.add("machine", machine(!appOnly));
        Path main = models.isEmpty() ? null : models.get(0);
        if (run.contains(Mode.app)) {
            long[] clock = clock();
            results.add("app", withCpu(AppBench.run(url, apiKey, appLabel, appConversations, appTurns, o), clock));
        }
        if (run.contains(Mode.throughput)) {
            long[] clock = clock();
            results.add("throughput", withCpu(ThroughputBench.run(models, o, or(prefillTokens, 256, 32),
                    or(decodeTokens, 32, 8)), clock));
        }
        if (run.contains(Mode.turns) || run.contains(Mode.store)) {
            try (RedisServer redis = RedisServer.start(redisServer)) {
                if (run.contains(Mode.turns)) {
                    int n = or(turns, 500, 6);
                    int[] samples = sampleTurns != null ? sampleTurns
                            : smoke ? new int[] {1, 3, 6} : new int[] {1, 10, 25, 50, 100, 150, 200};
                    long[] clock = clock();
                    results.add("turns", withCpu(TurnsBench.run(main, o, n, samples, redis), clock));
                }
                if (run.contains(Mode.store)) {
                    long[] clock = clock();
                    results.add("store", withCpu(StoreBench.run(main, models, o, redis,
                            storeThreads != null ? storeThreads : smoke ? new int[] {1, 2} : new int[] {1, 2, 4},
                            or(storeConversations, 4, 1), or(storeTurns, 5, 2)), clock));
                }
            }
        }
        if (run.contains(Mode.restore)) {
            long[] clock = clock();
            results.add("restore", withCpu(RestoreBench.run(models, o, smoke ? 2 : 7), clock));
        }
        if (run.contains(Mode.decode) && decodeSkipped != null) {
            JsonObject skipped = new JsonObject();
            skipped.addProperty("skipped", decodeSkipped);
            results.add("decode", skipped);
        } else if (run.contains(Mode.decode)) {
            long[] clock = clock();
            results.add("decode", withCpu(DecodeBench.run(models, o, weights, kernelThreads,
                    or(prefillTokens, 16, 8), or(decodeTokens, 256, 8), or(qualityTokens, 256, 8)), clock));
        }
        if (run.contains(Mode.million)) {
            long[] clock = clock();
            results.add("million", withCpu(MillionBench.run(main, o, millionTokens != null ? millionTokens
                    : smoke ? 8_192 : 1_000_000), clock));
        }
        results.getAsJsonObject("machine").addProperty("load_average_end", loadAverage());
        String json = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create()
                .toJson(results);
        if (out != null) {
            Path parent = out.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Files.writeString(out, json + "\n", StandardCharsets.UTF_8);
        }
        PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        stdout.println(json);
        return 0;
    }

    /** Checks the options of the chosen modes before anything runs, so a bad value never costs a long run. */
    private void validate(Set<Mode> run) {
        if (models.isEmpty() && !run.equals(EnumSet.of(Mode.app))) {
            throw new ParameterException(spec.commandLine(), "every mode but app needs a model: -m DIR");
        }
        if (run.contains(Mode.app) && (appTurns < 2 || appConversations < 1)) {
            throw new ParameterException(spec.commandLine(),
                    "--app-turns must be at least 2 (the first is a warm-up) and --app-conversations at least 1");
        }
        if ((decodeTokens != null && decodeTokens < 1) || (prefillTokens != null && prefillTokens < 1)) {
            throw new ParameterException(spec.commandLine(), "--decode-tokens and --prefill-tokens must be positive");
        }
        if (run.contains(Mode.decode)) {
            if (qualityTokens != null && qualityTokens < 0) {
                throw new ParameterException(spec.commandLine(), "--quality-tokens must be 0 (none) or more");
            }
            if (kernelThreads.length == 0 || Arrays.stream(kernelThreads).anyMatch(t -> t < 1)
                    || Arrays.stream(kernelThreads).distinct().count() < kernelThreads.length) {
                throw new ParameterException(spec.commandLine(),
                        "--kernel-threads takes distinct counts of at least 1, got " + Arrays.toString(kernelThreads));
            }
            if (weights.isEmpty() || weights.stream().distinct().count() < weights.size()) {
                throw new ParameterException(spec.commandLine(), "--weights takes distinct formats, got " + weights);
            }
        }
    }

    /** Wall clock and this process's CPU time, both in ns. */
    private static long[] clock() {
        return new long[] {System.nanoTime(), processCpuNanos()};
    }

    /**
     * Adds the mode's wall time and the CPU time this process got meanwhile: on a machine shared with other work,
     * cpu_share (CPU seconds per wall second, up to the core count) says how much of the machine the run really had.
     */
    private static JsonObject withCpu(JsonObject result, long[] start) {
        double wall = (System.nanoTime() - start[0]) / 1e9;
        double cpu = (processCpuNanos() - start[1]) / 1e9;
        result.addProperty("wall_s", Math.round(wall * 100) / 100.0);
        result.addProperty("process_cpu_s", Math.round(cpu * 100) / 100.0);
        result.addProperty("cpu_share", Math.round(cpu / wall * 1000) / 1000.0);
        return result;
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private int or(Integer value, int normal, int smokeValue) {
        return value != null ? value : smoke ? smokeValue : normal;
    }

    private JsonObject machine(boolean backend) {
        JsonObject m = new JsonObject();
        m.addProperty("time_utc", Instant.now().toString());
        m.addProperty("cpu", procField("/proc/cpuinfo", "model name"));
        m.addProperty("cores", Runtime.getRuntime().availableProcessors());
        m.addProperty("memory", procField("/proc/meminfo", "MemTotal"));
        m.addProperty("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.addProperty("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        if (backend) {
            Engine engine = Engine.getInstance();
            m.addProperty("backend", engine.getEngineName() + " " + engine.getVersion() + " (DJL "
                    + Engine.getDjlVersion() + ")");
            m.addProperty("device", device);
            m.addProperty("intra_op_threads", TorchThreads.get());
        } else {
            m.addProperty("note", "app only: this machine block describes the client, not the app it measured");
        }
        m.addProperty("load_average_start", loadAverage());
        m.addProperty("args", String.join(" ", Arrays.stream(models.toArray()).map(String::valueOf).toList()));
        return m;
    }

    private static String procField(String file, String field) {
        try {
            return Files.readAllLines(Path.of(file)).stream().filter(l -> l.startsWith(field))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Reads a weight format as {@link WeightFormat#parse} does (any case). */
    static final class WeightFormatConverter implements CommandLine.ITypeConverter<WeightFormat> {
        @Override
        public WeightFormat convert(String value) {
            return WeightFormat.parse(value);
        }
    }
}
