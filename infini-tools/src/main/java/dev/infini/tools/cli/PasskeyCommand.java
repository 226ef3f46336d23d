package dev.infini.tools.cli;

import dev.infini.engine.config.MemoryMode;
import dev.infini.engine.model.InfiniModel;
import dev.infini.tools.eval.PasskeyEvaluator;
import dev.infini.tools.eval.PasskeyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code infini passkey}: the paper's passkey retrieval test over a grid of context lengths and needle depths,
 * streamed through the engine in bounded memory, optionally with the two controls (memory off, memory zeroed).
 */
@Command(name = "passkey", mixinStandardHelpOptions = true,
        description = {"Passkey retrieval: hide a random key at a depth of a long filler text, ask for it at the end,"
                + " decode greedily, score exact match (first integer of the output equals the key).",
                "Writes a Markdown table to stdout, and JSON and a heatmap per memory mode."})
final class PasskeyCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--lengths", split = ",", defaultValue = "1K,2K,4K,8K,16K,32K", paramLabel = "LEN",
            description = "Context lengths in tokens, K = 1024, M = 1024K (default: ${DEFAULT-VALUE}).")
    List<String> lengths;

    @Option(names = "--depths", split = ",", defaultValue = "0,0.25,0.5,0.75,1", paramLabel = "FRACTION",
            description = "Needle depths, 0 = right after the task, 1 = right before the question (default: ${DEFAULT-VALUE}).")
    List<Double> depths;

    @Option(names = {"-n", "--trials"}, defaultValue = "10", description = "Trials per cell (default: ${DEFAULT-VALUE}).")
    int trials;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the keys (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--key-digits", defaultValue = "5", description = "Digits of a key (default: ${DEFAULT-VALUE}).")
    int keyDigits;

    @Option(names = "--max-new-tokens", defaultValue = "10", description = "Tokens decoded for the answer (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--filler", paramLabel = "FILE",
            description = "A UTF-8 text file as the haystack instead of the paper's repeated sentences; each trial"
                    + " starts at its own place in it and it repeats when the length needs more.")
    Path filler;

    @Option(names = "--align", defaultValue = "segment", paramLabel = "segment|none",
            description = "segment: the question ends at the length given (a segment boundary for multiples of the"
                    + " segment length, the paper's grid); none: 1 to N-1 tokens earlier, drawn per trial, so it ends"
                    + " anywhere in a segment (default: ${DEFAULT-VALUE}).")
    String align;

    @Option(names = "--controls",
            description = "Also run the grid with the memory off and zeroed (the model's --memory is then on).")
    boolean controls;

    @Option(names = "--out", defaultValue = "passkey", paramLabel = "PREFIX",
            description = "Output prefix: PREFIX-<mode>.json and PREFIX-<mode>.png (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        List<Long> parsed = new ArrayList<>();
        for (String l : lengths) {
            parsed.add(PasskeyReport.parseLength(l));
        }
        PasskeyEvaluator.Align alignment = switch (align.toLowerCase(Locale.ROOT)) {
            case "segment" -> PasskeyEvaluator.Align.SEGMENT;
            case "none" -> PasskeyEvaluator.Align.NONE;
            default -> throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--align must be segment or none, got " + align);
        };
        if (filler != null && !java.nio.file.Files.isRegularFile(filler)) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--filler " + filler + " is not a file");
        }
        PasskeyEvaluator.Settings settings = new PasskeyEvaluator.Settings(parsed, depths, trials, seed, keyDigits,
                maxNewTokens, alignment, filler);
        List<MemoryMode> modes = controls ? List.of(MemoryMode.ON, MemoryMode.OFF, MemoryMode.ZEROED)
                : List.of(modelOptions.memoryMode);
        for (MemoryMode mode : modes) {
            modelOptions.memoryMode = mode;
            try (InfiniModel model = modelOptions.load()) {
                String name = mode.name().toLowerCase(Locale.ROOT);
                Progress progress = new Progress(System.err, "passkey (memory " + name + ")", settings.totalTokens());
                int[] trialsDone = {0};
                int[] correct = {0};
                PasskeyReport report = new PasskeyEvaluator(model, settings).run(new PasskeyEvaluator.Listener() {
                    @Override
                    public void onTokens(long tokensDone) {
                        progress.update(tokensDone, tokensDone, trialsDone[0] + " trials, " + correct[0] + " correct");
                    }

                    @Override
                    public void onTrial(PasskeyEvaluator.Trial trial) {
                        trialsDone[0]++;
                        correct[0] += trial.correct() ? 1 : 0;
                    }
                });
                progress.finish(settings.totalTokens(), settings.totalTokens(),
                        trialsDone[0] + " trials, " + correct[0] + " correct");
                Path json = Path.of(out + "-" + name + ".json");
                Path png = Path.of(out + "-" + name + ".png");
                report.writeJson(json);
                report.writeHeatmap(png, "Passkey exact match, memory " + name + " (N = " + model.segmentLength()
                        + ", " + trials + " trials per cell)");
                stdout.printf("%nMemory %s (segment %d tokens, %d trials per cell, filler %s, align %s), exact match:"
                                + "%n%n%s%n"
                                + "Answer NLL (nats per answer token, teacher-forced; a guess is about 2):%n%n%s%n"
                                + "wrote %s and %s%n", name, model.segmentLength(), trials,
                        filler == null ? "the paper's" : filler, alignment.name().toLowerCase(Locale.ROOT),
                        report.table(),
                        report.nllTable(), json, png);
            }
        }
        return 0;
    }
}
