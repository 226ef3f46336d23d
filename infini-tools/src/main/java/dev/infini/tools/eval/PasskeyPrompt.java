package dev.infini.tools.eval;

import dev.infini.engine.tokenizer.InfiniTokenizer;

import java.util.function.IntConsumer;

/**
 * The passkey retrieval task in the paper's format (the Landmark-attention template, Mohtashami &amp; Jaggi 2023): a
 * task description, repeated filler, a needle holding the key at some depth, more filler, and the question. The
 * prompt is built as token pieces (each piece encoded on its own), so that a haystack of any length can be streamed
 * in bounded memory, and training and evaluation see exactly the same tokens.
 */
public final class PasskeyPrompt {

    /** The task description that opens the prompt. */
    public static final String TASK = "There is an important info hidden inside a lot of irrelevant text. "
            + "Find it and memorize them. I will quiz you about the important information there.";
    /** The filler sentence, repeated as often as the length needs. */
    public static final String FILLER = "The grass is green. The sky is blue. The sun is yellow. Here we go. "
            + "There and back again.";
    /** The question that closes the prompt; the answer follows it. */
    public static final String QUESTION = "What is the pass key? The pass key is";

    private final InfiniTokenizer tokenizer;
    private final int bos;
    private final int[] task;
    private final int[] filler;
    private final int[] question;

    public PasskeyPrompt(InfiniTokenizer tokenizer, int bosTokenId) {
        this(tokenizer, bosTokenId, tokenizer.encode(FILLER, false));
    }

    /** The same task with another haystack: the filler tokens repeat as often as the length needs. */
    public PasskeyPrompt(InfiniTokenizer tokenizer, int bosTokenId, int[] fillerTokens) {
        if (fillerTokens.length == 0) {
            throw new IllegalArgumentException("the filler holds no tokens");
        }
        this.tokenizer = tokenizer;
        this.bos = bosTokenId;
        this.task = tokenizer.encode(TASK, false);
        this.filler = fillerTokens.clone();
        this.question = tokenizer.encode(QUESTION, false);
    }

    /**
     * The tokens of any text as a haystack: each paragraph encoded on its own (a whole book in one call would make the
     * tokenizer merge over a million symbols at once), runs of whitespace read as one space.
     */
    public static int[] fillerTokens(InfiniTokenizer tokenizer, String text) {
        java.util.List<int[]> pieces = new java.util.ArrayList<>();
        int total = 0;
        for (String paragraph : text.split("\\n\\s*\\n")) {
            String p = paragraph.strip().replaceAll("\\s+", " ");
            if (!p.isEmpty()) {
                int[] ids = tokenizer.encode(p, false);
                pieces.add(ids);
                total += ids.length;
            }
        }
        int[] out = new int[total];
        int at = 0;
        for (int[] piece : pieces) {
            System.arraycopy(piece, 0, out, at, piece.length);
            at += piece.length;
        }
        return out;
    }

    /** Tokens the filler holds before it repeats. */
    public int fillerLength() {
        return filler.length;
    }

    /** The needle sentence for a key. */
    public static String needleText(String key) {
        return "The pass key is " + key + ". Remember it. " + key + " is the pass key.";
    }

    /** Tokens of the needle. */
    public int[] needle(String key) {
        return tokenizer.encode(needleText(key), false);
    }

    /** Tokens of the answer as the model should produce it after the question. */
    public int[] answer(String key) {
        return tokenizer.encode(key, false);
    }

    /** Tokens of one filler sentence. */
    public int[] filler() {
        return filler.clone();
    }

    /** Tokens of the question. */
    public int[] question() {
        return question.clone();
    }

    /**
     * Where the pieces of a prompt of a given total length go.
     *
     * @param total        tokens of the whole prompt, BOS and question included
     * @param needleStart  index of the needle's first token
     * @param needleLength tokens of the needle
     * @param questionStart index of the question's first token
     */
    public record Layout(long total, long needleStart, int needleLength, long questionStart) {
    }

    /** The least total length that holds a prompt (no filler). */
    public int minimumLength(String key) {
        return (bos >= 0 ? 1 : 0) + task.length + needle(key).length + question.length;
    }

    /**
     * Places the needle at a depth: 0 puts it right after the task description, 1 right before the question.
     *
     * @throws IllegalArgumentException if {@code total} cannot hold the pieces
     */
    public Layout layout(long total, double depth, String key) {
        if (!(depth >= 0 && depth <= 1)) {
            throw new IllegalArgumentException("depth must be in [0, 1], got " + depth);
        }
        int needleLength = needle(key).length;
        long head = (bos >= 0 ? 1 : 0) + task.length;
        long fillerTotal = total - minimumLength(key);
        if (fillerTotal < 0) {
            throw new IllegalArgumentException("a passkey prompt needs at least " + minimumLength(key)
                    + " tokens, got " + total);
        }
        long before = Math.round(depth * fillerTotal);
        return new Layout(total, head + before, needleLength, total - question.length);
    }

    /** The same with the filler before the needle given in tokens. */
    public Layout layoutAt(long total, long fillerBefore, String key) {
        long fillerTotal = total - minimumLength(key);
        if (fillerBefore < 0 || fillerBefore > fillerTotal) {
            throw new IllegalArgumentException("filler before the needle must be in [0, " + fillerTotal + "]");
        }
        long head = (bos >= 0 ? 1 : 0) + task.length;
        return new Layout(total, head + fillerBefore, needle(key).length, total - question.length);
    }

    /**
     * Streams the prompt's tokens in order, one at a time, without ever holding the haystack: BOS, task, filler,
     * needle, filler, question.
     */
    public void stream(Layout layout, String key, IntConsumer sink) {
        stream(layout, key, 0, sink);
    }

    /** The same with the haystack starting {@code fillerOffset} tokens into the filler. */
    public void stream(Layout layout, String key, long fillerOffset, IntConsumer sink) {
        int[] needle = needle(key);
        if (bos >= 0) {
            sink.accept(bos);
        }
        for (int t : task) {
            sink.accept(t);
        }
        long position = (bos >= 0 ? 1 : 0) + task.length;
        long fillerIndex = fillerOffset;
        while (position < layout.needleStart()) {
            sink.accept(filler[(int) (fillerIndex++ % filler.length)]);
            position++;
        }
        for (int t : needle) {
            sink.accept(t);
        }
        position += needle.length;
        while (position < layout.questionStart()) {
            sink.accept(filler[(int) (fillerIndex++ % filler.length)]);
            position++;
        }
        for (int t : question) {
            sink.accept(t);
        }
    }

    /** The whole prompt as an array (for training sequences and short prompts). */
    public int[] tokens(Layout layout, String key) {
        int[] out = new int[Math.toIntExact(layout.total())];
        int[] index = {0};
        stream(layout, key, t -> out[index[0]++] = t);
        return out;
    }

    /** A random key of {@code digits} digits without a leading zero. */
    public static String randomKey(java.util.random.RandomGenerator random, int digits) {
        StringBuilder key = new StringBuilder();
        key.append(1 + random.nextInt(9));
        for (int i = 1; i < digits; i++) {
            key.append(random.nextInt(10));
        }
        return key.toString();
    }

    /** The first integer in a text, or null: the evaluation's exact-match rule compares it with the key. */
    public static String firstInteger(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\d+").matcher(text);
        return m.find() ? m.group() : null;
    }
}
