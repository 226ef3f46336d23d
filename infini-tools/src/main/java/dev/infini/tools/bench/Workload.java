package dev.infini.tools.bench;

import dev.infini.engine.tokenizer.InfiniTokenizer;

/**
 * The user side of a benchmark conversation: plain children's-story prose, tokenized once, handed out in turns of a
 * fixed number of tokens so that every turn costs the same to append.
 */
public final class Workload {

    private static final String PROSE = """
            Once upon a time there was a little fox who lived at the edge of a big green wood. Every morning she \
            ran to the river to see what the water had brought. One day she found a small red boat with a white \
            sail. She pushed it into the water and watched it go. A duck swam by and asked where the boat was \
            going. The fox did not know, so they followed it together past the old mill and the tall trees. When \
            the sun was low the boat stopped by a sandy bank, and a boy picked it up and smiled. He had lost it \
            the day before. The boy thanked the fox and the duck and gave them some bread. They sat by the water \
            and ate until the stars came out. The next day the fox told her mother the whole story, and her mother \
            said that being kind to a stranger is the best thing you can do. """;

    private final int[] tokens;

    public Workload(InfiniTokenizer tokenizer) {
        this.tokens = tokenizer.encode(PROSE.repeat(4), false);
    }

    /** {@code count} tokens starting at the {@code index}-th position of the endless prose. */
    public int[] take(long index, int count) {
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = tokens[(int) ((index + i) % tokens.length)];
        }
        return out;
    }

    /** The user tokens of turn {@code turn} (1-based). */
    public int[] userTurn(int turn, int count) {
        return take((long) (turn - 1) * count, count);
    }
}
