package dev.infini.tools.train;

import dev.infini.tools.eval.ChatScript;
import dev.infini.tools.eval.FactTemplates;
import dev.infini.tools.eval.HeldOut;
import dev.infini.tools.eval.OpenData;
import dev.infini.tools.eval.PasskeyPrompt;
import dev.infini.tools.eval.TopicTalk;
import dev.infini.engine.tokenizer.ChatFormat;
import dev.infini.engine.tokenizer.InfiniTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Training sequences for general in-context recall, drawn only from the {@link HeldOut#TRAIN} part of every list,
 * template set and corpus of {@link OpenData} and {@link FactTemplates}:
 * <ul>
 *   <li><b>copy</b>: a stream that repeats with a period, so every token after the first period is a copy. A third of
 *   the streams are tokens of the <i>alphabet</i>, the vocabulary ordered by falling frequency in the training prose
 *   and cut to a size that doubles every {@code alphabetDoublingSteps} steps from {@code alphabetStart}: a copy head
 *   forms in ~150 steps for 20 symbols but not within 500 for 600, so it first learns on few symbols and then meets
 *   the rest. The others are open-list values (names, cities, words, numbers, made-up words) or prose;</li>
 *   <li><b>associative recall</b>: key–value pairs, then queries of the keys whose values are the targets; half of
 *   them token pairs from the alphabet, half {@code name = value} lines of open-list values;</li>
 *   <li><b>chat</b>: the sample app's chat format, 1–3 facts told in free phrasing (half of them after a turn of
 *   other talk; a share {@code echoShare} acknowledged by repeating the value), filler turns (small talk on
 *   everyday topics, whose replies weigh {@code replyWeight}, or a corpus sentence and the sentences after it), and
 *   questions at any offset whose answers carry {@code answerWeight};</li>
 *   <li><b>passkey</b>: the paper's task with a haystack of corpus prose (or its own filler in a third), the key of
 *   1–6 digits, the question anywhere;</li>
 *   <li><b>prose</b>: windows of the corpora so replies stay grammatical.</li>
 * </ul>
 * Validation uses the same chat builder on the {@link HeldOut#TEST} part: values, phrasings, topic talk and corpus
 * documents never trained on, the question about three segments or more after the facts (at least one segment
 * folded between them).
 */
public final class RecallData implements SequenceSource {

    /**
     * Shares of the five kinds of sequence (normalised by their sum) and the alphabet curriculum.
     *
     * @param replyWeight           loss weight of the replies in a chat's topic talk (the turns that teach a reply to a
     *                              message never seen); 1 weighs them as any other token
     * @param nonceTopicShare       share of topic talk about an open-list word instead of one of its kind's topics
     *                              (a dictionary or a made-up word of the train part: "I had Pladoumix for dinner."),
     *                              so that a reply names the message's topic by copying it, not from a list it learnt
     * @param echoShare             share of the acknowledgements of a told fact that repeat its value ("Okay, Lucy.
     *                              Noted!"): a reply that takes up what was said, copied while it is in the segment
     * @param alphabetStart         symbols of the alphabet at step 0
     * @param alphabetDoublingSteps steps over which the alphabet doubles (smoothly)
     * @param symbolCopyShare       share of the copy streams that are alphabet symbols ({@link #THIRD} in every run
     *                              so far); the rest are open-list values and prose windows, half each. Symbols alone
     *                              teach a copy that does not carry over to other tokens (plug-and-play run P)
     * @param memoryCopyShare       share of the copy streams whose period is longer than a segment (N + 1 to 3N
     *                              tokens), so that every copied token comes back through the memory (eq. 3), not
     *                              local attention; the rest keep periods of N/8 to 2.5N, most of whose copies a
     *                              head inside the segment can make (0 in every run before session 17)
     * @param nearQuestionShare     share of a chat's questions (while it has slots left to tell) about a fact told
     *                              mid-chat just before them, after a log-uniform stretch of other talk (within the
     *                              fact's segment as likely as 2-4 or 5-16 segments on); otherwise the facts come
     *                              first and the questions uniformly after, so a chat of 64 segments almost never asks
     *                              close to a fact, and a model trained on such chats answered 37 % of questions asked
     *                              right after the fact (0 in every run before session 19)
     */
    public record Mix(double copy, double associative, double chat, double passkey, double prose, float answerWeight,
                      float replyWeight, double nonceTopicShare, double echoShare, int alphabetStart,
                      long alphabetDoublingSteps, double symbolCopyShare, double memoryCopyShare,
                      double nearQuestionShare) {

        /** A third of the copy streams symbols, a third values, a third prose. */
        public static final double THIRD = 1.0 / 3;

        /**
         * The mixture with {@link #THIRD} of the copy streams symbols, the periods of every copy stream mixed and
         * question distances uniform.
         */
        public Mix(double copy, double associative, double chat, double passkey, double prose, float answerWeight,
                   float replyWeight, double nonceTopicShare, double echoShare, int alphabetStart,
                   long alphabetDoublingSteps) {
            this(copy, associative, chat, passkey, prose, answerWeight, replyWeight, nonceTopicShare, echoShare,
                    alphabetStart, alphabetDoublingSteps, THIRD, 0, 0);
        }

        public Mix {
            if (!(nearQuestionShare >= 0 && nearQuestionShare <= 1)) {
                throw new IllegalArgumentException("the near question share must be in [0, 1], got "
                        + nearQuestionShare);
            }
            if (!(memoryCopyShare >= 0 && memoryCopyShare <= 1)) {
                throw new IllegalArgumentException("the memory copy share must be in [0, 1], got " + memoryCopyShare);
            }
            if (!(symbolCopyShare >= 0 && symbolCopyShare <= 1)) {
                throw new IllegalArgumentException("the symbol copy share must be in [0, 1], got " + symbolCopyShare);
            }
            if (!(echoShare >= 0 && echoShare <= 1)) {
                throw new IllegalArgumentException("the echo share must be in [0, 1], got " + echoShare);
            }
            if (!(nonceTopicShare >= 0 && nonceTopicShare <= 1)) {
                throw new IllegalArgumentException("the nonce topic share must be in [0, 1], got " + nonceTopicShare);
            }
            if (!(replyWeight > 0)) {
                throw new IllegalArgumentException("the reply weight must be positive, got " + replyWeight);
            }
            if (copy < 0 || associative < 0 || chat < 0 || passkey < 0 || prose < 0
                    || copy + associative + chat + passkey + prose <= 0) {
                throw new IllegalArgumentException("shares must be >= 0 with a positive sum");
            }
            if (alphabetStart < 2 || alphabetDoublingSteps < 1) {
                throw new IllegalArgumentException(
                        "the alphabet starts at 2 symbols or more and doubles over 1 step or more");
            }
        }
    }

    /** The sentences each sequence builder draws from, for one part. */
    private record Material(HeldOut part, List<FactTemplates.Slot> slots, List<String> acknowledgements,
                            List<String> echoes, List<TopicTalk.Kind> topicTalk, List<String[]> documents,
                            int[] prose) {
    }

    private static final int SENTENCES = 400_000;
    /** Draws of a training chat before a sequence counts as too short for one. */
    private static final int CHAT_ATTEMPTS = 16;

    private final InfiniTokenizer tokenizer;
    private final int bos;
    private final int eos;
    private final int segmentLength;
    private final Mix mix;
    private final OpenData data;
    private final Material train;
    private final Material test;
    private final Alphabet alphabet;
    private final int[] taskTokens;
    private final int[] questionTokens;
    private final int[] templateFiller;

    /**
     * @param proseTokens tokens of training prose to hold (the passkey haystacks, copy streams and prose windows)
     */
    public RecallData(InfiniTokenizer tokenizer, int bosTokenId, int eosTokenId, int vocabSize, int segmentLength,
                      Mix mix, OpenData data, int proseTokens) {
        this.tokenizer = tokenizer;
        this.bos = bosTokenId;
        this.eos = eosTokenId;
        this.segmentLength = segmentLength;
        this.mix = mix;
        this.data = data;
        this.train = material(HeldOut.TRAIN, proseTokens);
        this.test = material(HeldOut.TEST, 0);
        if (train.prose().length < 8 * segmentLength) {
            throw new IllegalArgumentException("the training part holds only " + train.prose().length
                    + " prose tokens; load more (--prose-tokens) or more documents");
        }
        this.alphabet = new Alphabet(train.prose(), vocabSize, mix.alphabetStart(), mix.alphabetDoublingSteps());
        PasskeyPrompt prompt = new PasskeyPrompt(tokenizer, bosTokenId);
        this.taskTokens = tokenizer.encode(PasskeyPrompt.TASK, false);
        this.questionTokens = prompt.question();
        this.templateFiller = prompt.filler();
    }

    private Material material(HeldOut part, int proseTokens) {
        // documents in an order that interleaves the corpora and depends only on their identifiers
        List<OpenData.Document> documents = new ArrayList<>(data.documents(part));
        documents.sort(Comparator.comparingInt((OpenData.Document d) -> Integer.reverse(d.id().hashCode()))
                .thenComparing(OpenData.Document::id));
        List<String[]> sentences = new ArrayList<>();
        int count = 0;
        for (OpenData.Document d : documents) {
            String[] split = Arrays.stream(d.text().replaceAll("\\s+", " ").split("(?<=[.!?])\\s+(?=[A-Z\"])"))
                    .map(String::strip).filter(s -> s.length() >= 15 && s.length() <= 300).toArray(String[]::new);
            if (split.length >= 2 && count < SENTENCES) {
                sentences.add(split);
                count += split.length;
            }
        }
        int[] prose = proseTokens > 0
                ? ProseCorpus.tokens(tokenizer, documents.stream().map(OpenData.Document::text).toList(), proseTokens)
                : new int[0];
        return new Material(part, FactTemplates.slots(part), FactTemplates.acknowledgements(part),
                FactTemplates.echoes(part), TopicTalk.kinds(part), sentences, prose);
    }

    /** How many symbols of the alphabet copy and associative-recall streams use at a step. */
    public int alphabetSize(long step) {
        return alphabet.size(step);
    }

    /** The alphabet in its curriculum order (most frequent first). */
    int[] alphabet() {
        return alphabet.symbols();
    }

    @Override
    public TrainingData.Sample sample(SplittableRandom random, int length, long step) {
        double total = mix.copy() + mix.associative() + mix.chat() + mix.passkey() + mix.prose();
        double r = random.nextDouble() * total;
        if ((r -= mix.copy()) < 0) {
            return copy(random, length, step);
        }
        if ((r -= mix.associative()) < 0) {
            return associative(random, length, step);
        }
        if ((r -= mix.chat()) < 0) {
            return chat(random, length);
        }
        if (r - mix.passkey() < 0) {
            return passkey(random, length);
        }
        return prose(random, length);
    }

    @Override
    public TrainingData.Sample validation(SplittableRandom random, int length) {
        return chat(random, length, test, 3 * segmentLength);
    }

    @Override
    public String validationName() {
        return "held-out chat recall";
    }

    /** A sequence under construction: tokens, and the weight of predicting each one. */
    private static final class Sequence {
        final int[] ids;
        final float[] weights;
        int size;

        Sequence(int length) {
            ids = new int[length + 1];
            weights = new float[length];
        }

        int left() {
            return ids.length - size;
        }

        /** Appends as many of the tokens as fit, each predicted with the weight; returns where they start. */
        int add(int[] tokens, float weight) {
            int start = size;
            for (int i = 0; i < tokens.length && size < ids.length; i++) {
                if (size > 0) {
                    weights[size - 1] = weight;
                }
                ids[size++] = tokens[i];
            }
            return start;
        }

        /** Appends the turn's first {@code limit} tokens (all by default), its reply with the reply's weight. */
        void add(Turn turn, int limit) {
            int count = Math.min(turn.ids().length, limit);
            int start = add(Arrays.copyOf(turn.ids(), count), 1f);
            if (count > turn.replyFrom()) {
                weigh(start + turn.replyFrom(), count - turn.replyFrom(), turn.replyWeight());
            }
        }

        void weigh(int from, int count, float weight) {
            for (int t = Math.max(1, from); t < from + count && t < ids.length; t++) {
                weights[t - 1] = weight;
            }
        }
    }

    /** A chat of the training part, questions anywhere after the facts. */
    TrainingData.Sample chat(SplittableRandom random, int length) {
        return chat(random, length, train, 0);
    }

    /**
     * A chat of one part. Facts drawn long (three long values with long phrasings, turns of other talk before them)
     * can leave a short sequence no room for a question: then it draws again, a few times, before giving up, so a
     * long run is not stopped by one unlucky draw.
     */
    private TrainingData.Sample chat(SplittableRandom random, int length, Material material, int minGap) {
        for (int attempt = 1; ; attempt++) {
            try {
                return draw(random, length, material, minGap);
            } catch (IllegalArgumentException tooShort) {
                if (attempt == CHAT_ATTEMPTS) {
                    throw tooShort;
                }
            }
        }
    }

    /**
     * A chat: facts told in free phrasing, filler turns, questions at random offsets. The value's first mention is
     * left out of the loss (it cannot be predicted); each answer weighs {@code answerWeight}.
     *
     * @param minGap tokens at least between the end of the facts and the first question
     */
    private TrainingData.Sample draw(SplittableRandom random, int length, Material material, int minGap) {
        Sequence s = new Sequence(length);
        s.add(new int[] {bos}, 1f);
        s.add(tokenizer.encode(ChatFormat.system(ChatScript.SYSTEM), false), 1f);
        List<FactTemplates.Slot> slots = new ArrayList<>(material.slots());
        for (int i = slots.size() - 1; i > 0; i--) {
            java.util.Collections.swap(slots, i, random.nextInt(i + 1));
        }
        int first = 1 + random.nextInt(Math.min(3, slots.size()));
        List<String> values = new ArrayList<>(); // the value told of slots.get(i)
        for (int i = 0; i < first; i++) {
            String value = data.value(slots.get(i).values(), material.part(), random);
            if (random.nextBoolean()) {
                // half the facts come after a turn of other talk: people do not open every conversation with them,
                // and a model that only saw facts first answers any opening message as if it were one ("Noted!")
                Turn other = fillerTurn(random, material);
                if (other.ids().length <= s.left() / 4) {
                    s.add(other, Integer.MAX_VALUE);
                }
            }
            tell(random, s, material, slots.get(i), value);
            values.add(value);
        }
        int[] prefix = tokenizer.encode(ChatFormat.ASSISTANT, false);
        int[] newline = tokenizer.encode(ChatFormat.TURN_END, false);
        int answerStart = -1;
        int answerLength = 0;
        while (true) {
            int i = random.nextInt(values.size());
            boolean near = false;
            if (values.size() < slots.size() && trainOnly(random, material, mix.nearQuestionShare())
                    && s.left() > 2 * segmentLength) {
                // a fact told mid-chat and asked for soon after: people mention things at any point, and a question
                // inside the fact's own segment needs a copy by local attention that far questions never teach
                FactTemplates.Slot next = slots.get(values.size());
                String value = data.value(next.values(), material.part(), random);
                tell(random, s, material, next, value);
                values.add(value);
                i = values.size() - 1;
                near = true;
            }
            FactTemplates.Slot slot = slots.get(i);
            int[] question = user(FactTemplates.pick(random, slot.ask()));
            int[] answer = tokenizer.encode(FactTemplates.fill(FactTemplates.pick(random, slot.answer()),
                    values.get(i)), false);
            int need = question.length + prefix.length + answer.length + 1;
            int left = s.left() - need;
            if (left < 0) {
                break;
            }
            int lowest = answerStart < 0 ? Math.min(left, minGap) : 0;
            if (answerStart < 0 && minGap > 0 && left < minGap) {
                break; // the first question cannot be far enough from the facts
            }
            filler(random, s, material, near ? logUniform(random, left) : lowest + random.nextInt(left - lowest + 1),
                    false);
            s.add(question, 1f);
            s.add(prefix, 1f);
            int start = s.add(answer, mix.answerWeight());
            s.add(new int[] {eos}, mix.answerWeight());
            if (answerStart < 0) {
                int[] value = tokenizer.encodeAfterSpace(values.get(i));
                int at = TrainingData.indexOf(answer, value, 0);
                answerStart = at >= 0 ? start + at : start;
                answerLength = at >= 0 ? value.length : answer.length;
            }
            s.add(newline, 1f);
        }
        if (answerStart < 0) {
            throw new IllegalArgumentException("a sequence of " + length + " tokens cannot hold a chat with a question "
                    + minGap + " tokens after its facts: use more segments per sequence");
        }
        filler(random, s, material, s.left(), true);
        return new TrainingData.Sample(s.ids, s.weights, "chat", answerStart, answerLength);
    }

    /**
     * Tokens of other talk in [0, highest], log-uniform: a stretch within one segment as likely as one of 2-4 or
     * 5-16 segments.
     */
    private static int logUniform(SplittableRandom random, int highest) {
        return Math.min(highest, (int) Math.expm1(random.nextDouble() * Math.log1p(highest + 1)));
    }

    /**
     * Tells {@code told} in one of {@code slot}'s phrasings, with the assistant's acknowledgement; the value's mention
     * is left out of the loss (it cannot be predicted).
     */
    private void tell(SplittableRandom random, Sequence s, Material material, FactTemplates.Slot slot, String told) {
        int[] turn = user(FactTemplates.fill(FactTemplates.pick(random, slot.tell()), told));
        int start = s.add(turn, 1f);
        int[] value = tokenizer.encodeAfterSpace(told);
        int at = TrainingData.indexOf(turn, value, 0);
        if (at >= 0) {
            s.weigh(start + at, value.length, 0f);
        }
        s.add(assistant(trainOnly(random, material, mix.echoShare())
                ? FactTemplates.fill(FactTemplates.pick(random, material.echoes()), told)
                : FactTemplates.pick(random, material.acknowledgements())), 1f);
    }

    /**
     * Appends filler turns up to {@code tokens} tokens. Without {@code cut} only whole turns: a turn that would run
     * past is swapped for another a few times, then the filler ends short of {@code tokens} by less than a turn; with
     * {@code cut} the last turn is cut to end exactly there.
     */
    private void filler(SplittableRandom random, Sequence s, Material material, int tokens, boolean cut) {
        int end = s.size + tokens;
        int misses = 0;
        while (s.size < end && misses < 8) {
            Turn turn = fillerTurn(random, material);
            if (s.size + turn.ids().length > end && !cut) {
                misses++;
                continue;
            }
            s.add(turn, end - s.size);
        }
    }

    /**
     * Whether a training sequence takes a variation drawn with probability {@code share}. Never for validation, which
     * stays comparable between runs whatever the shares; no draw at share 0, so a run without the variation sees the
     * sequences it always did.
     */
    private static boolean trainOnly(SplittableRandom random, Material material, double share) {
        return material.part() == HeldOut.TRAIN && share > 0 && random.nextDouble() < share;
    }

    /**
     * A filler turn: a message and its reply, tokens from {@code replyFrom} on predicted with {@code replyWeight}.
     */
    private record Turn(int[] ids, int replyFrom, float replyWeight) {
    }

    /**
     * Small talk on an everyday topic (three turns in four: replies to messages never seen must come from these, so
     * their replies weigh {@code replyWeight}), or a corpus sentence as the message and the one or two after it as the
     * reply. The fixed small talk of {@link FactTemplates#SMALL_TALK} is not drawn: its few dozen replies, each seen
     * thousands of times, became what greedy decoding answered to any message ("A walk is a good idea." to a new lawn
     * mower).
     */
    private Turn fillerTurn(SplittableRandom random, Material material) {
        if (random.nextInt(4) < 3 || material.documents().isEmpty()) {
            TopicTalk.Pair talk = trainOnly(random, material, mix.nonceTopicShare())
                    ? TopicTalk.about(random, FactTemplates.pick(random, material.topicTalk()),
                            nonceTopic(random, material.part()))
                    : TopicTalk.pair(random, material.topicTalk());
            int[] message = user(talk.message());
            return new Turn(TrainingData.concat(message, assistant(talk.reply())), message.length,
                    mix.replyWeight());
        }
        String[] sentences = FactTemplates.pick(random, material.documents());
        int at = random.nextInt(sentences.length - 1);
        int replyEnd = Math.min(sentences.length, at + 2 + random.nextInt(2));
        int[] message = user(sentences[at]);
        return new Turn(TrainingData.concat(message,
                assistant(String.join(" ", Arrays.copyOfRange(sentences, at + 1, replyEnd)))), message.length, 1f);
    }

    /**
     * The passkey task: BOS, task description, haystack, needle, haystack, question, the key and a full stop (the
     * answer), then haystack to the end. The haystack is a window of training prose, or the paper's filler in a third
     * of the sequences; the key is 5 digits in half of them, otherwise 1–6; the question anywhere after the needle.
     */
    TrainingData.Sample passkey(SplittableRandom random, int length) {
        String key;
        do {
            key = random.nextBoolean() ? PasskeyPrompt.randomKey(random, 5) : OpenData.number(random);
        } while (!HeldOut.TRAIN.holds(key));
        int[] needle = tokenizer.encode(PasskeyPrompt.needleText(key), false);
        int[] answer = tokenizer.encode(key + ".", false);
        int fixed = 1 + taskTokens.length + needle.length + questionTokens.length + answer.length;
        int haystack = length + 1 - fixed;
        if (haystack < 0) {
            throw new IllegalArgumentException("a sequence of " + length + " tokens cannot hold a passkey prompt");
        }
        int[] hay = new int[haystack];
        if (random.nextInt(3) == 0) {
            int offset = random.nextInt(templateFiller.length);
            for (int t = 0; t < haystack; t++) {
                hay[t] = templateFiller[(offset + t) % templateFiller.length];
            }
        } else {
            int start = random.nextInt(train.prose().length - haystack);
            System.arraycopy(train.prose(), start, hay, 0, haystack);
        }
        int after = random.nextInt(haystack / 4 + 1);
        int before = random.nextInt(haystack - after + 1);
        Sequence s = new Sequence(length);
        s.add(new int[] {bos}, 1f);
        s.add(taskTokens, 1f);
        s.add(Arrays.copyOfRange(hay, 0, before), 1f);
        int needleAt = s.add(needle, 1f);
        int[] digits = tokenizer.encodeAfterSpace(key);
        int mention = TrainingData.indexOf(needle, digits, 0);
        if (mention >= 0) {
            s.weigh(needleAt + mention, digits.length, 0f);
        }
        s.add(Arrays.copyOfRange(hay, before, haystack - after), 1f);
        s.add(questionTokens, 1f);
        int answerStart = s.add(answer, mix.answerWeight());
        s.add(Arrays.copyOfRange(hay, haystack - after, haystack), 1f);
        return new TrainingData.Sample(s.ids, s.weights, "passkey", answerStart, tokenizer.encode(key, false).length);
    }

    /**
     * A copy stream with a period of N/8 to 2.5 N tokens (half of them inside one segment), or at
     * {@link Mix#memoryCopyShare} of N + 1 to 3N tokens (every copy through the memory; a sequence shorter than two
     * periods shortens it): alphabet symbols at {@link Mix#symbolCopyShare}, else open-list values or prose, half
     * each; every token after the first period is a target.
     */
    TrainingData.Sample copy(SplittableRandom random, int length, long step) {
        int period = Math.min(TrainingData.copyPeriod(random, segmentLength, mix.memoryCopyShare()), length - 1);
        int[] stream = random.nextDouble() < mix.symbolCopyShare() ? symbols(random, period, step)
                : random.nextBoolean() ? values(random, period) : proseWindow(random, period);
        return repeat(stream, length);
    }

    /** BOS, then the stream repeated to the end; every token after its first reading is a target. */
    TrainingData.Sample repeat(int[] stream, int length) {
        return TrainingData.repeat(bos, stream, length);
    }

    /**
     * Associative recall: pairs, then queries whose values are the targets (each key's first pair is the only
     * place its value appears). Half token pairs of the alphabet, half {@code key = value} lines of open-list values.
     */
    TrainingData.Sample associative(SplittableRandom random, int length, long step) {
        Sequence s = new Sequence(length);
        s.add(new int[] {bos}, 0f);
        List<int[]> keys = new ArrayList<>();
        List<int[]> values = new ArrayList<>();
        if (random.nextBoolean()) {
            int size = alphabetSize(step);
            int pairs = Math.max(1, Math.min(size, 2 + random.nextInt(Math.max(1, length / 6))));
            int[] order = IntStream.range(0, size).toArray();
            for (int i = 0; i < pairs; i++) {
                int j = i + random.nextInt(size - i);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
                keys.add(new int[] {alphabet.symbol(order[i])});
                values.add(new int[] {alphabet.symbol(random.nextInt(size))});
            }
        } else {
            int pairs = 2 + random.nextInt(Math.max(1, length / 40));
            java.util.Set<String> used = new java.util.HashSet<>();
            while (keys.size() < pairs) {
                String key = data.value(OpenData.Source.FIRST_NAME, HeldOut.TRAIN, random);
                if (used.add(key)) {
                    keys.add(tokenizer.encode(key + " =", false));
                    values.add(TrainingData.concat(tokenizer.encodeAfterSpace(randomValue(random)),
                            tokenizer.encode("\n", false)));
                }
            }
        }
        for (int i = 0; i < keys.size() && s.left() > 0; i++) {
            s.add(keys.get(i), 0f);
            s.add(values.get(i), 0f);
        }
        int answerStart = -1;
        int answerLength = 0;
        while (s.left() > 0) {
            int i = random.nextInt(keys.size());
            s.add(keys.get(i), 0f);
            int start = s.add(values.get(i), 1f);
            if (answerStart < 0 && start < s.ids.length) {
                answerStart = start;
                answerLength = Math.min(values.get(i).length, s.ids.length - start);
            }
        }
        return new TrainingData.Sample(s.ids, s.weights, "associative", Math.max(answerStart, 0), answerLength);
    }

    /** A window of training prose, every token weighted 1. */
    TrainingData.Sample prose(SplittableRandom random, int length) {
        int start = random.nextInt(train.prose().length - length - 1);
        float[] weights = new float[length];
        Arrays.fill(weights, 1f);
        return new TrainingData.Sample(Arrays.copyOfRange(train.prose(), start, start + length + 1), weights,
                "prose", 0, 0);
    }

    /** Symbols drawn from the alphabet as far as the curriculum has grown at a step. */
    int[] symbols(SplittableRandom random, int count, long step) {
        return alphabet.draw(random, count, step);
    }

    /** Train-part values of every source, one after another, cut to {@code count} tokens. */
    int[] values(SplittableRandom random, int count) {
        int[] stream = new int[count];
        for (int n = 0; n < count; ) {
            for (int token : tokenizer.encodeAfterSpace(randomValue(random))) {
                if (n < count) {
                    stream[n++] = token;
                }
            }
        }
        return stream;
    }

    /** A topic no list of topic talk holds: a dictionary word or a made-up word of {@code part}, half and half. */
    private String nonceTopic(SplittableRandom random, HeldOut part) {
        return data.value(random.nextBoolean() ? OpenData.Source.WORD : OpenData.Source.INVENTED, part, random);
    }

    private String randomValue(SplittableRandom random) {
        OpenData.Source[] sources = OpenData.Source.values();
        return data.value(sources[random.nextInt(sources.length)], HeldOut.TRAIN, random);
    }

    private int[] proseWindow(SplittableRandom random, int count) {
        int start = random.nextInt(train.prose().length - count);
        return Arrays.copyOfRange(train.prose(), start, start + count);
    }

    private int[] user(String content) {
        return tokenizer.encode(ChatFormat.user(content), false);
    }

    private int[] assistant(String content) {
        return TrainingData.concat(tokenizer.encode(ChatFormat.assistant(content), false), new int[] {eos},
                tokenizer.encode(ChatFormat.TURN_END, false));
    }
}
