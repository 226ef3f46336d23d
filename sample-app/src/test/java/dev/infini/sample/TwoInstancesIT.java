package dev.infini.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import dev.infini.sample.support.Http;
import dev.infini.sample.support.RunningApp;
import dev.infini.spring.support.RealRedis;
import dev.infini.spring.support.RealRedisExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Two instances of the app over HTTP on one real Redis, with API keys: ownership and deletion under races. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoInstancesIT {

    private static final String KA = "ka-key-0123456789";
    private static final String KB = "kb-key-9876543210";

    @RealRedisExtension.PerClass
    private static RealRedis redis;
    private RunningApp a;
    private RunningApp b;
    private String prefix;

    @BeforeAll
    void start() {
        prefix = "two-" + UUID.randomUUID() + ":";
        Map<String, Object> keys = Map.of("infini.sample.api-keys", KA + "," + KB,
                "infini.sample.max-reply-tokens", 300);
        a = RunningApp.onRedis(redis, prefix, 0, keys);
        b = RunningApp.onRedis(redis, prefix, 0, keys);
    }

    @AfterAll
    void stop() {
        for (RunningApp app : new RunningApp[] {a, b}) {
            if (app != null) {
                app.close();
            }
        }
    }

    @Test
    void twoKeysRacingForANewIdOnTwoInstancesLeaveItWithExactlyOneOwner() throws Exception {
        Http onA = new Http(a.url(""));
        Http onB = new Http(b.url(""));
        for (int i = 0; i < 10; i++) {
            String path = "/api/conversations/race-" + i;
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<Http.Response> fromA = CompletableFuture.supplyAsync(() -> {
                await(go);
                return onA.postMessage(path + "/messages", KA, "Mine, says A");
            });
            CompletableFuture<Http.Response> fromB = CompletableFuture.supplyAsync(() -> {
                await(go);
                return onB.postMessage(path + "/messages", KB, "Mine, says B");
            });
            go.countDown();
            int statusA = fromA.get().status();
            int statusB = fromB.get().status();
            assertThat(List.of(statusA, statusB)).as("try " + i + ": " + fromA.get().body() + " / "
                    + fromB.get().body()).containsExactlyInAnyOrder(200, 404);
            String winner = statusA == 200 ? KA : KB;
            String loser = statusA == 200 ? KB : KA;
            assertThat(onA.get(path, winner).json().get("turns").asInt()).isEqualTo(1);
            assertThat(onB.get(path, loser).status()).isEqualTo(404);
        }
    }

    @Test
    void aConversationDeletedWhileItsTurnStreamsStaysDeleted() throws Exception {
        Http onA = new Http(a.url(""));
        assertThat(onA.postMessage("/api/conversations/ghost/messages", KA, "Hello").status()).isEqualTo(200);
        HttpRequest streaming = HttpRequest.newBuilder(URI.create(a.url("/api/conversations/ghost/messages/stream")))
                .header("X-API-Key", KA).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"Tell me a long story\"}")).build();
        HttpResponse<java.io.InputStream> stream = HttpClient.newHttpClient().send(streaming,
                HttpResponse.BodyHandlers.ofInputStream());
        List<String> events = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            // The hook: the turn is running once its first token arrived; delete it then, on the same instance.
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.startsWith("event:")) {
                    events.add(line.substring(6).strip());
                    if (events.size() == 1) {
                        assertThat(onA.delete("/api/conversations/ghost", KA).status()).isEqualTo(204);
                    }
                }
            }
        }
        assertThat(events).first().isEqualTo("token");
        assertThat(onA.get("/api/conversations/ghost", KA).status()).isEqualTo(404);
        assertThat(new Http(b.url("")).get("/api/conversations/ghost", KA).status()).isEqualTo(404);
        assertThat(onA.get("/api/conversations", KA).body()).doesNotContain("\"ghost\"");
        assertThat(redis.command("EXISTS " + prefix + "c:ghost")).as("no key left behind").isEqualTo(":0");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
