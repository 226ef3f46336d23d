package dev.infini.tools.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line end to end, on the real stories260k checkpoint and on random checkpoints it writes. */
class CliTest {

    @RegisterExtension
    final Console console = new Console();

    @Test
    void generateStreamsTheGreedyStoryToStdout() {
        int code = InfiniCli.run("generate", "-m", SharedData.stories260k().toString(), "--device", "cpu",
                "-n", "20", "Once upon a time");
        assertThat(code).isZero();
        // llama2.c's greedy continuation of this prompt (stories260k-golden.json)
        assertThat(console.out()).startsWith("Once upon a time, there was a little girl named Lily.");

        // no token twice: a 60-token greedy story repeats some, so the limit changes it
        console.reset();
        assertThat(InfiniCli.run("generate", "-m", SharedData.stories260k().toString(), "--device", "cpu",
                "-n", "60", "Once upon a time")).isZero();
        String greedy = console.out();
        console.reset();
        assertThat(InfiniCli.run("generate", "-m", SharedData.stories260k().toString(), "--device", "cpu",
                "-n", "60", "--no-repeat-ngram", "1", "Once upon a time")).isZero();
        assertThat(console.out()).startsWith("Once upon a time,").isNotEqualTo(greedy);
    }

    @Test
    void aRefusedRunSaysWhyInOneLineWithoutAStackTrace(@TempDir Path dir) {
        assertThat(InfiniCli.run("generate", "-m", dir.toString(), "-n", "3", "hi")).isEqualTo(1);
        assertThat(console.err().strip()).isEqualTo("infini generate: " + dir.resolve("config.json")
                + ": missing: a checkpoint folder needs config.json");
        console.reset();
        assertThat(InfiniCli.run("train", "--tokenizer", SharedData.stories260k().toString(), "--hidden", "32",
                "--layers", "1", "--heads", "2", "--kv-heads", "1", "--intermediate", "64", "--segment-length", "16",
                "--min-segments", "2", "--max-segments", "2", "--steps", "1", "--prose-tokens", "0", "--threads", "1",
                "-o", dir.resolve("run").toString())).isEqualTo(1);
        assertThat(console.err()).contains("infini train: a sequence of ", "tokens cannot hold a passkey prompt",
                "use more segments per sequence").doesNotContain("\tat ");
    }

    @Test
    void passkeyTakesAnyTextAsTheHaystackAndEndsTheQuestionAnywhere(@TempDir Path dir) throws Exception {
        Path filler = dir.resolve("letters.txt");
        Files.writeString(filler, "Dear Anne, the harbour was quiet this morning and the boats stayed in.\n\n"
                + "We walked along the cliffs and counted the gulls until the rain came.\n");
        String prefix = dir.resolve("pk").toString();
        int code = InfiniCli.run("passkey", "-m", SharedData.stories260k().toString(), "--device", "cpu",
                "--segment-length", "64", "--gate-init", "0", "--lengths", "512", "--depths", "0.5", "-n", "2",
                "--filler", filler.toString(), "--align", "none", "--out", prefix);
        assertThat(code).isZero();
        assertThat(console.out()).contains("filler " + filler, "align none", "| 50% |");
        JsonObject json = JsonParser.parseString(Files.readString(Path.of(prefix + "-on.json"))).getAsJsonObject();
        assertThat(json.get("align").getAsString()).isEqualTo("none");
        assertThat(json.get("filler").getAsString()).isEqualTo(filler.toString());
        assertThat(InfiniCli.run("passkey", "-m", SharedData.stories260k().toString(), "--align", "sideways"))
                .isNotZero();
        assertThat(console.err()).contains("--align must be segment or none");
    }

