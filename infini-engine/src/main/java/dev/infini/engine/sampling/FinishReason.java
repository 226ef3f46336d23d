package dev.infini.engine.sampling;

/** Why generation ended. */
public enum FinishReason {
    /** The model produced an end-of-sequence token. */
    EOS,
    /** The text produced contained a stop string. */
    STOP_STRING,
    /** {@link GenerationOptions#maxTokens()} tokens were generated. */
    LENGTH
}
