package dev.infini.engine.model;

/** Counts the native arrays a model owns, for the leak tests of other packages. */
public final class LiveArrays {

    private LiveArrays() {
    }

    /**
     * The arrays alive under the model's manager, every conversation state's included: a probe state is opened to
     * reach the manager, so the count includes the probe's own M and z, the same number every time.
     */
    public static int under(InfiniModel model) {
        try (ModelState probe = model.newState()) {
            return probe.manager().getParentManager().getManagedArrays().size();
        }
    }
}