    @Test
    void repliesPlaysEachConversationOfTheMessagesFileAndHeldOutTopicTalkWithItsScore(@TempDir Path dir)
            throws Exception {
        Path messages = dir.resolve("messages.txt");
        Files.writeString(messages, "# two conversations\nHello there!\nI baked a cake.\n\n\nWhat a day.\n");
        int code = InfiniCli.run("replies", "-m", SharedData.stories260k().toString(), "--device", "cpu",
                "--messages", messages.toString(), "--max-reply-tokens", "4");
        assertThat(code).isZero();
        assertThat(console.out()).contains("Conversation 1", "- user: Hello there!", "- user: I baked a cake.",
                "Conversation 2", "- user: What a day.").doesNotContain("two conversations", "Conversation 3",
                "naming the message's topic", "teacher-forced");
        assertThat(console.out().split("  - model: ", -1)).hasSize(4);

        console.reset();
        assertThat(InfiniCli.run("replies", "-m", SharedData.stories260k().toString(), "--device", "cpu",
                "-n", "1", "--turns", "2", "--max-reply-tokens", "4")).isZero();
        assertThat(console.out()).containsPattern(
                "replies naming the message's topic \\(memory [A-Za-z]+, test part\\): [0-2]/2 = ");
        assertThat(console.out()).containsPattern(
                "reference replies, teacher-forced \\(memory [A-Za-z]+, test part\\): \\d+\\.\\d{3} nats per token");
        // the topic's tokens of every reference reply are found and scored
        assertThat(console.out()).containsPattern("their mentions of the topic \\([1-9]\\d* tokens\\): \\d+\\.\\d{3} nats per token");

        console.reset();
        assertThat(InfiniCli.run("replies", "-m", SharedData.stories260k().toString(), "--device", "cpu",
                "--part", "train", "-n", "1", "--turns", "1", "--max-reply-tokens", "2")).isZero();
        assertThat(console.out()).containsPattern("replies naming the message's topic \\(memory [A-Za-z]+, train part\\)");
        assertThat(InfiniCli.run("replies", "-m", SharedData.stories260k().toString(), "--part", "seen")).isEqualTo(2);
        assertThat(InfiniCli.run("replies", "-m", SharedData.stories260k().toString(), "--part", "train",
                "--messages", messages.toString())).isEqualTo(2);
        assertThat(console.err()).contains("--part must be test or train, got seen",
                "--part applies to the topic small talk");

        console.reset();
        assertThat(InfiniCli.run("replies", "-m", SharedData.stories260k().toString(), "--device", "cpu",
                "-n", "1", "--turns", "1", "--max-reply-tokens", "12", "--no-repeat-ngram", "1")).isZero();
        assertThat(console.out()).contains("test part, no repeated 1-grams");
        assertThat(InfiniCli.run("replies", "-m", SharedData.stories260k().toString(), "--no-repeat-ngram", "-1"))
                .isEqualTo(2);
        assertThat(console.err()).contains("--no-repeat-ngram must be 0 or more");

        Files.writeString(messages, "# nothing to say\n\n");
        assertThat(InfiniCli.run("replies", "-m", SharedData.stories260k().toString(), "--messages",
                messages.toString())).isEqualTo(2);
        assertThat(console.err()).contains("no messages");
    }

