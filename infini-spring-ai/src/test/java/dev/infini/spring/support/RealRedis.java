package dev.infini.spring.support;

import org.junit.jupiter.api.Assertions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

import java.io.File;
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

/**
 * A real Redis for tests, never a mock: a Testcontainers {@code redis:7-alpine} when Docker is there, else a
 * {@code redis-server} process on a free port. It can be stopped and started again with its data (the process
 * writes an append-only file; the container is paused). Without either the test fails, on every machine and not
 * only under {@code CI=true}, with a message naming what is missing and how to install it: a skipped Redis test
 * would let {@code ./mvnw verify} pass without checking the store. {@link RealRedisExtension} gives a test class one
 * for all its tests.
 */
public final class RealRedis implements AutoCloseable {

    private final String host;
    private final int port;
    private final GenericContainer<?> container;
    private final Path binary;
    private final Path dir;
    private Process process;

    private RealRedis(String host, int port, GenericContainer<?> container, Path binary, Path dir) {
        this.host = host;
        this.port = port;
        this.container = container;
        this.binary = binary;
        this.dir = dir;
    }

    /** Starts a fresh Redis. */
    public static RealRedis start() {
        if (dockerAvailable()) {
            GenericContainer<?> container = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
            container.start();
            return new RealRedis(container.getHost(), container.getMappedPort(6379), container, null, null);
        }
        Path binary = requireOnPath("redis-server", "there is no Docker engine for a redis:7-alpine container");
        try {
            RealRedis redis = new RealRedis("127.0.0.1", freePort(), null, binary,
                    Files.createTempDirectory("infini-redis"));
            redis.resume();
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

    /** Stops answering (process shut down with its data saved, or container paused). */
    public void pause() {
        if (container != null) {
            container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
            return;
        }
        try {
            command("SHUTDOWN");
        } catch (IOException expected) {
            // the connection closes as the server exits
        }
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Answers again, with the data it had. */
    public void resume() {
        if (container != null) {
            container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
            return;
        }
        try {
            process = new ProcessBuilder(List.of(binary.toString(), "--port", String.valueOf(port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir",
                    dir.toString())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("could not start redis-server", e);
        }
        awaitPong(Duration.ofSeconds(20));
    }

    /** Sends one inline command and returns the first reply line, e.g. {@code +PONG} or {@code :3}. */
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

    private void awaitPong(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (process != null && !process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue());
            }
            try {
                if ("+PONG".equals(command("PING"))) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("redis-server did not answer PING within " + timeout);
    }

    @Override
    public void close() {
        if (container != null) {
            container.stop();
        } else if (process != null && process.isAlive()) {
            process.destroy();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether a Docker engine answers, so Testcontainers can start containers. */
    public static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * The executable {@code name} from the {@code PATH}, or a test failure that names it, says why it is needed and
     * how to install it. Shared with {@link RealRedisCluster}, which needs {@code redis-server} and {@code redis-cli}.
     */
    static Path requireOnPath(String name, String why) {
        String path = System.getenv("PATH");
        for (String d : (path == null ? "" : path).split(File.pathSeparator)) {
            Path candidate = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return Assertions.fail("A real Redis is required and " + name + " is not on the PATH (" + path + "), and "
                + why + ". Install it with: apt-get install -y redis-server");
    }

    /** A TCP port free on this machine now. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
