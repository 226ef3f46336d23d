package dev.infini.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.infini.sample.support.Http;
import dev.infini.sample.support.Http.Event;
import dev.infini.sample.support.Http.Response;
import dev.infini.spring.support.RealRedis;
import dev.infini.spring.support.RealRedisExtension;
import dev.infini.sample.support.RunningApp;
import dev.infini.spring.InfiniConversations;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;

/**
 * Every endpoint of the REST API, its errors and the API-key ownership rule, over HTTP against the app running on
 * the real stories260k model and a real Redis.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiIT {

    private static final String ALICE = "alice-key-0123456789";
    private static final String BOB = "bob-key-9876543210";

    @RealRedisExtension.PerClass
    private static RealRedis redis;
    private RunningApp app;
    private Http http;
    private String prefix;
    private long stateBytes;

    @BeforeAll
    void start() {
        prefix = "api-it-" + UUID.randomUUID() + ":";
        app = RunningApp.onRedis(redis, prefix, 0, Map.of("infini.sample.api-keys", ALICE + "," + BOB,
                "infini.sample.max-message-chars", 500));
        http = new Http(app.url(""));
        stateBytes = app.context().getBean(InfiniConversations.class).stateBytes();
    }

    @AfterAll
    void stop() throws Exception {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void aMessageGetsAReplyWithUsageAndMemoryStatsAndTheStateStaysTheSameSize() {
        Response first = http.postMessage("/api/conversations/chat-1/messages", ALICE, "Hello! Who are you?");

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.contentType()).startsWith("application/json");
        JsonNode reply = first.json();
        assertThat(reply.get("conversationId").asString()).isEqualTo("chat-1");
        assertThat(reply.get("reply").asString()).isNotBlank();
        assertThat(reply.get("usage").get("promptTokens").asInt()).isPositive();
        assertThat(reply.get("usage").get("completionTokens").asInt()).isPositive();
        assertThat(reply.get("usage").get("totalTokens").asInt()).isEqualTo(
                reply.get("usage").get("promptTokens").asInt() + reply.get("usage").get("completionTokens").asInt());
        long seen = reply.get("memory").get("tokensSeen").asLong();
        assertThat(seen).isGreaterThanOrEqualTo(reply.get("usage").get("totalTokens").asLong());
        assertThat(reply.get("memory").get("stateBytes").asLong()).isEqualTo(stateBytes);
        assertThat(reply.get("latencyMs").asLong()).isNotNegative();

        JsonNode second = http.postMessage("/api/conversations/chat-1/messages", ALICE, "Tell me more.").json();
        assertThat(second.get("memory").get("tokensSeen").asLong()).isGreaterThan(seen);
        assertThat(second.get("memory").get("stateBytes").asLong()).isEqualTo(stateBytes);
    }

    @Test
    void theStreamSendsTokenEventsThenADoneEventWithTheWholeReply() {
        Response response = http.post("/api/conversations/stream-1/messages/stream", ALICE, "application/json",
                "{\"message\":\"Once upon a time\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("text/event-stream");
        List<Event> events = response.events();
        List<Event> tokens = events.stream().filter(e -> e.name().equals("token")).toList();
        assertThat(tokens).hasSizeGreaterThan(1);
        Event done = events.get(events.size() - 1);
        assertThat(done.name()).isEqualTo("done");
        String streamed = String.join("", tokens.stream().map(e -> e.data().get("text").asString()).toList());
        assertThat(done.data().get("reply").asString()).isEqualTo(streamed).isNotBlank();
        assertThat(done.data().get("memory").get("tokensSeen").asLong()).isPositive();
        assertThat(done.data().get("usage").get("completionTokens").asInt()).isPositive();

        JsonNode stats = http.get("/api/conversations/stream-1", ALICE).json();
        assertThat(stats.get("memory").get("tokensSeen").asLong())
                .isEqualTo(done.data().get("memory").get("tokensSeen").asLong());
        assertThat(stats.get("turns").asInt()).isEqualTo(1);
    }

    @Test
    void createdConversationsAreListedWithStatsAndLatenciesAndCanBeDeleted() {
        Response created = http.post("/api/conversations", ALICE, null, null);
        assertThat(created.status()).isEqualTo(201);
        String id = created.json().get("id").asString();
        assertThat(id).matches("c-[0-9a-f]{12}");
        assertThat(created.json().get("memory").get("tokensSeen").asLong()).isZero();

        http.postMessage("/api/conversations/" + id + "/messages", ALICE, "What is the weather like?");
        http.postMessage("/api/conversations/" + id + "/messages", ALICE, "And tomorrow?");

        JsonNode stats = http.get("/api/conversations/" + id, ALICE).json();
        assertThat(stats.get("id").asString()).isEqualTo(id);
        assertThat(stats.get("title").asString()).isEqualTo("What is the weather like?");
        assertThat(stats.get("turns").asInt()).isEqualTo(2);
        assertThat(stats.get("latenciesMs")).hasSize(2);
        assertThat(stats.get("memory").get("stateBytes").asLong()).isEqualTo(stateBytes);
        assertThat(stats.get("memory").get("segmentLength").asInt()).isPositive();

        JsonNode list = http.get("/api/conversations", ALICE).json().get("conversations");
        assertThat(list.valueStream().map(c -> c.get("id").asString())).contains(id);

        assertThat(http.delete("/api/conversations/" + id, ALICE).status()).isEqualTo(204);
        assertThat(http.get("/api/conversations/" + id, ALICE).status()).isEqualTo(404);
        assertThat(http.delete("/api/conversations/" + id, ALICE).status()).isEqualTo(404);
    }

    @Test
    void aConversationBelongsToTheKeyThatCreatedIt() {
        http.postMessage("/api/conversations/alice-only/messages", ALICE, "A secret for Alice");

        assertError(http.get("/api/conversations/alice-only", BOB), 404, "conversation_not_found");
        assertError(http.postMessage("/api/conversations/alice-only/messages", BOB, "Let me in"), 404,
                "conversation_not_found");
        assertError(http.post("/api/conversations/alice-only/messages/stream", BOB, "application/json",
                "{\"message\":\"Let me in\"}"), 404, "conversation_not_found");
        assertError(http.delete("/api/conversations/alice-only", BOB), 404, "conversation_not_found");
        JsonNode bobs = http.get("/api/conversations", BOB).json().get("conversations");
        assertThat(bobs.valueStream().map(c -> c.get("id").asString())).doesNotContain("alice-only");

        assertThat(http.get("/api/conversations/alice-only", ALICE).status()).isEqualTo(200);
        assertThat(http.get("/api/conversations", ALICE).json().get("conversations").valueStream()
                .map(c -> c.get("id").asString())).contains("alice-only");
    }

    @Test
    void withKeysConfiguredTheApiNeedsAValidKeyButInfoAndThePageStayOpen() {
        assertError(http.get("/api/conversations", null), 401, "api_key_missing");
        assertError(http.postMessage("/api/conversations/x/messages", "wrong-key", "hi"), 401, "api_key_invalid");

        Response info = http.get("/api/info", null);
        assertThat(info.status()).isEqualTo(200);
        assertThat(info.json().get("apiKeyRequired").asBoolean()).isTrue();
        assertThat(info.json().get("model").asString()).isEqualTo("stories260k");
        assertThat(info.json().get("store").asString()).startsWith("redis at ");
        assertThat(info.json().get("stateBytes").asLong()).isEqualTo(stateBytes);
        assertThat(http.get("/", null).body()).contains("<title>Infini chat</title>");
    }

    @Test
    void badInputGetsA4xxWithAClearJsonError() {
        assertError(http.postMessage("/api/conversations/bad-1/messages", ALICE, ""), 400, "message_empty");
        assertError(http.postMessage("/api/conversations/bad-1/messages", ALICE, "   \n "), 400, "message_empty");
        assertError(http.post("/api/conversations/bad-1/messages", ALICE, "application/json", "{}"), 400,
                "message_empty");
        assertError(http.postMessage("/api/conversations/bad-1/messages", ALICE, "x".repeat(501)), 413,
                "message_too_long");
        assertError(http.postMessage("/api/conversations/bad-1/messages/stream", ALICE, "x".repeat(501)), 413,
                "message_too_long");
        assertError(http.postMessage("/api/conversations/not!valid/messages", ALICE, "hi"), 400,
                "invalid_conversation_id");
        assertError(http.postMessage("/api/conversations/not%20valid/messages", ALICE, "hi"), 400, "invalid_path");
        assertError(http.postMessage("/api/conversations/" + "a".repeat(65) + "/messages", ALICE, "hi"), 400,
                "invalid_conversation_id");
        assertError(http.get("/api/conversations/..hidden", ALICE), 400, "invalid_conversation_id");
        assertError(http.post("/api/conversations/bad-1/messages", ALICE, "application/json", "{\"message\":"), 400,
                "malformed_json");
        assertError(http.post("/api/conversations/bad-1/messages", ALICE, "text/plain", "hi"), 415,
                "unsupported_media_type");
        assertError(http.get("/api/conversations/never-seen", ALICE), 404, "conversation_not_found");
        assertError(http.delete("/api/conversations/bad-1/messages", ALICE), 405, "method_not_allowed");

        // Nothing was created by the refused requests.
        assertThat(http.get("/api/conversations/bad-1", ALICE).status()).isEqualTo(404);
    }

    @Test
    void messagesAreSentAsTheyAreWrittenEvenWithTemplateCharacters() {
        Response response = http.postMessage("/api/conversations/braces/messages", ALICE,
                "Say {name} and <b>hi</b> \"quoted\" ✓");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(http.get("/api/conversations/braces", ALICE).json().get("title").asString())
                .isEqualTo("Say {name} and <b>hi</b> \"quoted\" ✓");
    }

    @Test
    void actuatorReportsEngineAndStoreHealthAndPrometheusMetrics() {
        http.postMessage("/api/conversations/metrics-1/messages", ALICE, "Count me");

        Response health = http.get("/actuator/health", null);
        assertThat(health.status()).isEqualTo(200);
        JsonNode components = health.json().get("components");
        assertThat(health.json().get("status").asString()).isEqualTo("UP");
        assertThat(components.get("infini").get("status").asString()).isEqualTo("UP");
        assertThat(components.get("infini").get("details").get("store").asString()).isEqualTo("redis");
        assertThat(components.has("redis")).as("the infini indicator covers the store").isFalse();
        assertThat(health.body()).doesNotContain("Exception", System.getProperty("user.dir"));

        Response prometheus = http.get("/actuator/prometheus", null);
        assertThat(prometheus.status()).isEqualTo(200);
        assertThat(prometheus.body()).contains("infini_sample_turn_seconds_count{", "gen_ai_client_operation_seconds",
                "gen_ai_client_token_usage_total",
                "infini_store_duration_seconds", "application=\"infini-sample\"");
        assertThat(http.get("/actuator/metrics/infini.sample.turn", null).status()).isEqualTo(200);
    }

    private static void assertError(Response response, int status, String code) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.contentType()).as(response.body()).startsWith("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("code").asString()).isEqualTo(code);
        assertThat(problem.get("detail").asString()).isNotBlank();
    }
}
