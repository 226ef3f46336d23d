package demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.infini.spring.InfiniConversations;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** The README's application, started as a user starts it, over real HTTP. */
class ReadmeAppTest {

    private static final String MODEL = "--infini.model.path=" + System.getProperty("infini.model.path");

    private static ConfigurableApplicationContext start(String... more) {
        String[] args = new String[more.length + 2];
        args[0] = "--server.port=0";
        args[1] = MODEL;
        System.arraycopy(more, 0, args, 2, more.length);
        return new SpringApplicationBuilder(DemoApplication.class).run(args);
    }

    private static String say(ConfigurableApplicationContext app, String id, String message) throws Exception {
        String port = app.getEnvironment().getProperty("local.server.port");
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/chat/" + id))
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(message)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    @Test
    void theReadmeControllerRemembersAcrossTurns() throws Exception {
        try (ConfigurableApplicationContext app = start()) {
            InfiniConversations conversations = app.getBean(InfiniConversations.class);
            assertThat(conversations.store().name()).as("no Redis configured").isEqualTo("memory");
            say(app, "lucy", "Hi! My name is Lucy.");
            long first = conversations.stats("lucy").orElseThrow().tokensSeen();
            say(app, "lucy", "What is my name?");
            var stats = conversations.stats("lucy").orElseThrow();
            assertThat(stats.version()).isEqualTo(2);
            assertThat(stats.tokensSeen()).isGreaterThan(first);
        }
    }

    @Test
    void withRedisTheConversationSurvivesARestart() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path dir = Files.createTempDirectory("readme-redis");
        Process redis = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--save", "",
                "--dir", dir.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile())
                .start();
        try {
            String[] redisSettings = {"--spring.data.redis.host=localhost", "--spring.data.redis.port=" + port};
            long before;
            try (ConfigurableApplicationContext app = startWhenRedisAnswers(redisSettings)) {
                assertThat(app.getBean(InfiniConversations.class).store().name()).isEqualTo("redis");
                say(app, "ben", "Hi! My name is Ben.");
                before = app.getBean(InfiniConversations.class).stats("ben").orElseThrow().tokensSeen();
            }
            try (ConfigurableApplicationContext app = start(redisSettings)) {
                InfiniConversations conversations = app.getBean(InfiniConversations.class);
                assertThat(conversations.stats("ben").orElseThrow().tokensSeen()).isEqualTo(before);
                say(app, "ben", "What is my name?");
                assertThat(conversations.stats("ben").orElseThrow().version()).isEqualTo(2);
                assertThat(conversations.stats("ben").orElseThrow().tokensSeen()).isGreaterThan(before);
            }
        } finally {
            redis.destroy();
            redis.waitFor();
        }
    }

    private static ConfigurableApplicationContext startWhenRedisAnswers(String[] redisSettings) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try (java.net.Socket probe = new java.net.Socket("localhost",
                    Integer.parseInt(redisSettings[1].substring(redisSettings[1].indexOf('=') + 1)))) {
                return start(redisSettings);
            } catch (java.net.ConnectException notYet) {
                if (attempt > 100) {
                    throw notYet;
                }
                Thread.sleep(100);
            }
        }
    }
}
