package dev.infini.tools.cli;

import dev.infini.engine.model.InfiniModel;
import dev.infini.tools.eval.OpenData;
import dev.infini.tools.train.RecallProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code infini recall-probe}: the teacher-forced loss of every kind of recall training sequence. */
@Command(name = "recall-probe", mixinStandardHelpOptions = true,
        description = {"How far general recall has come: nats per target of copy streams (16 symbols, the whole"
                + " vocabulary, open-list values; periods of 24, 100 and 1.5 N tokens, those longer than a segment"
                + " copied only through the memory), associative recall, chats"
                + " of the train and the held-out test part, and the passkey over prose. Near 0 means copied;"
                + " ln(alphabet) means guessed."})
final class RecallProbeCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--recall-data", required = true, paramLabel = "DIR",
            description = "npm cache of the open lists and corpora (fetched when missing).")
    Path recallData;

    @Option(names = {"-n", "--sequences"}, defaultValue = "8",
            description = "Sequences per kind (default: ${DEFAULT-VALUE}).")
    int sequences;

    @Option(names = "--length", defaultValue = "512", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--prose-tokens", defaultValue = "300000",
            description = "Training prose to load for the passkey haystack and prose streams"
                    + " (default: ${DEFAULT-VALUE}).")
    int proseTokens;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of the sequences (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (InfiniModel model = modelOptions.load()) {
            RecallProbe probe = new RecallProbe(model, OpenData.load(recallData), proseTokens);
            out.printf("memory %s, %d sequences of %d tokens per kind%n%n", model.memoryMode(), sequences, length);
            out.print(RecallProbe.table(probe.run(sequences, length, seed)));
        }
        return 0;
    }
}
