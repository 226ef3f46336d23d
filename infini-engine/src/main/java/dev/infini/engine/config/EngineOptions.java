package dev.infini.engine.config;

import java.util.Locale;

/**
 * How a checkpoint is run: which device, and the infini settings a checkpoint may lack or a user may override.
 * Immutable; build with {@link #builder()}.
 *
 * @param device        {@code cpu}, {@code gpu} or {@code auto} (GPU when DJL sees one)
 * @param segmentLength N to use instead of config.json's, or 0 to keep it (and 2048 for a plain checkpoint)
 * @param memoryUpdate  update rule to use instead of config.json's, or null to keep it
 * @param gateInit      β for every head of a checkpoint without {@code memory_gate} tensors; null keeps the memory
 *                      off for such a checkpoint
 * @param memoryMode    whether the memory takes part (ON), is switched off or reads as empty (the two controls)
 * @param decodeWeights how the Java decode step holds the weights; null takes the system property
 *                      {@code infini.kernels.weights}, else {@link WeightFormat#F32}
 */
public record EngineOptions(String device, int segmentLength, MemoryUpdate memoryUpdate, Float gateInit,
                            MemoryMode memoryMode, WeightFormat decodeWeights) {

    /** Segment length used for a plain checkpoint when none is configured. */
    public static final int DEFAULT_SEGMENT_LENGTH = 2048;

    public EngineOptions {
        device = device == null ? "auto" : device.toLowerCase(Locale.ROOT);
        if (!device.equals("cpu") && !device.equals("gpu") && !device.equals("auto")) {
            throw new IllegalArgumentException("device must be cpu, gpu or auto, got \"" + device + "\"");
        }
        if (segmentLength < 0) {
            throw new IllegalArgumentException("segmentLength must be positive (0 keeps the checkpoint's), got " + segmentLength);
        }
        memoryMode = memoryMode == null ? MemoryMode.ON : memoryMode;
    }

    /** The defaults: auto device, the checkpoint's own infini settings. */
    public static EngineOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these options. */
    public Builder mutate() {
        return new Builder().device(device).segmentLength(segmentLength).memoryUpdate(memoryUpdate)
                .gateInit(gateInit).memoryMode(memoryMode).decodeWeights(decodeWeights);
    }

    /** Builder of {@link EngineOptions}. */
    public static final class Builder {
        private String device = "auto";
        private int segmentLength;
        private MemoryUpdate memoryUpdate;
        private Float gateInit;
        private MemoryMode memoryMode = MemoryMode.ON;
        private WeightFormat decodeWeights;

        private Builder() {
        }

        public Builder device(String device) {
            this.device = device;
            return this;
        }

        public Builder segmentLength(int segmentLength) {
            this.segmentLength = segmentLength;
            return this;
        }

        public Builder memoryUpdate(MemoryUpdate memoryUpdate) {
            this.memoryUpdate = memoryUpdate;
            return this;
        }

        public Builder gateInit(Float gateInit) {
            this.gateInit = gateInit;
            return this;
        }

        public Builder memoryMode(MemoryMode memoryMode) {
            this.memoryMode = memoryMode;
            return this;
        }

        /**
         * How the Java decode step holds the weights: F32 (exact), BF16 (fastest on small models), F16 or Q8_0;
         * null takes the system property {@code infini.kernels.weights}, else F32.
         */
        public Builder decodeWeights(WeightFormat decodeWeights) {
            this.decodeWeights = decodeWeights;
            return this;
        }

        public EngineOptions build() {
            return new EngineOptions(device, segmentLength, memoryUpdate, gateInit, memoryMode, decodeWeights);
        }
    }
}
