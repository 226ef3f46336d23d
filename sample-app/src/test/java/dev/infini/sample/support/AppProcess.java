package dev.infini.sample.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.infini.spring.support.RealRedis;

/**
 * The packaged sample app ({@code target/sample-app-*.jar}, built by {@code package} before the integration tests)
 * in a JVM of its own, on the stories260k model and a real Redis: an instance that can be killed with SIGKILL.
 */
public final class AppProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    private AppProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts the app and waits until its health is UP. */
    public static AppProcess start(RealRedis redis, String keyPrefix, Map<String, Object> extra) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"), "-Dai.djl.offline=true",
                "-jar", jar().toString(),
                "--server.port=" + port,
                "--infini.model.path=" + SharedModel.stories260k(),
                "--infini.model.threads=1",
                "--spring.data.redis.host=" + redis.host(),
                "--spring.data.redis.port=" + redis.port(),
                "--infini.store.key-prefix=" + keyPrefix));
        extra.forEach((k, v) -> command.add("--" + k + "=" + v));
        Path log = Files.createTempFile("sample-app-process-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("OPT_OUT_TRACKING", "true");
        AppProcess app = new AppProcess(builder.start(), port, log);
        app.awaitHealthy(Duration.ofMinutes(3));
        return app;
    }

    private static Path jar() throws IOException {
        try (var files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().matches("sample-app-.*\\.jar"))
                    .filter(p -> !p.getFileName().toString().endsWith("-plain.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no packaged sample app in target/: run the"
                            + " integration tests through Maven's verify, which packages it first"));
        }
    }

    private void awaitHealthy(Duration timeout) throws Exception {
        Http http = new Http(url(""));
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the app exited with " + process.exitValue() + "; log: "
                        + Files.readString(log));
            }
            try {
                if (http.get("/actuator/health", null).body().contains("\"status\":\"UP\"")) {
                    return;
                }
            } catch (IllegalStateException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the app was not healthy after " + timeout + "; log: " + Files.readString(log));
    }

    public String url(String path) {
        return "http://localhost:" + port + path;
    }

    /** SIGKILL: no shutdown hook runs, no lock is released. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            process.waitFor();
        }
        Files.deleteIfExists(log);
    }
}
