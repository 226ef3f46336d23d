package dev.infini.sample.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Makes the app run out of the box: when {@code infini.model.path} is not set it finds the default model
 * ({@code models/infini-default} in the working directory or one above it, so it works from the repository root and
 * from {@code sample-app/}), falling back to the shared test model; and it keeps the file store, which the app uses
 * when no Redis is configured ({@code infini.store.fallback=file} in {@code application.properties}), under
 * {@code ~/.infini/sample-app}. Runs after the config files are read, and only fills in what the user left unset.
 */
public class SampleDefaults implements EnvironmentPostProcessor, Ordered {

    /** The model property the starter reads. */
    public static final String MODEL_PATH = "infini.model.path";
    /** Where the starter's file store keeps its states. */
    public static final String FILE_STORE_DIR = "infini.store.directory";
    /** How the model was found: configured, default or fallback; shown at startup. */
    public static final String MODEL_SOURCE = "infini.sample.model-source";

    static final String DEFAULT_MODEL = "models/infini-default";
    static final String FALLBACK_MODEL = "shared/models/stories260k";
    static final String PROPERTY_SOURCE = "infiniSampleDefaults";

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> defaults = new LinkedHashMap<>();
        if (environment.containsProperty(MODEL_PATH)) {
            Path configured = Path.of(environment.getProperty(MODEL_PATH)).toAbsolutePath().normalize();
            if (!isModel(configured)) {
                throw new ModelNotFoundException(configured);
            }
            defaults.put(MODEL_SOURCE, "configured");
        } else {
            ModelChoice choice = findModel(Path.of("").toAbsolutePath(), System.getProperty("infini.shared.dir"));
            defaults.put(MODEL_PATH, choice.path().toString());
            defaults.put(MODEL_SOURCE, choice.source());
        }
        if (!environment.containsProperty(FILE_STORE_DIR)) {
            defaults.put(FILE_STORE_DIR, Path.of(System.getProperty("user.home"), ".infini", "sample-app", "conversations")
                    .toString());
        }
        environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE, defaults));
    }

    /** The model a start without {@code infini.model.path} uses, and whether it is the default or the fallback. */
    record ModelChoice(Path path, String source) {
    }

    /**
     * Looks for {@code models/infini-default} in {@code start} and each directory above it, then for the shared
     * stories260k model (in {@code sharedDir} if given, else {@code shared/models/stories260k} in each directory
     * above {@code start}).
     *
     * @throws ModelNotFoundException naming every place it looked
     */
    static ModelChoice findModel(Path start, String sharedDir) {
        List<Path> looked = new ArrayList<>();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(DEFAULT_MODEL);
            looked.add(candidate);
            if (isModel(candidate)) {
                return new ModelChoice(candidate, "default");
            }
        }
        if (sharedDir != null && !sharedDir.isBlank()) {
            Path candidate = Path.of(sharedDir).resolve("models/stories260k").toAbsolutePath().normalize();
            looked.add(candidate);
            if (isModel(candidate)) {
                return new ModelChoice(candidate, "fallback");
            }
        }
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(FALLBACK_MODEL);
            looked.add(candidate);
            if (isModel(candidate)) {
                return new ModelChoice(candidate, "fallback");
            }
        }
        throw new ModelNotFoundException(looked);
    }

    private static boolean isModel(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json"));
    }
}
