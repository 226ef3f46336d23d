package dev.infini.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import dev.infini.sample.support.Http;
import dev.infini.spring.support.RealRedis;
import dev.infini.sample.support.RunningApp;
import dev.infini.sample.support.TurnGate;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A client that hangs up mid-stream aborts the turn: the conversation keeps the state it had before it. A
 * {@link TurnGate} holds the turn while the client hangs up, then lets a few tokens go to the closed connection (the
 * server learns of the hang-up only by writing) and holds the turn again until the cancellation reaches it, so the
 * turn cannot end normally first, however fast the model answers.
 */
class DisconnectIT {

    @Test
    void hangingUpMidStreamLeavesTheConversationAsItWas() throws Exception {
        TurnGate gate = TurnGate.holdingThenWaitingForCancel("hang-up", 5);
        try (RealRedis redis = RealRedis.start();
                RunningApp app = RunningApp.onRedis(redis, "disconnect-it:", 0,
                        Map.of("infini.sample.max-reply-tokens", 400, "infini.chat.stop", "never-produced-stop"),
                        gate)) {
            Http http = new Http(app.url(""));
            JsonNode before = http.postMessage("/api/conversations/hang-up/messages", null, "Hello").json();
            long seen = before.get("memory").get("tokensSeen").asLong();

            // A raw socket, so hanging up really closes the connection (an HTTP client may drain it for reuse).
            String body = "{\"message\":\"Tell me a very long story\"}";
            try (Socket socket = new Socket("localhost", app.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /api/conversations/hang-up/messages/stream HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: "
                        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                assertThat(reader.readLine()).isEqualTo("HTTP/1.1 200 ");
                String line;
                do {
                    line = reader.readLine();
                } while (line != null && !line.contains("event:token"));
                assertThat(line).as("a first token arrived").isNotNull();
                gate.awaitHeld();
            }
            gate.release();

            // The turn is aborted at its next token after the cancellation; until then the conversation is busy.
            await("the streamed turn cancelled and aborted").atMost(Duration.ofSeconds(60))
                    .until(() -> aborted(app, redis));
            JsonNode after = http.get("/api/conversations/hang-up", null).json();
            assertThat(after.get("turns").asInt()).isEqualTo(1);
            assertThat(after.get("memory").get("tokensSeen").asLong()).isEqualTo(seen);

            JsonNode next = http.postMessage("/api/conversations/hang-up/messages", null, "Are you there?").json();
            assertThat(next.get("memory").get("tokensSeen").asLong()).isGreaterThan(seen);
        }
    }

    /** Whether the app recorded a cancelled stream, and the aborted turn let go of the conversation's lock. */
    private static boolean aborted(RunningApp app, RealRedis redis) throws java.io.IOException {
        String prometheus = new Http(app.url("")).get("/actuator/prometheus", null).body();
        return prometheus.lines().anyMatch(l -> l.startsWith("infini_sample_turn_seconds_count")
                && l.contains("outcome=\"cancelled\""))
                && ":0".equals(redis.command("EXISTS disconnect-it:lock:hang-up"));
    }
}
