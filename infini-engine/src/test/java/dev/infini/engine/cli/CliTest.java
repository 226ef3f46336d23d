package dev.infini.engine.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.SharedData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line end to end, on the real stories260k checkpoint and on random checkpoints it writes. */
class CliTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    @BeforeEach
    void capture() {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void generateStreamsTheGreedyStoryToStdout() {
        int code = InfiniCli.run("generate", "-m", SharedData.stories260k().toString(), "--device", "cpu",
                "-n", "20", "Once upon a time");
        assertThat(code).isZero();
        // llama2.c's greedy continuation of this prompt (stories260k-golden.json)
        assertThat(stdout()).startsWith("Once upon a time, there was a little girl named Lily.");
    }

    @Test
    void perplexityJsonReportsTokensPerplexityAndSpeed(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("story.txt");
        Files.writeString(text, "Once upon a time, there was a little girl named Lily. She loved to play outside. ".repeat(20));
        int code = InfiniCli.run("perplexity", "-m", SharedData.stories260k().toString(), "--device", "cpu",
                "--segment-length", "64", "--json", text.toString());
        assertThat(code).isZero();
        JsonObject json = JsonParser.parseString(stdout().trim()).getAsJsonObject();
        assertThat(json.get("tokens").getAsLong()).isGreaterThan(300);
        assertThat(json.get("segments_folded").getAsLong()).isGreaterThanOrEqualTo(json.get("tokens").getAsLong() / 64);
        // a repeated in-distribution sentence is easy for a model trained on such stories
        assertThat(json.get("perplexity").getAsDouble()).isBetween(1.0, 5.0);
        assertThat(json.get("tokens_per_second").getAsDouble()).isPositive();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("perplexity [");
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
        String[] lines = stdout().trim().split("\n");
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
        out.reset();
        code = InfiniCli.run("inspect", "-m", model.toString(), "--device", "cpu", "--json");
        assertThat(code).isZero();
        JsonObject json = JsonParser.parseString(stdout()).getAsJsonObject();
        assertThat(json.get("layers").getAsInt()).isEqualTo(2);
        assertThat(json.get("segment_length").getAsInt()).isEqualTo(16);
        assertThat(json.get("memory_update").getAsString()).isEqualTo("delta");
        assertThat(json.get("memory").getAsString()).isEqualTo("on");
        // 88 + 4·(N + V + L·H·d·(d+1)) with N=16, V=512, L=2, H=2, d=16
        assertThat(json.get("state_bytes_per_conversation").getAsLong()).isEqualTo(88 + 4L * (16 + 512 + 2 * 2 * 16 * 17));
    }

    @Test
    void badArgumentsExitWithUsageError() {
        assertThat(InfiniCli.run("generate")).isEqualTo(2);
        assertThat(InfiniCli.run("perplexity", "-m", SharedData.stories260k().toString(), "/no/such/file")).isEqualTo(2);
    }
}
