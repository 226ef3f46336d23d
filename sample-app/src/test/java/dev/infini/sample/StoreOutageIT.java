package dev.infini.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import dev.infini.sample.support.Http;
import dev.infini.sample.support.Http.Response;
import dev.infini.spring.support.RealRedis;
import dev.infini.sample.support.RunningApp;
import org.junit.jupiter.api.Test;

/** When Redis goes away the API answers 503 with a clear problem and health turns DOWN, instead of hanging. */
class StoreOutageIT {

    @Test
    void aLostRedisMakesTheApiAnswer503AndHealthDown() throws Exception {
        RealRedis redis = RealRedis.start();
        try (RunningApp app = RunningApp.onRedis(redis, "outage-it:", 0, Map.of("spring.data.redis.timeout", "2s",
                "spring.data.redis.connect-timeout", "2s"))) {
            Http http = new Http(app.url(""));
            assertThat(http.postMessage("/api/conversations/kept/messages", null, "Hello").status()).isEqualTo(200);

            redis.close();

            Response list = http.get("/api/conversations", null);
            assertThat(list.status()).as(list.body()).isEqualTo(503);
            assertThat(list.contentType()).startsWith("application/problem+json");
            assertThat(list.json().get("code").asString()).isEqualTo("store_unavailable");
            Response send = http.postMessage("/api/conversations/kept/messages", null, "Still there?");
            assertThat(send.status()).as(send.body()).isEqualTo(503);
            Response health = http.get("/actuator/health", null);
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.json().get("components").get("infini").get("status").asString()).isEqualTo("DOWN");
            assertThat(health.body()).as("no exception names or paths in public details")
                    .doesNotContain("Exception", "dev.infini", "io.lettuce", System.getProperty("user.dir"));
        } finally {
            redis.close();
        }
    }
}
