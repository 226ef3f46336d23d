package dev.infini.tools.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} spawned on a free local port for the length of a benchmark, with persistence off (the
 * benchmark measures the network and the store, not the disk), and one Lettuce connection to it: the client the
 * starter uses through Spring Data Redis. Lettuce connections are thread-safe and shared, as Spring shares them.
 */
public final class RedisServer implements AutoCloseable {

    private final Process process;
    private final Path dir;
    private final int port;
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final RedisCommands<byte[], byte[]> commands;

    private RedisServer(String executable) throws IOException, InterruptedException {
        this.port = freePort();
        this.dir = Files.createTempDirectory("infini-bench-redis");
        try {
            this.process = new ProcessBuilder(List.of(executable, "--port", String.valueOf(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--loglevel", "warning"))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        } catch (IOException e) {
            throw new IOException("cannot start " + executable + " (install it: apt-get install -y redis-server, or "
                    + "pass --redis-server PATH): " + e.getMessage(), e);
        }
        RedisClient c = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port)
                .withTimeout(Duration.ofSeconds(60)).build());
        StatefulRedisConnection<byte[], byte[]> conn = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (conn == null) {
            try {
                conn = c.connect(ByteArrayCodec.INSTANCE);
            } catch (RuntimeException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    c.shutdown();
                    process.destroyForcibly();
                    throw new IOException("redis-server did not come up on port " + port + ": "
                            + Files.readString(dir.resolve("redis.log"), StandardCharsets.UTF_8), e);
                }
                Thread.sleep(50);
            }
        }
        this.client = c;
        this.connection = conn;
        this.commands = conn.sync();
    }

    /** Starts {@code executable} (e.g. {@code redis-server}) and connects to it. */
    public static RedisServer start(String executable) throws IOException, InterruptedException {
        return new RedisServer(executable);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** SET key blob. */
    public void save(String key, byte[] blob) {
        commands.set(key.getBytes(StandardCharsets.UTF_8), blob);
    }

    /** GET key; null when absent. */
    public byte[] load(String key) {
        return commands.get(key.getBytes(StandardCharsets.UTF_8));
    }

    /** The server's version, for the report. */
    public String version() {
        String info = commands.info("server");
        return info.lines().filter(l -> l.startsWith("redis_version:")).map(l -> l.substring(14).trim())
                .findFirst().orElse("unknown");
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // a leftover temp folder is harmless; the server itself is gone
        }
    }
}
