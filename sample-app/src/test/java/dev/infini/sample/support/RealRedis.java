package dev.infini.sample.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * A real Redis for tests: a Testcontainers {@code redis:7-alpine} when Docker is there, else a {@code redis-server}
 * process on a free port. Neither is mocked. Without either the test is skipped with the reason shown, except under
 * {@code CI=true}, where it fails.
 */
public final class RealRedis implements AutoCloseable {

    private final String host;
    private final int port;
    private final AutoCloseable resource;

    private RealRedis(String host, int port, AutoCloseable resource) {
        this.host = host;
        this.port = port;
        this.resource = resource;
    }

    public static RealRedis start() {
        if (dockerAvailable()) {
            GenericContainer<?> container = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
            container.start();
            return new RealRedis(container.getHost(), container.getMappedPort(6379), container::stop);
        }
        Path binary = findOnPath("redis-server");
        if (binary == null) {
            String reason = "no Docker and no redis-server on PATH (apt-get install -y redis-server)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail("A real Redis is required under CI: " + reason);
            }
            Assumptions.abort("Skipped, needs a real Redis: " + reason);
        }
        try {
            int port = freePort();
            Path dir = Files.createTempDirectory("infini-redis");
            Process process = new ProcessBuilder(List.of(binary.toString(), "--port", String.valueOf(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
            RealRedis redis = new RealRedis("127.0.0.1", port, () -> {
                process.destroy();
                process.waitFor();
            });
            redis.awaitPong(Duration.ofSeconds(20), process);
            return redis;
        } catch (IOException e) {
            throw new IllegalStateException("could not start redis-server", e);
        }
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** Sends one command (inline protocol) and returns the first reply line, e.g. {@code +PONG} or {@code :3}. */
    public String command(String command) throws IOException {
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int b; (b = in.read()) != -1 && b != '\n'; ) {
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }
    }

    private void awaitPong(Duration timeout, Process process) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue());
            }
            try {
                if ("+PONG".equals(command("PING"))) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            sleep(50);
        }
        throw new IllegalStateException("redis-server did not answer PING within " + timeout);
    }

    @Override
    public void close() throws Exception {
        resource.close();
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    static Path findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
