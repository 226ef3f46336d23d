package dev.infini.tools.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.SharedData;
import dev.infini.engine.OneTorchThread;
import dev.infini.tools.train.StoryData;
import dev.infini.tools.train.TrainableModel;
import dev.infini.engine.weights.Checkpoint;
import dev.infini.engine.weights.LlamaLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plug-and-play commands of issue 17 end to end on stories260k: sampling stories, their perplexity per segment,
 * and continual pre-training on them from the plain checkpoint.
 */
@ExtendWith(OneTorchThread.class)
class StoryCommandsTest {

    @RegisterExtension
    final Console console = new Console();

    private static int sample(Path file, long seed, int count, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("sample-stories", "-m",
                SharedData.stories260k().toString(), "--device", "cpu", "--first-seed", String.valueOf(seed),
                "--count", String.valueOf(count), "-n", "120", "-o", file.toString()));
        args.addAll(List.of(more));
        return InfiniCli.run(args.toArray(new String[0]));
    }

    @Test
    void sampledStoriesAreReproducibleFromTheirSeedsAndExcludedTextIsDropped(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.txt");
        Path b = dir.resolve("b.txt");
        Path c = dir.resolve("c.txt");
        Path excluded = dir.resolve("excluded.txt");
        assertThat(sample(a, 7, 4)).isZero();
        assertThat(sample(b, 7, 4)).isZero();
        assertThat(sample(c, 8, 4)).isZero();
        assertThat(Files.readString(b)).isEqualTo(Files.readString(a));
        List<String> stories = StoryData.read(a);
        assertThat(stories).hasSize(4).doesNotHaveDuplicates();
        // seeds 8..11 overlap 7..10 in three stories: the same seed writes the same story
        assertThat(StoryData.read(c).subList(0, 3)).containsExactlyElementsOf(stories.subList(1, 4));
        for (String story : stories) {
            assertThat(story).isNotBlank().doesNotContain("\n\n");
        }
        String word = stories.get(0).split(" ")[0];
        assertThat(sample(excluded, 7, 4, "--exclude", word)).isZero();
        List<String> kept = StoryData.read(excluded);
        assertThat(kept).hasSizeLessThan(4).allSatisfy(s -> assertThat(s).doesNotContain(word));
        assertThat(console.out()).contains("dropped by --exclude");
    }

    @Test
    void theFirstSegmentsPerplexityIsTheFullContextModelsAndLaterSegmentsDifferWithoutMemory(@TempDir Path dir) {
        Path stories = dir.resolve("stories.txt");
        assertThat(sample(stories, 100, 3)).isZero();
        console.reset();
        String model = SharedData.stories260k().toString();
        assertThat(InfiniCli.run("story-perplexity", "-m", model, "--device", "cpu", "--segment-grid", "16",
                stories.toString())).isZero();
        assertThat(InfiniCli.run("story-perplexity", "-m", model, "--device", "cpu", "--segment-length", "16",
                stories.toString())).isZero();
        String[] lines = console.out().strip().split("\\R");
        JsonObject full = JsonParser.parseString(lines[lines.length - 2]).getAsJsonObject();
        JsonObject local = JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        assertThat(full.get("stories").getAsInt()).isEqualTo(3);
        assertThat(full.get("first_segment_tokens").getAsLong()).isEqualTo(3 * 16);
        assertThat(local.get("first_segment_tokens").getAsLong()).isEqualTo(3 * 16);
        assertThat(local.get("later_segments_tokens")).isEqualTo(full.get("later_segments_tokens"));
        assertThat(local.get("first_segment_perplexity").getAsDouble()).as("the same context inside segment 0")
                .isCloseTo(full.get("first_segment_perplexity").getAsDouble(),
                        org.assertj.core.data.Offset.offset(1e-4));
        assertThat(local.get("later_segments_perplexity").getAsDouble()).as("16 tokens of context instead of all")
                .isNotCloseTo(full.get("later_segments_perplexity").getAsDouble(),
                        org.assertj.core.data.Offset.offset(1e-3));
    }

    @Test
    void trainingOnStoriesFromThePlainCheckpointKeepsItsShapeAndAddsGates(@TempDir Path dir) throws Exception {
        Path stories = dir.resolve("stories.txt");
        assertThat(sample(stories, 200, 8)).isZero();
        Path run = dir.resolve("run");
        assertThat(InfiniCli.run("train", "--init", SharedData.stories260k().toString(), "--stories",
                stories.toString(), "--segment-length", "64", "--gate-init", "0", "--steps", "3", "--batch", "2",
                "--min-segments", "4", "--max-segments", "4", "--passkey-share", "0.5", "--prose-share", "0.5",
                "--chat-share", "0", "--warmup", "1", "--log-every", "1", "--eval-every", "3",
                "--val-segments", "4", "--val-size", "2", "--checkpoint-every", "3", "--threads", "1",
                "-o", run.toString())).isZero();
        assertThat(console.out()).contains("story tokens", "val passkey in stories", "step 3/3");
        Checkpoint original = Checkpoint.open(SharedData.stories260k());
        Checkpoint trained = Checkpoint.open(run.resolve("last"));
        for (String name : original.names()) {
            if (!name.equals("lm_head.weight")) { // tied to the embeddings: the engine reads those
                assertThat(trained.info(name).shape()).as(name).containsExactly(original.info(name).shape());
            }
        }
        float[] beta = new float[8];
        trained.readFloats("model.layers.0." + LlamaLayout.MEMORY_GATE, 8).get(beta);
        assertThat(beta).as("gates trained from 0").doesNotContain(0f);
        JsonObject config = JsonParser.parseString(Files.readString(run.resolve("last/config.json")))
                .getAsJsonObject();
        assertThat(config.getAsJsonObject("infini_attention").get("segment_length").getAsInt()).isEqualTo(64);
    }

    @Test
    void proseLearnsFromTheOriginalBesideSymbolCopiesWhenDistillingAndTheTeachersShareMustBeAFraction(@TempDir Path dir)
            throws Exception {
        Path stories = dir.resolve("stories.txt");
        assertThat(sample(stories, 300, 6)).isZero();
        List<String> args = List.of("train", "--init", SharedData.stories260k().toString(), "--stories",
                stories.toString(), "--distill-from", SharedData.stories260k().toString(), "--segment-length", "64",
                "--steps", "2", "--batch", "2", "--min-segments", "4", "--max-segments", "4", "--passkey-share",
                "0.3", "--prose-share", "0.5", "--copy-share", "0.2", "--symbol-copy-share", "1",
                "--memory-copy-share", "0.5", "--alphabet-start",
                "16", "--alphabet-doubling", "1000000", "--chat-share", "0", "--warmup", "1", "--log-every", "1",
                "--eval-every", "2", "--val-segments", "4", "--val-size", "2", "--threads", "1");
        List<String> distilled = new java.util.ArrayList<>(args);
        distilled.addAll(List.of("--distill-weight", "0.7", "-o", dir.resolve("run").toString()));
        assertThat(InfiniCli.run(distilled.toArray(new String[0]))).isZero();
        assertThat(console.out()).contains("prose distilled from " + SharedData.stories260k(),
                "teacher's share 0.70", "100% of the copies symbols of an alphabet of 16",
                "50% of the copies longer than a segment", "step 2/2");
        List<String> whole = new java.util.ArrayList<>(args);
        whole.addAll(List.of("--distill-weight", "1.5", "-o", dir.resolve("refused").toString()));
        assertThat(InfiniCli.run(whole.toArray(new String[0]))).isNotZero();
        assertThat(dir.resolve("refused/last")).doesNotExist();
        assertThat(InfiniCli.run("train", "--tokenizer", SharedData.stories260k().toString(), "--symbol-copy-share",
                "0.5", "--steps", "1", "-o", dir.resolve("no-stories").toString())).isNotZero();
        assertThat(console.err()).contains("--symbol-copy-share is for --stories or --recall-data");
    }
}
