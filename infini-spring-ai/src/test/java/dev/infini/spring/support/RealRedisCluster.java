package dev.infini.spring.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real three-primary Redis Cluster of {@code redis-server} processes on free ports, joined with
 * {@code redis-cli --cluster create}. Needs both binaries on the {@code PATH}; without them the test fails with a
 * message naming the missing one and how to install it, on every machine (a skipped cluster test would let
 * {@code ./mvnw verify} pass without checking the cluster path).
 */
public final class RealRedisCluster implements AutoCloseable {

    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();

    private RealRedisCluster() {
    }

    /** Starts the cluster and waits until it serves every slot. */
    public static RealRedisCluster start() throws IOException, InterruptedException {
        String why = "the Redis Cluster test spawns its nodes as processes";
        Path server = RealRedis.requireOnPath("redis-server", why);
        Path cli = RealRedis.requireOnPath("redis-cli", why);
        RealRedisCluster cluster = new RealRedisCluster();
        try {
            Path dir = Files.createTempDirectory("infini-redis-cluster");
            for (int i = 0; i < 3; i++) {
                int port = freePort();
                Path nodeDir = Files.createDirectories(dir.resolve("n" + port));
                cluster.ports.add(port);
                cluster.processes.add(new ProcessBuilder(server.toString(), "--port", String.valueOf(port),
                        "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--save", "", "--appendonly", "no", "--dir", nodeDir.toString())
                        .redirectErrorStream(true).redirectOutput(nodeDir.resolve("redis.log").toFile()).start());
            }
            for (int port : cluster.ports) {
                awaitReply(cli, port, "PING", "PONG");
            }
            List<String> create = new ArrayList<>(List.of(cli.toString(), "--cluster", "create"));
            cluster.ports.forEach(p -> create.add("127.0.0.1:" + p));
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            Process join = new ProcessBuilder(create).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("create.log").toFile()).start();
            if (!join.waitFor(60, TimeUnit.SECONDS) || join.exitValue() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed: "
                        + Files.readString(dir.resolve("create.log")));
            }
            for (int port : cluster.ports) {
                awaitReply(cli, port, "CLUSTER INFO", "cluster_state:ok");
            }
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** {@code host:port} of every node. */
    public List<String> nodes() {
        return ports.stream().map(p -> "127.0.0.1:" + p).toList();
    }

    private static void awaitReply(Path cli, int port, String command, String expected)
            throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 200; attempt++) {
            List<String> args = new ArrayList<>(List.of(cli.toString(), "-p", String.valueOf(port)));
            args.addAll(List.of(command.split(" ")));
            Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            if (out.contains(expected)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("redis node " + port + " never answered " + command + " with " + expected);
    }

    private static int freePort() throws IOException {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0)) {
                int port = socket.getLocalPort();
                // the cluster bus listens on port + 10000
                if (port + 10000 <= 65535) {
                    return port;
                }
            }
        }
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
