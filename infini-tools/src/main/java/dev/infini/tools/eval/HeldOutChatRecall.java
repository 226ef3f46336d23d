package dev.infini.tools.eval;

import dev.infini.engine.tokenizer.InfiniTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Chat recall on held-out data: a fact told in a test-part phrasing ({@link FactTemplates}), at least
 * {@code minSegments} segments of other talk (test-part small talk and sentences of test-part documents, the
 * model writing its own replies), then a test-part question. Trials rotate through three kinds of value, reported
 * apart:
 * <ul>
 *   <li>{@link Category#UNSEEN}: a test-part name, city, dictionary word or number, never trained on;</li>
 *   <li>{@link Category#SEEN}: a train-part value of the same lists, which training may have shown;</li>
 *   <li>{@link Category#MADE_UP}: a test-part made-up word as a name, pet's name or word, in turn one of 2 to 4
 *       tokens (the target) and one of 5 or more, each length also reported apart.</li>
 * </ul>
 * A trial is correct when the last reply contains the value as a whole word ({@link ChatRecallEvaluator#mentions}).
 * Trial {@code t} of seed {@code s} is the conversation {@code held-out-recall-s-t}; its script depends only on
 * the seed and the trial, so the memory controls answer the same questions.
 */
public final class HeldOutChatRecall {

    /** The command-line description of the option that picks this evaluation (engine CLI and starter runner). */
    public static final String OPTION_DESCRIPTION = "Use the held-out data instead of the fixed script: test-part"
            + " phrasings, small talk and documents, values never trained on (unseen), train-part values (seen) and"
            + " made-up words, each scored apart. DIR is the npm cache of the open lists and corpora (fetched when"
            + " missing).";

    /** Where a trial's value comes from. */
    public enum Category {
        UNSEEN, SEEN, MADE_UP
    }

    /**
     * One conversation's outcome.
     *
     * @param valueTokens     tokens the value takes after a space
     * @param segmentsBetween segments folded after the fact's turn and before the question
     */
    public record Trial(int trial, Category category, String slot, String fact, String value, int valueTokens,
                        String question, String reply, boolean correct, long segmentsBetween, int turns) {
    }

    private final ChatRecallEvaluator.Chat chat;
    private final OpenData data;
    private final InfiniTokenizer tokenizer;
    private final int minSegments;

    public HeldOutChatRecall(ChatRecallEvaluator.Chat chat, OpenData data, InfiniTokenizer tokenizer,
                             int minSegments) {
        if (minSegments < 0) {
            throw new IllegalArgumentException("min segments must be at least 0, got " + minSegments);
        }
        this.chat = chat;
        this.data = data;
        this.tokenizer = tokenizer;
        this.minSegments = minSegments;
    }

    /** Runs {@code trials} conversations, the categories in turn. */
    public List<Trial> run(int trials, long seed, Consumer<Trial> listener) {
        List<Trial> out = new ArrayList<>();
        for (int t = 0; t < trials; t++) {
            String id = "held-out-recall-" + seed + "-" + t;
            chat.forget(id);
            Trial trial = runTrial(t, Category.values()[t % 3], id, new SplittableRandom(seed * 7919 + t));
            out.add(trial);
            listener.accept(trial);
        }
        return out;
    }

    private Trial runTrial(int index, Category category, String id, SplittableRandom random) {
        List<FactTemplates.Slot> slots = FactTemplates.slots(HeldOut.TEST).stream()
                .filter(s -> category != Category.MADE_UP || s.values() == FactTemplates.Values.NAME
                        || s.values() == FactTemplates.Values.WORD).toList();
        FactTemplates.Slot slot = FactTemplates.pick(random, slots);
        String value = switch (category) {
            case UNSEEN -> data.value(listed(slot.values()), HeldOut.TEST, random);
            case SEEN -> data.value(listed(slot.values()), HeldOut.TRAIN, random);
            case MADE_UP -> madeUp(random, index / 3 % 2 == 0);
        };
        String fact = FactTemplates.fill(FactTemplates.pick(random, slot.tell()), value);
        String question = FactTemplates.pick(random, slot.ask());
        long factSegment = chat.reply(id, fact).segmentsFolded();
        long segments = factSegment;
        int turns = 1;
        while (segments - factSegment < minSegments) {
            segments = chat.reply(id, smallTalk(random)).segmentsFolded();
            turns++;
        }
        String reply = chat.reply(id, question).text().strip();
        return new Trial(index, category, slot.name(), fact, value, tokenizer.encodeAfterSpace(value).length,
                question, reply, ChatRecallEvaluator.mentions(reply, value), segments - factSegment, turns + 1);
    }

    /** Shortest and longest made-up words of the short kind, in tokens after a space. */
    static final int SHORT_MIN = 2;
    static final int SHORT_MAX = 4;
    private static final int DRAWS = 10_000;

    /**
     * A test-part made-up word of {@value #SHORT_MIN}–{@value #SHORT_MAX} tokens ({@code shortWord}) or of more;
     * a tokenizer that spells none in {@value #DRAWS} draws gets the draw nearest to that length.
     */
    private String madeUp(SplittableRandom random, boolean shortWord) {
        String nearest = null;
        int nearestMiss = Integer.MAX_VALUE;
        for (int draw = 0; draw < DRAWS; draw++) {
            String word = data.value(OpenData.Source.INVENTED, HeldOut.TEST, random);
            int tokens = tokenizer.encodeAfterSpace(word).length;
            int miss = shortWord ? Math.max(SHORT_MIN - tokens, tokens - SHORT_MAX) : SHORT_MAX + 1 - tokens;
            if (miss <= 0) {
                return word;
            }
            if (miss < nearestMiss) {
                nearest = word;
                nearestMiss = miss;
            }
        }
        return nearest;
    }

    /** The list a slot draws from when the value must come from a list (no made-up words). */
    private static OpenData.Source listed(FactTemplates.Values values) {
        return switch (values) {
            case NAME -> OpenData.Source.FIRST_NAME;
            case CITY -> OpenData.Source.CITY;
            case NUMBER -> OpenData.Source.NUMBER;
            case WORD -> OpenData.Source.WORD;
        };
    }

    /** A test-part small-talk message, or a sentence of a test-part document: half each. */
    private String smallTalk(SplittableRandom random) {
        List<OpenData.Document> documents = data.documents(HeldOut.TEST);
        if (random.nextBoolean() || documents.isEmpty()) {
            return FactTemplates.pick(random, FactTemplates.smallTalk(HeldOut.TEST)).message();
        }
        String[] sentences = Arrays.stream(FactTemplates.pick(random, documents).text().replaceAll("\\s+", " ")
                        .split("(?<=[.!?])\\s+")).map(String::strip).filter(s -> s.length() >= 15 && s.length() <= 200)
                .toArray(String[]::new);
        return sentences.length == 0 ? FactTemplates.pick(random, FactTemplates.smallTalk(HeldOut.TEST)).message()
                : sentences[random.nextInt(sentences.length)];
    }

    /** The results as a Markdown table, then one score line per category and one for all. */
    public static String report(List<Trial> trials, String label) {
        StringBuilder out = new StringBuilder(
                "| kind | slot | fact | value tokens | question | reply | segments between | correct |\n")
                .append("|---|---|---|---:|---|---|---:|:---:|\n");
        for (Trial t : trials) {
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %s | %s | %d | %s |\n",
                    t.category().name().toLowerCase(Locale.ROOT).replace('_', '-'), t.slot(), cell(t.fact()),
                    t.valueTokens(), cell(t.question()), cell(t.reply()), t.segmentsBetween(),
                    t.correct() ? "yes" : "no"));
        }
        out.append('\n');
        for (Category category : Category.values()) {
            out.append(score(trials.stream().filter(t -> t.category() == category).toList(),
                    label + ", " + category.name().toLowerCase(Locale.ROOT).replace('_', '-')
                            + (category == Category.MADE_UP ? " words" : " values")));
        }
        List<Trial> madeUp = trials.stream().filter(t -> t.category() == Category.MADE_UP).toList();
        out.append(score(madeUp.stream().filter(t -> t.valueTokens() <= SHORT_MAX).toList(),
                label + ", made-up words of " + SHORT_MIN + "-" + SHORT_MAX + " tokens"));
        out.append(score(madeUp.stream().filter(t -> t.valueTokens() > SHORT_MAX).toList(),
                label + ", made-up words of " + (SHORT_MAX + 1) + " tokens or more"));
        out.append(score(trials, label + ", all"));
        return out.toString();
    }

    private static String score(List<Trial> trials, String label) {
        long correct = trials.stream().filter(Trial::correct).count();
        return String.format(Locale.ROOT, "held-out chat recall (%s): %d/%d = %.0f%%\n", label, correct,
                trials.size(), trials.isEmpty() ? 0.0 : 100.0 * correct / trials.size());
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
