package dev.infini.tools.cli;

import dev.infini.engine.model.InfiniModel;
import dev.infini.tools.eval.ChatRecallEvaluator;
import dev.infini.tools.eval.HeldOutChatRecall;
import dev.infini.tools.eval.OpenData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code infini chat-recall}: facts told in the first turn, asked for after many segments of other talk. */
@Command(name = "chat-recall", mixinStandardHelpOptions = true,
        description = {"Chat recall: a fact in the first turn, small talk for at least --min-segments segments (the"
                + " model writes its own replies), then the question; the state round-trips through bytes every turn.",
                "A trial is correct when the last reply contains the fact's value."})
final class ChatRecallCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-n", "--trials"}, defaultValue = "20", description = "Conversations (default: ${DEFAULT-VALUE}).")
    int trials;

    @Option(names = "--min-segments", defaultValue = "10",
            description = "Segments of other talk between the fact and the question; 0 asks right after the fact,"
                    + " usually inside the open segment (default: ${DEFAULT-VALUE}).")
    int minSegments;

    @Mixin
    ReplyOptions replyOptions;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the facts and talk (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--held-out", paramLabel = "DIR", description = HeldOutChatRecall.OPTION_DESCRIPTION)
    Path heldOut;

    @Override
    public Integer call() throws Exception {
        replyOptions.check();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (InfiniModel model = modelOptions.load()) {
            String label = "memory " + model.memoryMode() + replyOptions.label();
            Progress progress = new Progress(System.err, "chat recall (memory " + model.memoryMode() + ")", trials,
                    "trials");
            int[] done = {0};
            if (heldOut != null) {
                List<HeldOutChatRecall.Trial> results = new HeldOutChatRecall(
                        replyOptions.chat(model), OpenData.load(heldOut), model.tokenizer(),
                        minSegments).run(trials, seed, t -> progress.update(++done[0], done[0], ""));
                progress.finish(trials, trials, "");
                out.print(HeldOutChatRecall.report(results, label));
                return 0;
            }
            List<ChatRecallEvaluator.Trial> results = new ChatRecallEvaluator(replyOptions.chat(model), minSegments)
                    .run(trials, seed, t -> progress.update(++done[0], done[0], ""));
            progress.finish(trials, trials, "");
            out.print(ChatRecallEvaluator.report(results, label));
        }
        return 0;
    }
}
