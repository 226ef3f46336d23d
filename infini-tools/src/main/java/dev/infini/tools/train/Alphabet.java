package dev.infini.tools.train;

import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The symbols of copy streams and their curriculum: token ids 3.. (after unk, BOS and EOS) by falling frequency in the
 * training text, of which the first {@code start} are in use at step 0 and the number doubles smoothly every
 * {@code doublingSteps} steps up to all of them. Our own toy formed a copy head in ~150 steps for 20 symbols but not
 * within 500 for 600, so a model meets the rare tokens only once it copies the common ones.
 */
final class Alphabet {

    private final int[] symbols;
    private final int start;
    private final long doublingSteps;

    /**
     * @param text      the training text whose frequencies order the symbols
     * @param vocabSize ids below this are symbols; those the text never holds come last
     */
    Alphabet(int[] text, int vocabSize, int start, long doublingSteps) {
        if (start < 2 || doublingSteps < 1) {
            throw new IllegalArgumentException("the alphabet starts at 2 symbols or more and doubles over 1 step or more");
        }
        long[] counts = new long[vocabSize];
        for (int t : text) {
            counts[t]++;
        }
        this.symbols = IntStream.range(3, vocabSize).boxed()
                .sorted(Comparator.comparingLong((Integer t) -> -counts[t]).thenComparingInt(t -> t))
                .mapToInt(Integer::intValue).toArray();
        this.start = start;
        this.doublingSteps = doublingSteps;
    }

    /** How many symbols are in use at a step. */
    int size(long step) {
        double size = start * Math.pow(2, (double) step / doublingSteps);
        return (int) Math.min(symbols.length, Math.round(size));
    }

    /** The i-th most frequent symbol. */
    int symbol(int i) {
        return symbols[i];
    }

    /** All symbols in curriculum order (most frequent first). */
    int[] symbols() {
        return symbols.clone();
    }

    /** {@code count} symbols drawn from those in use at a step. */
    int[] draw(SplittableRandom random, int count, long step) {
        int size = size(step);
        return random.ints(count, 0, size).map(i -> symbols[i]).toArray();
    }
}
