package dev.infini.sample.config;

import java.nio.file.Path;
import java.util.List;

/** The configured model folder holds no model, or none was configured and none was found where the app looks. */
public class ModelNotFoundException extends RuntimeException {

    private final List<Path> looked;
    private final boolean configured;

    /** No model was configured and none of {@code looked} holds one. */
    public ModelNotFoundException(List<Path> looked) {
        super("No model found: infini.model.path is not set and none of " + looked.size()
                + " default locations holds a model (config.json)");
        this.looked = List.copyOf(looked);
        this.configured = false;
    }

    /** {@code infini.model.path} names {@code path}, which holds no config.json. */
    public ModelNotFoundException(Path path) {
        super("infini.model.path is " + path + ", which holds no model (config.json)");
        this.looked = List.of(path);
        this.configured = true;
    }

    /** Every directory searched, in order. */
    public List<Path> looked() {
        return looked;
    }

    /** Whether the path came from {@code infini.model.path} rather than the default search. */
    public boolean configured() {
        return configured;
    }
}
