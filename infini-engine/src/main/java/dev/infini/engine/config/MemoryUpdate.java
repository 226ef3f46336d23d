package dev.infini.engine.config;

/** How a segment is folded into the compressive memory (paper, section 2.1.2). */
public enum MemoryUpdate {
    /** Eq. (4): M_s = M_{s-1} + σ(K)ᵀV. */
    LINEAR,
    /** Eq. (5): M_s = M_{s-1} + σ(K)ᵀ(V − σ(K)M_{s-1} / σ(K)z_{s-1}). */
    DELTA;

    /** Parses the config.json spelling ("linear" | "delta"). */
    public static MemoryUpdate parse(String value) {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "linear" -> LINEAR;
            case "delta" -> DELTA;
            default -> throw new IllegalArgumentException("memory_update must be \"linear\" or \"delta\", got \"" + value + "\"");
        };
    }

    /** The config.json spelling. */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
