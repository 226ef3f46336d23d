package dev.infini.sample.config;

import java.nio.file.Path;
import java.util.List;

/** No model was configured and none was found where the sample app looks for one. */
public class ModelNotFoundException extends RuntimeException {

    private final List<Path> looked;

    public ModelNotFoundException(List<Path> looked) {
        super("No model found: infini.model.path is not set and none of " + looked.size()
                + " default locations holds a model (config.json)");
        this.looked = List.copyOf(looked);
    }

    /** Every directory searched, in order. */
    public List<Path> looked() {
        return looked;
    }
}
