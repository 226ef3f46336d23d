package dev.infini.tools.cli;

import dev.infini.engine.model.InfiniModel;
import dev.infini.tools.eval.ChatRecallEvaluator;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** How the evaluation commands let the model write its replies: greedy, at most so many tokens, an n-gram limit. */
final class ReplyOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--max-reply-tokens", defaultValue = "40",
            description = "Tokens per reply (default: ${DEFAULT-VALUE}).")
    int maxReplyTokens;

    @Option(names = "--no-repeat-ngram", defaultValue = "0", paramLabel = "N",
            description = "No N tokens in a row twice within one reply (0: no limit), as a checkpoint's"
                    + " generation_config.json may ask with no_repeat_ngram_size (default: ${DEFAULT-VALUE}).")
    int noRepeatNgram;

    /** Refuses bad values before a model loads. */
    void check() {
        if (maxReplyTokens < 1) {
            throw new ParameterException(spec.commandLine(), "--max-reply-tokens must be at least 1");
        }
        if (noRepeatNgram < 0) {
            throw new ParameterException(spec.commandLine(), "--no-repeat-ngram must be 0 or more");
        }
    }

    /** The model as a chat that writes its replies so. */
    ChatRecallEvaluator.Chat chat(InfiniModel model) {
        return ChatRecallEvaluator.engine(model, maxReplyTokens, noRepeatNgram);
    }

    /** The settings for a report's label: empty when the n-gram limit is off. */
    String label() {
        return noRepeatNgram == 0 ? "" : ", no repeated " + noRepeatNgram + "-grams";
    }
}