    @Test
    void heldOutTextRefusesAPartOrCorpusItDoesNotHaveBeforeFetchingAnything(@TempDir Path dir) throws Exception {
        assertThat(InfiniCli.run("held-out-text", "--recall-data", dir.toString(), "--part", "middle", "-o",
                dir.resolve("x.txt").toString())).isNotZero();
        assertThat(InfiniCli.run("held-out-text", "--recall-data", dir.toString(), "--corpus", "austen", "-o",
                dir.resolve("x.txt").toString())).isNotZero();
        assertThat(console.err()).contains("--part must be test or train",
                "--corpus must be moby-dick, sotu, spam-assassin, stories or all");
        assertThat(dir.resolve("x.txt")).doesNotExist();

        // stories are asked for but never written: said before any package is fetched
        assertThat(InfiniCli.run("held-out-text", "--recall-data", dir.toString(), "--corpus", "stories", "-o",
                dir.resolve("x.txt").toString())).isNotZero();
        assertThat(console.err()).contains("no stories in", "infini sample-stories");
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void perplexityJsonReportsTokensPerplexityAndSpeed(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("story.txt");
        Files.writeString(text, "Once upon a time, there was a little girl named Lily. She loved to play outside. ".repeat(20));
        int code = InfiniCli.run("perplexity", "-m", SharedData.stories260k().toString(), "--device", "cpu",
                "--segment-length", "64", "--json", text.toString());
        assertThat(code).isZero();
        JsonObject json = JsonParser.parseString(console.out().trim()).getAsJsonObject();
        assertThat(json.get("tokens").getAsLong()).isGreaterThan(300);
        assertThat(json.get("segments_folded").getAsLong()).isGreaterThanOrEqualTo(json.get("tokens").getAsLong() / 64);
        // a repeated in-distribution sentence is easy for a model trained on such stories
        assertThat(json.get("perplexity").getAsDouble()).isBetween(1.0, 5.0);
        assertThat(json.get("tokens_per_second").getAsDouble()).isPositive();
        assertThat(console.err()).contains("perplexity [");
    }

    @Test
    void perplexityOfIdsFileEqualsPerplexityOfTheSameText(@TempDir Path dir) throws Exception {
        String story = "Lily saw a big red ball in the park. She ran to get it.";
        Path text = dir.resolve("story.txt");
        Files.writeString(text, story);
        Path ids = dir.resolve("story.ids");
        try (var tokenizer = dev.infini.engine.tokenizer.InfiniTokenizer.load(SharedData.stories260k(), 512)) {
            StringBuilder s = new StringBuilder();
            for (int id : tokenizer.encode(story)) {
                s.append(id).append('\n');
            }
            Files.writeString(ids, s);
        }
        InfiniCli.run("perplexity", "-m", SharedData.stories260k().toString(), "--device", "cpu", "--json",
                "--no-progress", text.toString());
        InfiniCli.run("perplexity", "-m", SharedData.stories260k().toString(), "--device", "cpu", "--json",
                "--no-progress", "--ids", ids.toString());
        String[] lines = console.out().trim().split("\n");
        double fromText = JsonParser.parseString(lines[0]).getAsJsonObject().get("perplexity").getAsDouble();
        double fromIds = JsonParser.parseString(lines[1]).getAsJsonObject().get("perplexity").getAsDouble();
        assertThat(fromIds).isEqualTo(fromText);
    }

    @Test
    void initWritesACheckpointThatInspectDescribes(@TempDir Path dir) {
        Path model = dir.resolve("tiny");
        int code = InfiniCli.run("init", model.toString(), "--tokenizer-from", SharedData.stories260k().toString(),
                "--segment-length", "16", "--memory-update", "delta", "--seed", "7");
        assertThat(code).isZero();
        console.reset();
        code = InfiniCli.run("inspect", "-m", model.toString(), "--device", "cpu", "--json");
        assertThat(code).isZero();
        JsonObject json = JsonParser.parseString(console.out()).getAsJsonObject();
        assertThat(json.get("layers").getAsInt()).isEqualTo(2);
        assertThat(json.get("segment_length").getAsInt()).isEqualTo(16);
        assertThat(json.get("memory_update").getAsString()).isEqualTo("delta");
        assertThat(json.get("memory").getAsString()).isEqualTo("on");
        // 88 + 4·(N + V + L·H·d·(d+1)) with N=16, V=512, L=2, H=2, d=16
        assertThat(json.get("state_bytes_per_conversation").getAsLong()).isEqualTo(88 + 4L * (16 + 512 + 2 * 2 * 16 * 17));
    }

    @Test
    void vocabGrowsTheTokenizerAndStartsEachNewEmbeddingAtTheMeanOfItsParts(@TempDir Path dir) throws Exception {
        Path tiny = tinyModel(dir);
        Path grown = dir.resolve("grown");
        int code = InfiniCli.run("vocab", "-m", tiny.toString(), "-o", grown.toString(), "--add", "60",
                "--prose-tokens", "0", "--chats", "40", "--passkeys", "4");
        assertThat(code).isZero();
        int vocab = dev.infini.engine.config.ModelConfig.read(grown).vocabSize();
        assertThat(vocab).isEqualTo(512 + 60);
        assertThat(console.out()).contains("vocabulary 512 -> 572");
        var before = dev.infini.engine.weights.Checkpoint.open(tiny);
        var after = dev.infini.engine.weights.Checkpoint.open(grown);
        float[] oldRows = floats(before, "model.embed_tokens.weight", 512, 64);
        float[] newRows = floats(after, "model.embed_tokens.weight", vocab, 64);
        assertThat(java.util.Arrays.copyOf(newRows, oldRows.length)).containsExactly(oldRows);
        assertThat(floats(after, "model.layers.1.mlp.up_proj.weight", 128, 64))
                .containsExactly(floats(before, "model.layers.1.mlp.up_proj.weight", 128, 64));
        // a new whole word: its row is the mean of the rows of the old tokens that spell it
        JsonObject pieces = JsonParser.parseString(Files.readString(grown.resolve("tokenizer.json")))
                .getAsJsonObject().getAsJsonObject("model").getAsJsonObject("vocab");
        int checked = 0;
        try (var old = dev.infini.engine.tokenizer.InfiniTokenizer.load(tiny, 512)) {
            for (var e : pieces.entrySet()) {
                int id = e.getValue().getAsInt();
                if (id < 512 || !e.getKey().startsWith("▁")) {
                    continue;
                }
                int[] parts = old.encode(e.getKey().substring(1), false);
                for (int j = 0; j < 64; j++) {
                    float mean = 0;
                    for (int part : parts) {
                        mean += oldRows[part * 64 + j] / parts.length;
                    }
                    assertThat(newRows[id * 64 + j]).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-6f));
                }
                checked++;
            }
        }
        assertThat(checked).isPositive();
        console.reset();
        assertThat(InfiniCli.run("generate", "-m", grown.toString(), "--device", "cpu", "-n", "5",
                "My dog is called")).isZero();
        assertThat(console.out()).startsWith("My dog is called");
        // an output folder that holds a checkpoint is refused, not overwritten
        assertThat(InfiniCli.run("vocab", "-m", tiny.toString(), "-o", grown.toString(), "--add", "5",
                "--prose-tokens", "0")).isNotZero();
        assertThat(dev.infini.engine.config.ModelConfig.read(grown).vocabSize()).isEqualTo(vocab);
    }

    @Test
    void vocabLearnsItsMergesOnTheRecallMixturesTrainPartWhenGivenRecallData(@TempDir Path dir) throws Exception {
        Path tiny = tinyModel(dir);
        Path data = dir.resolve("open-data");
        dev.infini.tools.eval.PackageTarballs.write(data);
        Path grown = dir.resolve("grown");
        assertThat(InfiniCli.run("vocab", "-m", tiny.toString(), "-o", grown.toString(), "--add", "40",
                "--recall-data", data.toString(), "--recall-sequences", "30", "--prose-tokens", "20000")).isZero();
        assertThat(console.out()).contains("vocabulary 512 -> 552");
        JsonObject pieces = JsonParser.parseString(Files.readString(grown.resolve("tokenizer.json")))
                .getAsJsonObject().getAsJsonObject("model").getAsJsonObject("vocab");
        // the recall chats' own words, which the fixed script of the default text does not use, became tokens
        String chats = String.join(" ", dev.infini.tools.eval.FactTemplates.slots(dev.infini.tools.eval.HeldOut.TRAIN)
                .stream().flatMap(s -> java.util.stream.Stream.of(s.tell(), s.ask(), s.answer()))
                .flatMap(java.util.List::stream).toList());
        assertThat(pieces.keySet().stream().filter(p -> pieces.get(p).getAsInt() >= 512 && p.length() > 3
                && chats.contains(p.replace('▁', ' ').strip()))).isNotEmpty();
        assertThat(InfiniCli.run("vocab", "-m", tiny.toString(), "-o", dir.resolve("none").toString(), "--add", "5",
                "--recall-data", data.toString(), "--recall-sequences", "0")).isNotZero();
    }

    /** A random 2-layer model with stories260k's 512 tokens, in {@code dir/tiny}. */
    private static Path tinyModel(Path dir) {
        Path tiny = dir.resolve("tiny");
        assertThat(InfiniCli.run("init", tiny.toString(), "--tokenizer-from", SharedData.stories260k().toString(),
                "--segment-length", "64", "--seed", "7")).isZero();
        return tiny;
    }

    private static float[] floats(dev.infini.engine.weights.Checkpoint checkpoint, String name, long... shape) {
        java.nio.FloatBuffer buffer = checkpoint.readFloats(name, shape);
        float[] out = new float[buffer.remaining()];
        buffer.get(out);
        return out;
    }

    @Test
    void everyCommandsHelpRendersWithoutFormatWarnings() {
        for (String command : new picocli.CommandLine(new InfiniCli()).getSubcommands().keySet()) {
            console.reset();
            assertThat(InfiniCli.run(command, "--help")).as(command).isZero();
            // picocli formats descriptions: a bare "%" drops the whole help text to a warning and raw format
            assertThat(console.out()).as(command).contains("Usage: infini " + command);
            assertThat(console.err()).as(command).doesNotContain("picocli WARN");
        }
    }

    @Test
    void badArgumentsExitWithUsageError() {
        assertThat(InfiniCli.run("generate")).isEqualTo(2);
        assertThat(InfiniCli.run("perplexity", "-m", SharedData.stories260k().toString(), "/no/such/file")).isEqualTo(2);
    }
}
