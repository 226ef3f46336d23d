package dev.infini.tools.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code infini bench all --smoke} end to end on stories260k with a real redis-server: every mode runs and reports
 * its fields (decode: every weight format beside float32). Timings are only checked to be measured (positive), never against a target: targets live in
 * docs/benchmarks.md, measured by the full benchmark.
 */
class BenchCommandTest {

    @RegisterExtension
    final Console console = new Console();

    @Test
    void smokeRunReportsEveryModeAndKeepsTheInfiniStateConstant(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("results.json");
        Path plots = dir.resolve("plots");
        // a short segment makes the smoke run fold the memory many times
        int code = InfiniCli.run("bench", "all", "--smoke", "-m", SharedData.stories260k().toString(),
                "--segment-length", "128", "--threads", "1", "--million-tokens", "2048",
                "--plots", plots.toString(), "--out", out.toString());
        assertThat(code).as(console.err()).isZero();
        JsonObject json = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
        assertThat(JsonParser.parseString(console.out()).getAsJsonObject()).isEqualTo(json);

        JsonObject machine = json.getAsJsonObject("machine");
        assertThat(machine.get("cores").getAsInt()).isPositive();
        assertThat(machine.get("load_average_start").getAsString()).isNotBlank();
        assertThat(machine.get("intra_op_threads").getAsInt()).isEqualTo(1);

        for (String mode : new String[] {"throughput", "turns", "store", "million", "decode"}) {
            assertThat(json.getAsJsonObject(mode).get("cpu_share").getAsDouble()).as(mode).isPositive();
        }
        JsonObject throughput = json.getAsJsonObject("throughput");
        assertThat(throughput.getAsJsonObject("ceilings").get("matmul_gflops").getAsDouble()).isPositive();
        assertThat(throughput.getAsJsonObject("ceilings").get("read_bandwidth_gbps").getAsDouble()).isPositive();
        JsonObject speed = throughput.getAsJsonArray("models").get(0).getAsJsonObject();
        assertThat(speed.get("parameters").getAsLong()).isEqualTo(260_072);
        for (String field : new String[] {"prefill_tokens_per_s", "prefill_ceiling_tokens_per_s",
                "prefill_fraction_of_ceiling", "decode_tokens_per_s", "decode_ceiling_tokens_per_s",
                "decode_fraction_of_ceiling"}) {
            assertThat(speed.get(field).getAsDouble()).as(field).isPositive();
        }

        JsonObject turns = json.getAsJsonObject("turns");
        JsonObject infini = turns.getAsJsonObject("infini");
        assertThat(infini.getAsJsonArray("per_turn")).hasSize(6);
        assertThat(infini.get("state_bytes_constant").getAsBoolean()).isTrue();
        assertThat(infini.get("state_bytes_turn_1").getAsLong()).isEqualTo(infini.get("state_bytes_turn_last").getAsLong());
        assertThat(infini.get("ratio_last_to_10").getAsDouble()).isPositive();
        assertThat(infini.get("redis_share_of_turn").getAsDouble()).isBetween(0.0, 1.0);
        JsonArray replay = turns.getAsJsonArray("history_replay");
        JsonArray kv = turns.getAsJsonArray("kv_persistence");
        assertThat(replay).hasSize(3);
        assertThat(kv).hasSize(3);
        // a replayed history and a KV cache both grow with the conversation
        assertThat(last(replay, "tokens_reread")).isGreaterThan(first(replay, "tokens_reread"));
        assertThat(last(kv, "stored_bytes")).isEqualTo(6 * 80 * turns.get("kv_bytes_per_token").getAsLong());
        assertThat(last(kv, "stored_bytes")).isGreaterThan(first(kv, "stored_bytes"));

        JsonObject store = json.getAsJsonObject("store");
        JsonObject size = store.getAsJsonArray("latency_by_size").get(0).getAsJsonObject();
        assertThat(size.get("state_bytes").getAsLong()).isEqualTo(infini.get("state_bytes_turn_1").getAsLong());
        assertThat(size.getAsJsonObject("save").get("p99_ms").getAsDouble()).isPositive();
        assertThat(size.getAsJsonObject("load").get("p50_ms").getAsDouble()).isPositive();
        JsonArray concurrent = store.getAsJsonArray("concurrent");
        assertThat(concurrent).hasSize(2);
        assertThat(concurrent.get(1).getAsJsonObject().get("turns").getAsInt()).isEqualTo(2 * 1 * 2);
        assertThat(concurrent.get(1).getAsJsonObject().get("turns_per_s").getAsDouble()).isPositive();

        JsonObject million = json.getAsJsonObject("million");
        assertThat(million.get("tokens").getAsLong()).isEqualTo(2048);
        assertThat(million.get("segments_folded").getAsLong()).isEqualTo(2048 / 128);
        assertThat(million.get("peak_rss_bytes").getAsLong()).isPositive();

        JsonArray decode = json.getAsJsonObject("decode").getAsJsonArray("rows");
        assertThat(decode).hasSize(4); // f32, bf16, f16, q8_0 at one kernel thread
        assertThat(decode.get(0).getAsJsonObject().get("weights").getAsString()).isEqualTo("f32");
        assertThat(decode.get(0).getAsJsonObject().get("speed_vs_f32").getAsDouble()).isEqualTo(1.0);
        long f32Bytes = decode.get(0).getAsJsonObject().get("weight_bytes_per_token").getAsLong();
        for (int i = 0; i < decode.size(); i++) {
            JsonObject row = decode.get(i).getAsJsonObject();
            assertThat(row.get("decode_tokens_per_s").getAsDouble()).isPositive();
            assertThat(row.get("decode_fraction_of_ceiling").getAsDouble()).isPositive();
            assertThat(row.get("quality_nll_per_token").getAsDouble()).isPositive();
            if (i > 0) { // 16 and 8 bits read fewer bytes, and cost some perplexity or none
                assertThat(row.get("weight_bytes_per_token").getAsLong()).isLessThan(f32Bytes);
                assertThat(Math.abs(row.get("perplexity_change_vs_f32_percent").getAsDouble())).isLessThan(5.0);
            }
        }

        for (String png : new String[] {"turns-latency-stories260k.png", "turns-stored-bytes-stories260k.png",
                "million-rss-stories260k.png", "decode-formats.png"}) {
            BufferedImage image = ImageIO.read(plots.resolve(png).toFile());
            assertThat(image).as(png).isNotNull();
            assertThat(image.getWidth()).isGreaterThan(100);
        }
    }

