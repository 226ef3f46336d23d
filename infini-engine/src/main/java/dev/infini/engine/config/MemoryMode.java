package dev.infini.engine.config;

/**
 * Whether the compressive memory takes part in attention. {@link #ON} is the model as trained; the other two are
 * the controls of the passkey evaluation, and {@link #OFF} is also what a checkpoint without gates runs with.
 */
public enum MemoryMode {
    /** A = sigmoid(β)·A_mem + (1 − sigmoid(β))·A_dot, eq. (6). */
    ON,
    /** A = A_dot: pure segment-local attention, nothing is folded into memory. */
    OFF,
    /** The gate stays but reads an empty memory: A = (1 − sigmoid(β))·A_dot. */
    ZEROED
}
