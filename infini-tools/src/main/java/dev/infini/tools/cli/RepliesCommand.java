package dev.infini.tools.cli;

import dev.infini.engine.model.InfiniModel;
import dev.infini.tools.eval.HeldOut;
import dev.infini.tools.eval.RepliesEvaluator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code infini replies}: the model's replies to ordinary messages, for reading, and how many take up the topic. */
@Command(name = "replies", mixinStandardHelpOptions = true,
        description = {"Replies to ordinary messages in the sample app's chat format, greedy, each conversation"
                + " round-tripping its state through bytes every turn, printed as Markdown for reading.",
                "Messages come from --messages (your own words) or, without it, from the held-out part of the"
                        + " topic small talk (topics and phrasings never trained on; --part train for the part"
                        + " trained on, to tell a model that did not learn from one that does not generalize); for"
                        + " those the report counts the replies that name the message's topic, and the nats per"
                        + " token the model gives the replies written for them (teacher-forced)."})
final class RepliesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--messages", paramLabel = "FILE",
            description = "UTF-8 text: one message per line, a blank line between conversations, # comments.")
    Path messages;

    @Option(names = {"-n", "--conversations"}, defaultValue = "4",
            description = "Held-out conversations without --messages (default: ${DEFAULT-VALUE}).")
    int conversations;

    @Option(names = "--part", defaultValue = "test",
            description = "Part of the topic small talk without --messages: test (never trained on) or train"
                    + " (default: ${DEFAULT-VALUE}).")
    String part;

    @Option(names = "--turns", defaultValue = "5",
            description = "Messages per held-out conversation (default: ${DEFAULT-VALUE}).")
    int turns;

    @Mixin
    ReplyOptions replyOptions;

    @Option(names = "--seed", defaultValue = "42",
            description = "Seed of the held-out messages (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws IOException {
        List<List<RepliesEvaluator.Message>> script = script();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (InfiniModel model = modelOptions.load()) {
            int total = script.stream().mapToInt(List::size).sum();
            Progress progress = new Progress(System.err, "replies (memory " + model.memoryMode() + ")", total,
                    "messages");
            int[] done = {0};
            List<RepliesEvaluator.Turn> turnsPlayed = new RepliesEvaluator(replyOptions.chat(model))
                    .run(script, t -> progress.update(++done[0], done[0], ""));
            progress.finish(total, total, "");
            String label = "memory " + model.memoryMode() + (messages == null ? ", " + part + " part" : "")
                    + replyOptions.label();
            out.print(RepliesEvaluator.report(turnsPlayed, label));
            if (messages == null) {
                RepliesEvaluator.ReferenceNll nll = RepliesEvaluator.referenceNll(model, script);
                out.printf(Locale.ROOT, "reference replies, teacher-forced (%s): %.3f nats per token%n", label,
                        nll.perToken());
                out.printf(Locale.ROOT, "their mentions of the topic (%d tokens): %.3f nats per token%n",
                        nll.topicTokens(), nll.topicPerToken());
            }
        }
        return 0;
    }

    private HeldOut part() {
        return switch (part) {
            case "test" -> HeldOut.TEST;
            case "train" -> HeldOut.TRAIN;
            default -> throw new ParameterException(spec.commandLine(), "--part must be test or train, got " + part);
        };
    }

    /** The conversations to play; bad options are refused before the model loads. */
    private List<List<RepliesEvaluator.Message>> script() throws IOException {
        replyOptions.check();
        try {
            if (messages == null) {
                return RepliesEvaluator.topicTalk(part(), conversations, turns, seed);
            }
            if (!"test".equals(part)) {
                throw new ParameterException(spec.commandLine(), "--part applies to the topic small talk, not to"
                        + " --messages");
            }
            if (!Files.isRegularFile(messages)) {
                throw new ParameterException(spec.commandLine(), "--messages: no such file: " + messages);
            }
            return RepliesEvaluator.conversations(Files.readAllLines(messages, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
