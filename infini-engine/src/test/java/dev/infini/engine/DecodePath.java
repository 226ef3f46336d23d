package dev.infini.engine;

import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.kernels.VectorKernels;
import dev.infini.engine.model.InfiniModel;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two ways a decode step runs ({@value VectorKernels#DECODE_PROPERTY}): Java loops over the weights in place, or
 * PyTorch ops as prefill. Loads a model on one of them and checks that it took it, so a silent fallback fails.
 */
public enum DecodePath {
    JAVA("java"),
    TORCH("torch");

    private final String property;

    DecodePath(String property) {
        this.property = property;
    }

    /** Loads a model (on the CPU) whose decode steps run this way. */
    public InfiniModel load(Path dir, EngineOptions options) {
        String previous = System.setProperty(VectorKernels.DECODE_PROPERTY, property);
        try {
            InfiniModel model = InfiniModel.load(dir, options.mutate().device("cpu").build());
            assertThat(model.decodesInJava()).as("decodes in Java").isEqualTo(this == JAVA);
            return model;
        } finally {
            if (previous == null) {
                System.clearProperty(VectorKernels.DECODE_PROPERTY);
            } else {
                System.setProperty(VectorKernels.DECODE_PROPERTY, previous);
            }
        }
    }
}
