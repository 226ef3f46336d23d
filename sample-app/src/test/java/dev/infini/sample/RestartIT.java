package dev.infini.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.infini.sample.support.Http;
import dev.infini.sample.support.RunningApp;
import dev.infini.spring.support.RealRedis;
import dev.infini.spring.support.RealRedisExtension;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A conversation outlives the app: stopped after a turn, started again on the same Redis, it goes on unchanged. */
class RestartIT {

    private static final String ALICE = "alice-key-0123456789";
    private static final String BOB = "bob-key-9876543210";
    private static final List<String> MESSAGES = List.of("Remember the cat.", "What did I say?", "And then?");

    @RealRedisExtension.PerClass
    private static RealRedis redis;

    private static RunningApp start(String prefix) {
        // greedy, so that the restored state's last-bit rounding cannot change a sampled token
        return RunningApp.onRedis(redis, prefix, 0, Map.of("infini.sample.api-keys", ALICE + "," + BOB,
                "infini.chat.temperature", 0));
    }

    @Test
    void aConversationContinuedAfterTheAppStoppedEqualsAnUninterruptedOne() throws Exception {
        String prefix = "restart-it-" + UUID.randomUUID() + ":";
        List<String> interrupted = new ArrayList<>();
        long seenBeforeStop;
        try (RunningApp first = start(prefix)) {
            JsonNode reply = new Http(first.url("")).postMessage("/api/conversations/durable/messages", ALICE,
                    MESSAGES.get(0)).json();
            interrupted.add(reply.get("reply").asString());
            seenBeforeStop = reply.get("memory").get("tokensSeen").asLong();
        }
        assertThat(redis.command("EXISTS " + prefix + "c:durable")).isEqualTo(":1");

        List<String> uninterrupted = new ArrayList<>();
        long seenUninterrupted = 0;
        try (RunningApp second = start(prefix)) {
            Http http = new Http(second.url(""));
            JsonNode stats = http.get("/api/conversations/durable", ALICE).json();
            assertThat(stats.get("memory").get("tokensSeen").asLong()).isEqualTo(seenBeforeStop);
            assertThat(stats.get("turns").asInt()).isEqualTo(1);
            assertThat(http.get("/api/conversations/durable", BOB).status()).isEqualTo(404);
            long seen = 0;
            for (String message : MESSAGES.subList(1, MESSAGES.size())) {
                JsonNode reply = http.postMessage("/api/conversations/durable/messages", ALICE, message).json();
                interrupted.add(reply.get("reply").asString());
                seen = reply.get("memory").get("tokensSeen").asLong();
            }
            for (String message : MESSAGES) {
                JsonNode reply = http.postMessage("/api/conversations/straight/messages", ALICE, message).json();
                uninterrupted.add(reply.get("reply").asString());
                seenUninterrupted = reply.get("memory").get("tokensSeen").asLong();
            }
            assertThat(seen).isEqualTo(seenUninterrupted);
        }
        assertThat(interrupted).isEqualTo(uninterrupted);
        assertThat(interrupted).allSatisfy(reply -> assertThat(reply).isNotBlank());
    }
}
