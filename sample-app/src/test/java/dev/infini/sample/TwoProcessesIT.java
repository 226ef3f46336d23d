package dev.infini.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import dev.infini.sample.support.AppProcess;
import dev.infini.sample.support.Http;
import dev.infini.spring.support.RealRedis;
import dev.infini.spring.support.RealRedisExtension;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Two sample-app processes over HTTP on one real Redis; one of them is killed with SIGKILL in the middle of a turn. */
class TwoProcessesIT {

    @RealRedisExtension.PerClass
    private static RealRedis redis;

    private static CompletableFuture<AppProcess> starting(String prefix, Map<String, Object> settings) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return AppProcess.start(redis, prefix, settings);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void anInstanceKilledMidTurnLeavesThePreviousStateAndBlocksTheConversationOnlyForOneLease() throws Exception {
        String prefix = "processes-" + UUID.randomUUID() + ":";
        Map<String, Object> settings = Map.of("infini.sample.max-reply-tokens", 2000, "infini.store.lock-lease", "3s",
                "infini.chat.temperature", 0);
        // Started side by side: each start is mostly the JVM and the model loading.
        CompletableFuture<AppProcess> startingA = starting(prefix, settings);
        CompletableFuture<AppProcess> startingB = starting(prefix, settings);
        try (AppProcess a = startingA.get(); AppProcess b = startingB.get()) {
            Http onA = new Http(a.url(""));
            Http onB = new Http(b.url(""));
            JsonNode first = onA.postMessage("/api/conversations/crash/messages", null, "Hello there").json();
            long seen = first.get("memory").get("tokensSeen").asLong();
            assertThat(onB.get("/api/conversations/crash", null).json().get("turns").asInt()).isEqualTo(1);

            HttpRequest streaming = HttpRequest.newBuilder(
                            URI.create(a.url("/api/conversations/crash/messages/stream")))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"Tell me a very long story\"}")).build();
            HttpResponse<java.io.InputStream> stream = HttpClient.newHttpClient().send(streaming,
                    HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                // The hook: once a token arrived, A holds the conversation's lock and is generating; kill it then.
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.startsWith("event:")) {
                        assertThat(line).contains("token");
                        break;
                    }
                }
                a.kill();
            }
            assertThat(redis.command("EXISTS " + prefix + "lock:crash")).as("A died holding the lock").isEqualTo(":1");

            // B waits (lock-timeout 30 s) until the dead holder's lease (3 s) runs out, then answers.
            Http.Response next = onB.postMessage("/api/conversations/crash/messages", null, "Are you still there?");
            assertThat(next.status()).as(next.body()).isEqualTo(200);
            JsonNode reply = next.json();
            JsonNode stats = onB.get("/api/conversations/crash", null).json();
            assertThat(stats.get("turns").asInt()).as("the killed turn left nothing").isEqualTo(2);
            assertThat(reply.get("memory").get("tokensSeen").asLong())
                    .isEqualTo(seen + reply.get("usage").get("totalTokens").asLong());
        }
    }
}
