package dev.infini.tools.train;

import java.util.SplittableRandom;

/** Where the trainer's sequences come from: the classic passkey/chat mixture or the general recall mixture. */
public interface SequenceSource {

    /**
     * A random training sequence of {@code length + 1} tokens.
     *
     * @param step the optimizer step it is for (a curriculum may depend on it)
     */
    TrainingData.Sample sample(SplittableRandom random, int length, long step);

    /** A validation sequence whose answer needs the memory; its answer span is scored by exact match. */
    TrainingData.Sample validation(SplittableRandom random, int length);

    /** What validation measures, for the progress line. */
    String validationName();
}
