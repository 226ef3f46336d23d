package dev.infini.spring.support;

import java.nio.file.Files;
import java.nio.file.Path;

/** The read-only test checkpoints in {@code ../shared} beside the checkout. */
public final class SharedModels {

    private SharedModels() {
    }

    /** {@code shared/models/stories260k}: a real pretrained Llama (TinyStories 260K). */
    public static Path stories260k() {
        return models().resolve("stories260k");
    }

    private static Path models() {
        String configured = System.getProperty("infini.shared.dir");
        if (configured != null && Files.isDirectory(Path.of(configured, "models"))) {
            return Path.of(configured, "models").toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared/models");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("shared/models not found: set -Dinfini.shared.dir");
    }
}
