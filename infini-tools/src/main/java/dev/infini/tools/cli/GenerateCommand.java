package dev.infini.tools.cli;

import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.engine.sampling.GenerationResult;
import dev.infini.engine.session.Session;
import dev.infini.engine.session.StateCodec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code infini generate}: a prompt in, text streamed to stdout. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt, streaming the text to stdout as it is sampled.")
final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Parameters(index = "0", paramLabel = "PROMPT", description = "The text to continue.")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "256", description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = {"-t", "--temperature"}, defaultValue = "0", description = "0 is greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens; 0 keeps all.")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling threshold; 1 keeps all.")
    double topP;

    @Option(names = "--repetition-penalty", defaultValue = "1.0", description = "1 is none.")
    double repetitionPenalty;

    @Option(names = "--no-repeat-ngram", defaultValue = "0", paramLabel = "N",
            description = "No N tokens in a row twice in the generated text; 0 is no limit.")
    int noRepeatNgram;

    @Option(names = "--seed", description = "Random seed for reproducible sampling.")
    Long seed;

    @Option(names = "--stop", description = "Stop string (repeatable).")
    List<String> stop;

    @Option(names = "--ignore-eos", description = "Keep generating after an end-of-sequence token.")
    boolean ignoreEos;

    @Option(names = "--stats", description = "Print tokens/s and state size to stderr at the end.")
    boolean stats;

    @Override
    public Integer call() {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (InfiniModel model = modelOptions.load(); Session session = new Session(model)) {
            long start = System.nanoTime();
            session.append(model.tokenizer().encode(prompt));
            long prefilled = System.nanoTime();
            out.print(prompt);
            GenerationResult result = session.generate(GenerationOptions.builder().maxTokens(maxTokens)
                    .temperature(temperature).topK(topK).topP(topP).repetitionPenalty(repetitionPenalty)
                    .noRepeatNgramSize(noRepeatNgram).seed(seed).stopStrings(stop).stopOnEos(!ignoreEos).build(), (id, text) -> out.print(text));
            long end = System.nanoTime();
            out.println();
            if (stats) {
                System.err.printf("prompt %d tokens in %.2f s (%.1f tok/s); %d generated in %.2f s (%.1f tok/s);"
                                + " finish %s; %d segments folded; state %d bytes%n",
                        session.tokensSeen() - result.tokenIds().length, (prefilled - start) / 1e9,
                        (session.tokensSeen() - result.tokenIds().length) / ((prefilled - start) / 1e9),
                        result.tokenIds().length, (end - prefilled) / 1e9,
                        result.tokenIds().length / ((end - prefilled) / 1e9), result.finishReason(),
                        session.segmentsFolded(), StateCodec.encodedSize(model));
            }
        }
        return 0;
    }
}
