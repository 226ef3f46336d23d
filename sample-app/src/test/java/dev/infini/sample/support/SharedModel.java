package dev.infini.sample.support;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assertions;

/** The real tiny Llama the tests chat with: {@code ../shared/models/stories260k} beside the checkout. */
public final class SharedModel {

    private SharedModel() {
    }

    /** The stories260k directory, from {@code infini.shared.dir} (set by the build) or found above the working dir. */
    public static Path stories260k() {
        String shared = System.getProperty("infini.shared.dir");
        if (shared != null && Files.isRegularFile(Path.of(shared, "models/stories260k/config.json"))) {
            return Path.of(shared, "models/stories260k").toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/models/stories260k");
            if (Files.isRegularFile(candidate.resolve("config.json"))) {
                return candidate;
            }
        }
        return Assertions.fail("shared test data missing: no shared/models/stories260k beside the checkout "
                + "(set -Dinfini.shared.dir)");
    }
}
