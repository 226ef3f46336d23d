package dev.infini.engine;

/**
 * DJL looks up cloud metadata and S3 and reports usage unless told not to. The engine sets the quiet defaults
 * before DJL loads; a user who sets either property explicitly keeps their value.
 */
public final class DjlDefaults {

    private DjlDefaults() {
    }

    /** Sets {@code ai.djl.offline=true} and {@code OPT_OUT_TRACKING=true} unless already set. */
    public static void apply() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("OPT_OUT_TRACKING") == null && System.getenv("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
    }
}
