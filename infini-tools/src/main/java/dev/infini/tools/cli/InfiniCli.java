package dev.infini.tools.cli;

import dev.infini.engine.DjlDefaults;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code infini} command line: run, measure and inspect Infini-Transformer checkpoints.
 * Every subcommand is a class of this package.
 */
@Command(name = "infini", mixinStandardHelpOptions = true, version = "infini 0.1.0",
        description = "Infini-Transformer inference for Llama-family checkpoints (Hugging Face format).",
        subcommands = {
                GenerateCommand.class,
                PerplexityCommand.class,
                InspectCommand.class,
                InitCommand.class,
                BenchCommand.class,
                TrainCommand.class,
                VocabCommand.class,
                PasskeyCommand.class,
                ChatRecallCommand.class,
                RepliesCommand.class,
                RecallProbeCommand.class,
                HeldOutTextCommand.class,
                SampleStoriesCommand.class,
                ConvertCommand.class,
                AverageCommand.class,
                StoryPerplexityCommand.class,
        })
public final class InfiniCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests and embedding). */
    public static int run(String... args) {
        DjlDefaults.apply();
        return new CommandLine(new InfiniCli()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