    @Test
    void badDecodeAndAppOptionsAreRefusedBeforeAnythingRuns() {
        String model = SharedData.stories260k().toString();
        assertThat(refusal("decode", "-m", model, "--kernel-threads", "0")).contains("--kernel-threads");
        assertThat(refusal("decode", "-m", model, "--weights", "q8_0,q8_0")).contains("--weights takes distinct");
        assertThat(refusal("decode", "-m", model, "--quality-tokens", "-1")).contains("--quality-tokens");
        assertThat(refusal("decode", "-m", model, "--weights", "q4")).contains("q4");
        assertThat(refusal("app", "--app-turns", "1")).contains("--app-turns");
        assertThat(refusal("throughput")).contains("needs a model");
    }

    /** What the command says on stderr when it refuses its arguments (exit code 2). */
    private String refusal(String... args) {
        console.reset();
        String[] all = new String[args.length + 1];
        all[0] = "bench";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = InfiniCli.run(all);
        assertThat(code).as(console.err()).isEqualTo(2);
        return console.err();
    }

    private static long first(JsonArray rows, String field) {
        return rows.get(0).getAsJsonObject().get(field).getAsLong();
    }

    private static long last(JsonArray rows, String field) {
        return rows.get(rows.size() - 1).getAsJsonObject().get(field).getAsLong();
    }
}
