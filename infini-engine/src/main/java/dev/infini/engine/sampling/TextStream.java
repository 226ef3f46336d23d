package dev.infini.engine.sampling;

import dev.infini.engine.tokenizer.InfiniTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns generated tokens into text as they come. Text is released only once it is final: not while a multi-byte
 * character is incomplete (the decoder shows U+FFFD), and not while it could still be the start of a stop string.
 * Decoding looks only at the tokens since the last release, so the cost per token stays constant.
 */
public final class TextStream {

    private final InfiniTokenizer tokenizer;
    private final List<String> stopStrings;
    private final List<Integer> ids = new ArrayList<>();
    private final StringBuilder text = new StringBuilder();
    private int prefixOffset;
    private int readOffset;
    private int released;
    private boolean stopped;

    public TextStream(InfiniTokenizer tokenizer, List<String> stopStrings) {
        this.tokenizer = tokenizer;
        this.stopStrings = stopStrings;
    }

    /** Adds a token; returns the text that became final with it (possibly empty). */
    public String accept(int tokenId) {
        ids.add(tokenId);
        String before = decode(prefixOffset, readOffset);
        String after = decode(prefixOffset, ids.size());
        if (after.length() > before.length() && !after.endsWith("\uFFFD")) {
            text.append(after, before.length(), after.length());
            // The last released token stays as left context: sentencepiece decoders strip a leading space otherwise.
            prefixOffset = readOffset;
            readOffset = ids.size();
        }
        for (String stop : stopStrings) {
            int at = text.indexOf(stop, Math.max(0, released - stop.length()));
            if (at >= 0) {
                text.setLength(at);
                stopped = true;
            }
        }
        int safe = stopped ? text.length() : text.length() - heldBack();
        if (safe <= released) {
            return "";
        }
        String piece = text.substring(released, safe);
        released = safe;
        return piece;
    }

    /** Whether a stop string appeared. */
    public boolean stopped() {
        return stopped;
    }

    /** Text held back at the end (a possible stop-string prefix), released when generation ends otherwise. */
    public String flush() {
        String rest = text.substring(released);
        released = text.length();
        return rest;
    }

    /** All text so far, stop string removed. */
    public String text() {
        return text.toString();
    }

    private int heldBack() {
        int hold = 0;
        for (String stop : stopStrings) {
            for (int len = Math.min(stop.length() - 1, text.length()); len > hold; len--) {
                if (text.substring(text.length() - len).equals(stop.substring(0, len))) {
                    hold = len;
                    break;
                }
            }
        }
        return hold;
    }

    private String decode(int from, int to) {
        if (from >= to) {
            return "";
        }
        int[] window = ids.subList(from, to).stream().mapToInt(Integer::intValue).toArray();
        return tokenizer.decode(window, true);
    }

    @Override
    public String toString() {
        return "TextStream" + Arrays.toString(ids.toArray());
    }
}
