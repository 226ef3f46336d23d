package dev.infini.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.infini.sample.support.Http;
import dev.infini.sample.support.RawHttp;
import dev.infini.sample.support.RunningApp;
import dev.infini.spring.support.RealRedis;
import dev.infini.spring.support.RealRedisExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The requests a hostile tester sent, byte for byte over a socket, against the app with API keys on a real Redis:
 * no spelling of a path gets past the key check, Tomcat's own refusals and TRACE answer problems, and input that
 * only looks like text is refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileRequestsIT {

    private static final String KA = "ka-key-0123456789";
    private static final String KB = "kb-key-9876543210";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @RealRedisExtension.PerClass
    private static RealRedis redis;
    private RunningApp app;
    private String prefix;

    @BeforeAll
    void start() {
        prefix = "hostile-" + UUID.randomUUID() + ":";
        app = RunningApp.onRedis(redis, prefix, 0, Map.of("infini.sample.api-keys", KA + "," + KB));
        Http http = new Http(app.url(""));
        assertThat(http.postMessage("/api/conversations/own1/messages", KA, "Hello").status()).isEqualTo(200);
        assertThat(http.postMessage("/api/conversations/own2/messages", KB, "Hello").status()).isEqualTo(200);
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    private RawHttp.Response raw(String method, String target, String key, String body) throws Exception {
        return RawHttp.send(app.port(), method, target, key, body);
    }

    @Test
    void noSpellingOfAnApiPathGetsPastTheKeyCheck() throws Exception {
        String before = redis.command("HGET " + prefix + "c:own1 v");
        List<String[]> attempts = List.of(
                new String[] {"GET", "/api;x=1/conversations"},
                new String[] {"GET", "/%61pi/conversations"},
                new String[] {"GET", "/api/conversations;x=1"},
                new String[] {"GET", "/api//conversations"},
                new String[] {"GET", "/api/./conversations"},
                new String[] {"GET", "/x/../api/conversations"},
                new String[] {"GET", "/api/conversations/"},
                new String[] {"GET", "/API/conversations"},
                new String[] {"POST", "/api;x=1/conversations/own1/messages"},
                new String[] {"POST", "/%61pi/conversations/own1/messages/stream"},
                new String[] {"DELETE", "/api;/conversations/own2"},
                new String[] {"POST", "/api;/conversations"});
        for (String[] attempt : attempts) {
            RawHttp.Response response = raw(attempt[0], attempt[1], null, "{\"message\":\"let me in\"}");
            assertThat(response.status()).as(attempt[0] + " " + attempt[1] + ": " + response.body())
                    .isIn(400, 401, 404);
            assertThat(response.header("Content-Type")).as(attempt[1]).startsWith("application/problem+json");
            assertThat(response.body()).as(attempt[1]).doesNotContain("own1", "own2\"");
        }
        assertThat(redis.command("HGET " + prefix + "c:own1 v")).as("no turn was taken").isEqualTo(before);
        assertThat(redis.command("EXISTS " + prefix + "c:own2")).as("nothing was deleted").isEqualTo(":1");
        assertThat(raw("GET", "/api/conversations", KA, null).status()).isEqualTo(200);
    }

    @Test
    void tomcatsOwnRefusalsAndTraceAnswerProblems() throws Exception {
        for (String target : List.of("/api/conversations/a%2Fb", "/api/conversations/a%5Cb",
                "/api/conversations/a%00b", "/api/conversations/%ZZ", "/api/" + "a".repeat(10_050))) {
            RawHttp.Response response = raw("GET", target, KA, null);
            assertThat(response.status()).as(target.substring(0, Math.min(40, target.length()))).isEqualTo(400);
            assertThat(response.header("Content-Type")).startsWith("application/problem+json");
            JsonNode problem = JSON.readTree(response.body());
            assertThat(problem.get("status").asInt()).isEqualTo(400);
            assertThat(problem.get("code").asString()).isNotBlank();
        }
        RawHttp.Response trace = raw("TRACE", "/api/conversations", KA, null);
        assertThat(trace.status()).isEqualTo(405);
        assertThat(trace.header("Content-Type")).startsWith("application/problem+json");
        assertThat(trace.header("Allow")).contains("GET", "POST").doesNotContain("PUT", "TRACE");
        assertThat(trace.body()).doesNotContain("X-API-Key: " + KA);
    }

    @Test
    void messagesThatOnlyLookLikeTextAreRefused() throws Exception {
        for (String body : List.of("{\"message\":\"\\u00a0\\u00a0\"}", "{\"message\":\"\\u200b\\u2060\\ufeff\"}",
                "{\"message\":\" \\u3000\\t\"}", "{\"message\":123}", "{\"message\":true}", "{\"message\":1.5}")) {
            RawHttp.Response response = raw("POST", "/api/conversations/own1/messages", KA, body);
            assertThat(response.status()).as(body).isEqualTo(400);
            assertThat(JSON.readTree(response.body()).get("code").asString()).as(body)
                    .isIn("message_empty", "malformed_json");
        }
    }
}
