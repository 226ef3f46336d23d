package dev.infini.tools.cli;

import com.google.gson.JsonObject;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.session.Session;
import dev.infini.tools.train.StoryData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code infini story-perplexity}: perplexity of each story of a file on its own (a fresh session per story, BOS
 * first), split by where the prediction is made: inside the first segment (the memory empty, context the same as the
 * original model's) and in later segments (where the memory, or its absence, tells). {@code perplexity} instead
 * streams a whole file through one session.
 */
@Command(name = "story-perplexity", mixinStandardHelpOptions = true,
        description = {"Perplexity of each story of a file (blank lines between stories) in its own session, split"
                + " into predictions made inside the first segment and in later ones; one JSON line."})
final class StoryPerplexityCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Parameters(index = "0", paramLabel = "FILE", description = "Stories separated by blank lines (sample-stories).")
    Path file;

    @Option(names = "--min-tokens", defaultValue = "0", description = "Only stories of at least this many tokens,"
            + " BOS included (default: ${DEFAULT-VALUE}).")
    int minTokens;

    @Option(names = "--max-stories", defaultValue = "0", description = "Stop after this many stories; 0 reads all.")
    int maxStories;

    @Option(names = "--segment-grid", defaultValue = "0", paramLabel = "N", description = "Split first and later"
            + " segments at N tokens instead of the model's segment length (to compare a full-context model with an"
            + " Infini one on the same tokens); 0 uses the model's.")
    int segmentGrid;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(file)) {
            System.err.println("error: " + file + " is not a readable file");
            return 2;
        }
        List<String> stories = StoryData.read(file);
        double[] sum = new double[2];
        long[] count = new long[2];
        int used = 0;
        long start = System.nanoTime();
        try (InfiniModel model = modelOptions.load()) {
            int n = model.segmentLength();
            int grid = segmentGrid > 0 ? segmentGrid : n;
            for (String story : stories) {
                int[] ids = model.tokenizer().encode(story, true);
                if (ids.length < Math.max(2, minTokens)) {
                    continue;
                }
                try (Session session = new Session(model)) {
                    for (int from = 0; from < ids.length; from += n) {
                        int to = Math.min(ids.length, from + n);
                        double[] scores = session.appendScored(Arrays.copyOfRange(ids, from, to));
                        for (int i = from; i < to; i++) {
                            if (i > 0) {
                                // token i is predicted at position i - 1
                                int later = i - 1 >= grid ? 1 : 0;
                                sum[later] -= scores[i - from];
                                count[later]++;
                            }
                        }
                    }
                }
                if (++used == maxStories) {
                    break;
                }
            }
            if (used == 0) {
                System.err.println("error: no story of at least " + minTokens + " tokens in " + file);
                return 2;
            }
            JsonObject out = new JsonObject();
            out.addProperty("model", modelOptions.model.toString());
            out.addProperty("memory", model.memoryMode().name().toLowerCase(java.util.Locale.ROOT));
            out.addProperty("segment_length", n);
            out.addProperty("grid", grid);
            out.addProperty("stories", used);
            out.addProperty("first_segment_tokens", count[0]);
            out.addProperty("first_segment_perplexity", Math.exp(sum[0] / Math.max(count[0], 1)));
            out.addProperty("later_segments_tokens", count[1]);
            out.addProperty("later_segments_perplexity", count[1] == 0 ? Double.NaN : Math.exp(sum[1] / count[1]));
            out.addProperty("all_perplexity", Math.exp((sum[0] + sum[1]) / (count[0] + count[1])));
            out.addProperty("seconds", (System.nanoTime() - start) / 1e9);
            System.out.println(out);
        }
        return 0;
    }
}
