package dev.infini.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import dev.infini.sample.support.Http;
import dev.infini.sample.support.Http.Event;
import dev.infini.sample.support.Http.Response;
import dev.infini.spring.support.RealRedis;
import dev.infini.sample.support.RunningApp;
import dev.infini.sample.support.TurnGate;
import org.junit.jupiter.api.Test;

/**
 * A message to a conversation that is still answering another one waits for it up to the lock timeout, then gets
 * 409 (or, when streaming, an {@code error} event), and the running turn is not disturbed. The running turn is held
 * by a {@link TurnGate} until both have been refused, so it is still running whatever the machine's speed.
 */
class BusyConversationIT {

    @Test
    void aSecondMessageWhileTheFirstIsAnsweredGets409OrAnErrorEvent() throws Exception {
        TurnGate gate = TurnGate.holding("busy");
        try (RealRedis redis = RealRedis.start();
                RunningApp app = RunningApp.onRedis(redis, "busy-it:", 0, Map.of(
                        "infini.sample.max-reply-tokens", 400, "infini.chat.stop", "never-produced-stop",
                        "infini.conversation.lock-timeout", "300ms"), gate)) {
            Http http = new Http(app.url(""));
            HttpRequest longTurn = HttpRequest.newBuilder(URI.create(app.url("/api/conversations/busy/messages/stream")))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"Tell me a very long story\"}")).build();
            HttpResponse<InputStream> running = HttpClient.newHttpClient().send(longTurn,
                    HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader first = new BufferedReader(new InputStreamReader(running.body(),
                    StandardCharsets.UTF_8))) {
                assertThat(first.readLine()).as("the long turn is under way").isEqualTo("event:token");
                gate.awaitHeld();

                Response plain = http.postMessage("/api/conversations/busy/messages", null, "Me too");
                assertThat(plain.status()).as(plain.body()).isEqualTo(409);
                assertThat(plain.contentType()).startsWith("application/problem+json");
                assertThat(plain.json().get("code").asString()).isEqualTo("conversation_busy");

                Response streamed = http.postMessage("/api/conversations/busy/messages/stream", null, "Me too");
                assertThat(streamed.status()).isEqualTo(200);
                List<Event> events = streamed.events();
                assertThat(events).extracting(Event::name).containsExactly("error");
                assertThat(events.get(0).data().get("code").asString()).isEqualTo("conversation_busy");
                assertThat(events.get(0).data().get("status").asInt()).isEqualTo(409);

                gate.release();
                String rest = first.lines().reduce("", (a, b) -> a + b + "\n");
                assertThat(rest).as("the long turn finished normally").contains("event:done");
            }
            assertThat(http.get("/api/conversations/busy", null).json().get("turns").asInt()).isEqualTo(1);
        }
    }
}
