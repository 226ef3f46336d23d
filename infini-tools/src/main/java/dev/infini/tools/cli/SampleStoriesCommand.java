package dev.infini.tools.cli;

import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.engine.sampling.Sampler;
import dev.infini.engine.session.Session;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code infini sample-stories}: stories a model writes from BOS alone, one seed per story, as a corpus for
 * continual pre-training on text the model already handles (issue 17) and, from other seeds, as held-out text.
 * <p>
 * A story ends where the model samples BOS or EOS (llama2.c's TinyStories models start the next story with BOS) or
 * at {@code --max-tokens}. Inside a story runs of blank lines become one line break, so the file's blank lines
 * separate stories: {@code train --stories}, {@code story-perplexity} and {@code passkey --filler} read it so.
 */
@Command(name = "sample-stories", mixinStandardHelpOptions = true,
        description = {"Sample stories from a model, one seed per story, into a text file (stories separated by a"
                + " blank line): a training corpus the model already handles, or held-out text from seeds never"
                + " trained on."})
final class SampleStoriesCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--first-seed", required = true, description = "Seed of the first story; story i uses seed"
            + " first-seed + i.")
    long firstSeed;

    @Option(names = "--count", required = true, description = "Stories to sample (seeds first-seed .. first-seed +"
            + " count - 1; a story dropped by --exclude is not replaced).")
    int count;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "511", description = "Most tokens of a story after BOS"
            + " (default: ${DEFAULT-VALUE}, the rest of stories260k's 512-token context).")
    int maxTokens;

    @Option(names = {"-t", "--temperature"}, defaultValue = "1.0", description = "Sampling temperature (default:"
            + " ${DEFAULT-VALUE}: the model's own distribution).")
    double temperature;

    @Option(names = "--exclude", paramLabel = "TEXT", description = "Drop every story that contains this text"
            + " (repeatable), e.g. the public prompts of a golden test.")
    List<String> exclude = new ArrayList<>();

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "The text file to write.")
    Path output;

    @Override
    public Integer call() throws IOException {
        if (count < 1 || maxTokens < 1) {
            System.err.println("error: --count and --max-tokens must be positive");
            return 2;
        }
        int kept = 0;
        int dropped = 0;
        long tokens = 0;
        long start = System.nanoTime();
        try (InfiniModel model = modelOptions.load();
             BufferedWriter out = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
            int bos = model.config().bosTokenId();
            java.util.Set<Integer> ends = new java.util.HashSet<>(model.config().eosTokenIds());
            ends.add(bos);
            Progress progress = new Progress(System.err, "stories", count);
            for (int i = 0; i < count; i++) {
                Sampler sampler = new Sampler(GenerationOptions.builder().maxTokens(maxTokens)
                        .temperature(temperature).seed(firstSeed + i).build());
                List<Integer> story = new ArrayList<>();
                try (Session session = new Session(model)) {
                    session.append(new int[] {bos});
                    for (int t = 0; t < maxTokens; t++) {
                        int next = sampler.sample(session.lastLogits(), new int[0], story);
                        if (ends.contains(next)) {
                            break;
                        }
                        story.add(next);
                        session.append(new int[] {next});
                    }
                }
                String text = model.tokenizer().decode(story.stream().mapToInt(Integer::intValue).toArray())
                        .strip().replaceAll("\\n\\s*\\n", "\n");
                if (text.isEmpty() || exclude.stream().anyMatch(text::contains)) {
                    dropped++;
                } else {
                    out.write(text);
                    out.write("\n\n");
                    kept++;
                    tokens += story.size();
                }
                progress.update(i + 1, tokens, kept + " kept, " + dropped + " dropped");
            }
            progress.finish(count, tokens, kept + " kept, " + dropped + " dropped");
        }
        System.out.printf("%d stories (%d tokens) in %s, %d dropped by --exclude, seeds %d..%d, %.1f s%n", kept,
                tokens, output, dropped, firstSeed, firstSeed + count - 1, (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
