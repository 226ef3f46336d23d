package dev.infini.sample.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP client for the API tests: real requests over the socket, JSON bodies parsed with Jackson. */
public final class Http {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;

    public Http(String base) {
        this.base = base;
    }

    /** A response: status, content type and body (parsed as JSON when it is JSON). */
    public record Response(int status, String contentType, String body) {

        public JsonNode json() {
            return JSON.readTree(body);
        }

        /** The Server-Sent Events of a {@code text/event-stream} body, in order. */
        public List<Event> events() {
            List<Event> events = new ArrayList<>();
            for (String block : body.replace("\r\n", "\n").split("\n\n")) {
                String name = "message";
                StringBuilder data = new StringBuilder();
                for (String line : block.split("\n")) {
                    if (line.startsWith("event:")) {
                        name = line.substring(6).strip();
                    } else if (line.startsWith("data:")) {
                        data.append(data.isEmpty() ? "" : "\n").append(line.substring(5).replaceFirst("^ ", ""));
                    }
                }
                if (!data.isEmpty()) {
                    events.add(new Event(name, JSON.readTree(data.toString())));
                }
            }
            return events;
        }
    }

    public record Event(String name, JsonNode data) {
    }

    public Response get(String path, String apiKey) {
        return send(builder(path, apiKey).GET());
    }

    public Response delete(String path, String apiKey) {
        return send(builder(path, apiKey).DELETE());
    }

    public Response post(String path, String apiKey, String contentType, String body) {
        HttpRequest.Builder b = builder(path, apiKey).POST(body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return send(b);
    }

    /** Posts {@code {"message": text}} as JSON. */
    public Response postMessage(String path, String apiKey, String text) {
        return post(path, apiKey, "application/json", JSON.writeValueAsString(java.util.Map.of("message", text)));
    }

    private HttpRequest.Builder builder(String path, String apiKey) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(2));
        if (apiKey != null) {
            b.header("X-API-Key", apiKey);
        }
        return b;
    }

    private Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
