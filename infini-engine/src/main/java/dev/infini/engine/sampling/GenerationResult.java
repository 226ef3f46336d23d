package dev.infini.engine.sampling;

/**
 * What one generation produced.
 *
 * @param tokenIds     the generated ids, in order (all appended to the session)
 * @param text         their text, without the stop string or end-of-sequence token
 * @param finishReason why it ended
 */
public record GenerationResult(int[] tokenIds, String text, FinishReason finishReason) {
}
