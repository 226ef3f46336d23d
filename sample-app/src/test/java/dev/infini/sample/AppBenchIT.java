package dev.infini.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

import com.google.gson.JsonObject;
import dev.infini.sample.support.Http;
import dev.infini.sample.support.RunningApp;
import dev.infini.spring.support.RealRedis;
import dev.infini.spring.support.RealRedisExtension;
import dev.infini.tools.bench.AppBench;
import dev.infini.tools.bench.BenchOptions;
import org.junit.jupiter.api.Test;

/**
 * {@code infini bench app} against the app running for real (stories260k, a real Redis, API keys on): every turn is
 * answered, timed at the client and reported by the server, the client's time includes the server's, and the
 * conversations are gone afterwards.
 */
class AppBenchIT {

    private static final String KEY = "bench-key-0123456789";

    @RealRedisExtension.PerClass
    private static RealRedis redis;

    @Test
    void everyCountedTurnIsAnsweredAndTimedAtBothEnds() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BenchOptions options = new BenchOptions(true, "cpu", 0, 0, 1, 50, 30, "redis-server", null,
                new PrintStream(log, true, StandardCharsets.UTF_8));
        JsonObject result;
        try (RunningApp app = RunningApp.onRedis(redis, "bench-it-" + UUID.randomUUID() + ":", 0,
                Map.of("infini.sample.api-keys", KEY))) {
            result = AppBench.run(app.url(""), KEY, "java decode", 2, 3, options);
            // the bench leaves the store as it found it
            assertThat(new Http(app.url("")).get("/api/conversations", KEY).json().get("conversations")).isEmpty();
        }

        assertThat(result.get("turns_counted").getAsInt()).isEqualTo(2 * 2); // the first turn of each is a warm-up
        assertThat(result.getAsJsonArray("per_turn")).hasSize(4);
        assertThat(result.get("reply_tokens_mean").getAsDouble()).isPositive();
        JsonObject client = result.getAsJsonObject("client_ms");
        JsonObject server = result.getAsJsonObject("server_ms");
        assertThat(client.get("count").getAsInt()).isEqualTo(4);
        assertThat(client.get("p50_ms").getAsDouble()).isPositive();
        assertThat(client.get("max_ms").getAsDouble()).isGreaterThanOrEqualTo(server.get("max_ms").getAsDouble() - 1); // the server counts whole ms
        assertThat(result.getAsJsonObject("info").get("model").getAsString()).isNotBlank();
        assertThat(result.get("label").getAsString()).isEqualTo("java decode");
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("conversation 2 of 2 done");
    }
}
