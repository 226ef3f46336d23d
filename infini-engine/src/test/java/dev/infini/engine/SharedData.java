package dev.infini.engine;

import java.nio.file.Files;
import java.nio.file.Path;

/** Test data shared beside the checkout ({@code ../shared}), read in place, never copied into the repository. */
public final class SharedData {

    private SharedData() {
    }

    /** The shared folder: the {@code infini.shared.dir} property, or the first {@code shared} beside a parent. */
    public static Path dir() {
        String configured = System.getProperty("infini.shared.dir");
        if (configured != null && Files.isDirectory(Path.of(configured))) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("shared/models"))) {
                return p.resolve("shared");
            }
        }
        throw new IllegalStateException("shared test data not found: expected ../shared beside the checkout");
    }

    /** The stories260k checkpoint folder. */
    public static Path stories260k() {
        return dir().resolve("models/stories260k");
    }
}
