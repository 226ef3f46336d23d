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
        return new CommandLine(new InfiniCli()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(InfiniCli::report).execute(args);
    }

    /**
     * A command's refusal, the engine's ({@link dev.infini.engine.InfiniException}: a checkpoint without config.json,
     * a malformed state) or a missing file as one line on stderr and exit code 1: these messages are written for the
     * user ("a sequence of 32 tokens cannot hold a passkey prompt ...: use more segments per sequence"), and a stack
     * trace around them buried the remedy. Anything else keeps picocli's stack trace: that is a bug to report.
     */
    private static int report(Exception e, CommandLine command, CommandLine.ParseResult parsed) throws Exception {
        String message;
        if (e instanceof dev.infini.engine.InfiniException || e instanceof IllegalArgumentException
                || e instanceof IllegalStateException) {
            message = e.getMessage();
        } else if (e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException) {
            Throwable io = e instanceof java.io.UncheckedIOException ? e.getCause() : e;
            // NoSuchFileException's message is the bare path: its type says what is wrong with it
            message = io.getClass().getSimpleName() + ": " + io.getMessage();
        } else {
            throw e;
        }
        command.getErr().println("infini " + command.getCommandName() + ": " + message);
        return command.getCommandSpec().exitCodeOnExecutionException();
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
