package dev.infini.tools.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Turn latency as a user of a running sample app sees it (issue 15, item 4): conversations created and chatted
 * through its REST API, one turn at a time, each turn's wall time measured at the client (request to full reply)
 * beside the latency the server reports for it. The app is started separately, with whatever switches are compared
 * (for example {@code -Dinfini.kernels.decode=torch} against the default Java decode step).
 */
public final class AppBench {

    /** Ordinary things people say, cycled through the turns. */
    private static final String[] MESSAGES = {
            "Hi there! How are you today?",
            "I went for a long walk by the river this morning.",
            "What do you like to do when it rains?",
            "My sister is visiting next week and I need to tidy the house.",
            "Can you tell me a short story about a cat?",
            "I had pancakes for breakfast, with a little honey.",
            "The train was late again, so I read my book on the platform.",
            "Do you think it will be sunny tomorrow?",
            "We are planting tomatoes and beans in the garden this spring.",
            "Thank you for chatting with me, it was nice.",
    };

    private AppBench() {
    }

    /**
     * Chats through the app and times every turn; each conversation is deleted again at the end.
     *
     * @param url           the app's base URL, e.g. {@code http://localhost:8080}
     * @param apiKey        sent in {@code X-API-Key} when the app requires keys; null for none
     * @param label         what is measured (e.g. the app's switches), recorded as is; may be null
     * @param conversations conversations, one after another
     * @param turns         turns in each; the first turn of each conversation is a warm-up and not counted
     * @param o             the benchmark's shared options (its log)
     * @return the app's info, client and server latency summaries and every counted turn
     * @throws IOException if the app does not answer or answers a request with an error
     */
    public static JsonObject run(String url, String apiKey, String label, int conversations, int turns,
                                 BenchOptions o) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String base = url.replaceAll("/+$", "");
        JsonObject info = JsonParser.parseString(send(http, get(base + "/api/info", apiKey))).getAsJsonObject();
        int counted = conversations * (turns - 1);
        double[] client = new double[counted];
        double[] server = new double[counted];
        double[] replyTokens = new double[counted];
        int k = 0;
        for (int c = 0; c < conversations; c++) {
            String id = JsonParser.parseString(send(http, post(base + "/api/conversations", apiKey, "")))
                    .getAsJsonObject().get("id").getAsString();
            try {
                k = chat(http, base, apiKey, id, c, turns, client, server, replyTokens, k);
            } finally { // leave the app's store as it was
                send(http, request(base + "/api/conversations/" + id, apiKey).DELETE().build());
            }
            o.log().printf("app: conversation %d of %d done%n", c + 1, conversations);
        }
        JsonObject result = new JsonObject();
        result.addProperty("url", base);
        if (label != null) {
            result.addProperty("label", label);
        }
        result.add("info", info);
        result.addProperty("turns_counted", counted);
        result.add("client_ms", Stats.summary(client));
        result.add("server_ms", Stats.summary(server));
        result.addProperty("reply_tokens_mean", Stats.round(Stats.mean(replyTokens)));
        JsonArray perTurn = new JsonArray();
        for (int i = 0; i < counted; i++) {
            JsonObject row = new JsonObject();
            row.addProperty("client_ms", Stats.round(client[i]));
            row.addProperty("server_ms", server[i]);
            row.addProperty("reply_tokens", (int) replyTokens[i]);
            perTurn.add(row);
        }
        result.add("per_turn", perTurn);
        o.log().printf("app: client %s, server %s%n", result.get("client_ms"), result.get("server_ms"));
        return result;
    }

    /** The turns of one conversation; counted turns go to the arrays from index {@code k}, which it returns moved on. */
    private static int chat(HttpClient http, String base, String apiKey, String id, int c, int turns, double[] client,
                            double[] server, double[] replyTokens, int k) throws IOException, InterruptedException {
        for (int t = 0; t < turns; t++) {
            JsonObject body = new JsonObject();
            body.addProperty("message", MESSAGES[(c + t) % MESSAGES.length]);
            long start = System.nanoTime();
            JsonObject reply = JsonParser.parseString(send(http, post(base + "/api/conversations/" + id
                    + "/messages", apiKey, body.toString()))).getAsJsonObject();
            double ms = Stats.millisSince(start);
            if (t == 0) {
                continue;
            }
            client[k] = ms;
            server[k] = reply.get("latencyMs").getAsDouble();
            replyTokens[k] = reply.getAsJsonObject("usage").get("completionTokens").getAsDouble();
            k++;
        }
        return k;
    }

    private static HttpRequest get(String url, String apiKey) {
        return request(url, apiKey).GET().build();
    }

    private static HttpRequest post(String url, String apiKey, String json) {
        return request(url, apiKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }

    private static HttpRequest.Builder request(String url, String apiKey) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5))
                .header("Accept", "application/json");
        return apiKey == null ? b : b.header("X-API-Key", apiKey);
    }

    private static String send(HttpClient http, HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IOException("nothing answers at " + request.uri() + ": start the sample app first (README: "
                    + "./mvnw -pl sample-app -am spring-boot:run) and pass its address with --url", e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new IOException(request.method() + " " + request.uri() + " answered " + response.statusCode()
                    + ": " + response.body());
        }
        return response.body();
    }
}
