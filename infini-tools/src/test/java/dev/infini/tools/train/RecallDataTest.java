package dev.infini.tools.train;

import dev.infini.engine.SharedData;
import dev.infini.tools.eval.FactTemplates;
import dev.infini.tools.eval.HeldOut;
import dev.infini.tools.eval.OpenData;
import dev.infini.tools.eval.TopicTalk;
import dev.infini.engine.tokenizer.InfiniTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecallDataTest {

    private static final int N = 32;
    private static final int LENGTH = 8 * N;
    private static final float ANSWER_WEIGHT = 3f;
    private static final float REPLY_WEIGHT = 2f;
    private static InfiniTokenizer tokenizer;
    private static OpenData open;
    private static RecallData data;

    @BeforeAll
    static void load() {
        tokenizer = InfiniTokenizer.load(SharedData.stories260k(), 512);
        // small lists of made-up, easily spotted entries: whole words that only their list produces
        List<OpenData.Document> documents = new ArrayList<>();
        for (int d = 0; d < 60; d++) {
            String marker = "Docmark" + letters(d);
            StringBuilder text = new StringBuilder();
            for (int s = 0; s < 30; s++) {
                text.append(marker).append(" said that the river was wide and the hills were green today. ");
            }
            documents.add(new OpenData.Document("doc/" + d, text.toString()));
        }
        open = new OpenData(entries("Zed"), entries("Cty"), entries("wrd"), documents);
        data = new RecallData(tokenizer, 1, 2, 512, N,
                new RecallData.Mix(1, 1, 1, 1, 1, ANSWER_WEIGHT, REPLY_WEIGHT, 0, 0.5, 16, 100), open, 100_000);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static List<String> entries(String prefix) {
        return IntStream.range(0, 300).mapToObj(i -> prefix + letters(i)).toList();
    }

    private static String letters(int i) {
        return "" + (char) ('a' + i / 26 % 26) + (char) ('a' + i % 26);
    }

    @Test
    void trainingSequencesNeverHoldATestValueSentenceSmallTalkOrDocument() {
        Set<String> testWords = new HashSet<>();
        for (OpenData.Source source : List.of(OpenData.Source.FIRST_NAME, OpenData.Source.CITY,
                OpenData.Source.WORD)) {
            testWords.addAll(HeldOut.TEST.select(open.list(source)));
        }
        open.documents(HeldOut.TEST).forEach(d -> testWords.add(d.text().split(" ")[0]));
        assertThat(testWords).hasSizeGreaterThan(100);
        List<Pattern> testLines = testSentences();
        Set<String> testTopicTalk = topicTalk(HeldOut.TEST);
        Set<String> trainTopicTalk = topicTalk(HeldOut.TRAIN);
        SplittableRandom random = new SplittableRandom(3);
        int chats = 0;
        int topicTurns = 0;
        int opensWithTopicTalk = 0;
        for (int i = 0; i < 1500; i++) {
            TrainingData.Sample sample = data.sample(random, LENGTH, i % 2 == 0 ? 0 : 5000);
            String text = tokenizer.decode(sample.ids());
            Matcher word = Pattern.compile("[A-Za-z]+").matcher(text);
            while (word.find()) {
                assertThat(testWords).as(sample.kind() + ": " + text).doesNotContain(word.group());
            }
            for (Pattern line : testLines) {
                assertThat(line.matcher(text).find()).as(line + " in " + text).isFalse();
            }
            for (String line : text.split("\n")) {
                String said = line.replaceFirst("^\\s*(User|Assistant): ", "");
                assertThat(testTopicTalk).as(sample.kind() + ": " + text).doesNotContain(said);
                topicTurns += trainTopicTalk.contains(said) ? 1 : 0;
            }
            if (sample.kind().equals("chat") || sample.kind().equals("passkey")) {
                // alphabet and pair streams may put digit tokens side by side at random; these kinds hold numbers
                // only as values
                Matcher number = Pattern.compile("\\d+").matcher(text);
                while (number.find()) {
                    assertThat(HeldOut.of(number.group())).as(number.group() + " in " + text)
                            .isEqualTo(HeldOut.TRAIN);
                }
                chats += sample.kind().equals("chat") ? 1 : 0;
                Matcher firstUser = Pattern.compile("User: ([^\\n]*)").matcher(text);
                if (sample.kind().equals("chat") && firstUser.find()
                        && trainTopicTalk.contains(firstUser.group(1).strip())) {
                    opensWithTopicTalk++;
                }
            }
        }
        assertThat(chats).isGreaterThan(200);
        assertThat(topicTurns).as("small talk on everyday topics in the filler").isGreaterThan(100);
        // an opening turn of other talk needs room (a quarter of what is left): in these short sequences it is rare
        assertThat(opensWithTopicTalk).as("chats that open with small talk on a topic").isBetween(1, chats / 3);
    }

    /**
     * Topic-talk sentences of one side: for the test side every message and reply that names a test topic or belongs
     * to a test exchange (training may produce none), for the train side the others.
     */
    private static Set<String> topicTalk(HeldOut side) {
        Set<String> sentences = new HashSet<>();
        for (TopicTalk.Kind kind : TopicTalk.KINDS) {
            for (String topic : kind.topics()) {
                for (TopicTalk.Exchange exchange : kind.exchanges()) {
                    boolean test = HeldOut.of(exchange.message()) == HeldOut.TEST
                            || HeldOut.of(topic) == HeldOut.TEST;
                    if (test == (side == HeldOut.TEST)) {
                        sentences.add(TopicTalk.fill(exchange.message(), topic));
                        exchange.replies().forEach(r -> sentences.add(TopicTalk.fill(r, topic)));
                    }
                }
            }
        }
        return sentences;
    }

    /** Every test-part sentence as a whole chat line, its value any text. */
    private static List<Pattern> testSentences() {
        List<Pattern> patterns = new ArrayList<>();
        for (FactTemplates.Slot slot : FactTemplates.slots(HeldOut.TEST)) {
            for (String s : slot.tell()) {
                patterns.add(line("User: ", s));
            }
            for (String s : slot.ask()) {
                patterns.add(line("User: ", s));
            }
            for (String s : slot.answer()) {
                patterns.add(line("Assistant: ", s));
            }
        }
        FactTemplates.acknowledgements(HeldOut.TEST).forEach(a -> patterns.add(line("Assistant: ", a)));
        FactTemplates.echoes(HeldOut.TEST).forEach(a -> patterns.add(line("Assistant: ", a)));
        FactTemplates.smallTalk(HeldOut.TEST).forEach(t -> patterns.add(line("User: ", t.message())));
        return patterns;
    }

    private static Pattern line(String speaker, String sentence) {
        String[] parts = sentence.split("\\{v}", -1);
        StringBuilder regex = new StringBuilder("(^|\\n)\\s*" + Pattern.quote(speaker));
        for (int i = 0; i < parts.length; i++) {
            regex.append(i > 0 ? "[^\\n]+?" : "").append(Pattern.quote(parts[i]));
        }
        return Pattern.compile(regex.append("\\s*(\\n|$)").toString());
    }

    @Test
    void nonceTopicTalkIsAboutTrainWordsOnlyAndItsReplyNamesThatWord() {
        RecallData nonce = new RecallData(tokenizer, 1, 2, 512, N,
                new RecallData.Mix(0, 0, 1, 0, 0, ANSWER_WEIGHT, REPLY_WEIGHT, 1, 0, 16, 100), open, 100_000);
        // every train message frame as a whole user line, its topic captured
        List<Pattern> frames = new ArrayList<>();
        Set<String> listedTopics = new HashSet<>();
        for (TopicTalk.Kind kind : TopicTalk.KINDS) {
            listedTopics.addAll(kind.topics());
            for (TopicTalk.Exchange exchange : kind.exchanges()) {
                frames.add(capturing(exchange.message(), "{t}"));
            }
        }
        Set<String> testWords = new HashSet<>(HeldOut.TEST.select(open.list(OpenData.Source.WORD)));
        SplittableRandom random = new SplittableRandom(8);
        int nonceTurns = 0;
        for (int i = 0; i < 200; i++) {
            String[] lines = tokenizer.decode(nonce.chat(random, LENGTH).ids()).split("\n");
            // the last line may be cut by the end of the sequence
            for (int l = 0; l + 2 < lines.length; l++) {
                String message = lines[l].replaceFirst("^\\s*User: ", "");
                if (message.equals(lines[l]) || !lines[l + 1].strip().startsWith("Assistant: ")) {
                    continue;
                }
                // the most specific frame that fits ("I love walking in the {t}." before "I love {t}.")
                String topic = shortestCapture(frames, message);
                // a nonce topic is one word; a longer capture is a fact told in words that fit a frame
                // ("I miss my best friend Zedab." in "I miss my {t}.")
                if (topic != null && !topic.contains(" ")) {
                    assertThat(listedTopics).as(message).doesNotContain(topic);
                    assertThat(testWords).as(message).doesNotContain(topic);
                    assertThat(HeldOut.of(topic)).as(message).isEqualTo(HeldOut.TRAIN);
                    assertThat(lines[l + 1].toLowerCase()).as("the reply to " + message)
                            .contains(topic.toLowerCase());
                    nonceTurns++;
                }
            }
        }
        assertThat(nonceTurns).as("topic talk about open-list words").isGreaterThan(50);
        assertThatThrownBy(() -> new RecallData.Mix(1, 1, 1, 1, 1, 1f, 1f, 1.5, 0, 16, 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nonce topic share");
    }

    @Test
    void anEchoingAcknowledgementRepeatsTheValueJustToldInATrainPhrasing() {
        RecallData echoing = new RecallData(tokenizer, 1, 2, 512, N,
                new RecallData.Mix(0, 0, 1, 0, 0, ANSWER_WEIGHT, REPLY_WEIGHT, 0, 1, 16, 100), open, 100_000);
        List<Pattern> tells = new ArrayList<>();
        FactTemplates.slots(HeldOut.TRAIN).forEach(slot -> slot.tell().forEach(t -> tells.add(capturing(t, "{v}"))));
        List<Pattern> echoes = FactTemplates.echoes(HeldOut.TRAIN).stream().map(e -> capturing(e, "{v}")).toList();
        SplittableRandom random = new SplittableRandom(9);
        int facts = 0;
        for (int i = 0; i < 200; i++) {
            String[] lines = tokenizer.decode(echoing.chat(random, LENGTH).ids()).split("\n");
            for (int l = 0; l + 2 < lines.length; l++) {
                if (!lines[l].strip().startsWith("User: ")) {
                    continue;
                }
                String message = lines[l].replaceFirst("^\\s*User: ", "").strip();
                // the most specific phrasing that fits ("I am {v}." would also take "I am Zedab, by the way.")
                String value = shortestCapture(tells, message);
                if (value == null) {
                    continue;
                }
                String ack = lines[l + 1].replaceFirst("^\\s*Assistant: ", "").strip();
                String echoed = shortestCapture(echoes, ack);
                assertThat(echoed).as("the acknowledgement of " + message + ": " + ack).isEqualTo(value);
                facts++;
            }
        }
        assertThat(facts).as("facts told").isGreaterThan(100);
        assertThatThrownBy(() -> new RecallData.Mix(1, 1, 1, 1, 1, 1f, 1f, 0, -0.1, 16, 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("echo share");
    }

    /** A whole sentence of {@code template}, what stands at its {@code marker} captured as group 1. */
    private static Pattern capturing(String template, String marker) {
        String[] parts = template.split(Pattern.quote(marker), -1);
        return Pattern.compile("^" + Pattern.quote(parts[0]) + "(.+?)" + Pattern.quote(parts.length > 1 ? parts[1] : "")
                + "$");
    }

    /** The shortest group 1 of the patterns that match the whole text, or null if none does. */
    private static String shortestCapture(List<Pattern> patterns, String text) {
        String shortest = null;
        for (Pattern pattern : patterns) {
            Matcher m = pattern.matcher(text);
            if (m.matches() && (shortest == null || m.group(1).length() < shortest.length())) {
                shortest = m.group(1);
            }
        }
        return shortest;
    }

    @Test
    void theCopyAlphabetStartsWithTheMostFrequentSymbolsAndDoublesOnSchedule() {
        assertThat(data.alphabetSize(0)).isEqualTo(16);
        assertThat(data.alphabetSize(100)).isEqualTo(32);
        assertThat(data.alphabetSize(250)).isEqualTo(Math.round(16 * Math.pow(2, 2.5)));
        assertThat(data.alphabetSize(100_000)).isEqualTo(509);
        Set<Integer> first = new HashSet<>();
        Arrays.stream(data.alphabet(), 0, 16).forEach(first::add);
        assertThat(Arrays.stream(data.symbols(new SplittableRandom(1), 2000, 0)).boxed().toList())
                .allSatisfy(t -> assertThat(first).contains(t));
        assertThat(Arrays.stream(data.symbols(new SplittableRandom(1), 2000, 100_000)).distinct().count())
                .isGreaterThan(400);
    }

    @Test
    void theSymbolCopyShareDecidesWhichCopyStreamsAreAlphabetSymbols() {
        Set<Integer> first = new HashSet<>();
        Arrays.stream(data.alphabet(), 0, 16).forEach(first::add);
        for (double share : new double[] {1, 0}) {
            RecallData mix = new RecallData(tokenizer, 1, 2, 512, N,
                    new RecallData.Mix(1, 0, 0, 0, 0, ANSWER_WEIGHT, REPLY_WEIGHT, 0, 0, 16, 100, share, 0, 0), open,
                    100_000);
            SplittableRandom random = new SplittableRandom(6);
            int symbolStreams = 0;
            int valueStreams = 0;
            for (int i = 0; i < 200; i++) {
                TrainingData.Sample s = mix.copy(random, LENGTH, 0);
                int[] stream = Arrays.copyOfRange(s.ids(), 1, LENGTH + 1);
                if (Arrays.stream(stream).allMatch(first::contains)) {
                    symbolStreams++;
                }
                if (tokenizer.decode(stream).matches("(?s).*(Zed|Cty|wrd)[a-z].*")) {
                    valueStreams++;
                }
            }
            if (share == 1) {
                assertThat(symbolStreams).isEqualTo(200);
                assertThat(valueStreams).isZero();
            } else {
                // no stream of symbols; half the streams open-list values, the other half prose windows
                assertThat(valueStreams).isBetween(70, 130);
                assertThat(symbolStreams).isLessThan(200 - valueStreams);
            }
        }
        assertThatThrownBy(() -> new RecallData.Mix(1, 0, 0, 0, 0, 1f, 1f, 0, 0, 16, 100, 1.2, 0, 0))
                .hasMessageContaining("symbol copy share must be in [0, 1]");
    }

    @Test
    void theMemoryCopyShareDecidesWhichCopyStreamsRepeatOnlyBeyondTheSegment() {
        for (double share : new double[] {1, 0}) {
            RecallData mix = new RecallData(tokenizer, 1, 2, 512, N, new RecallData.Mix(1, 0, 0, 0, 0, ANSWER_WEIGHT,
                    REPLY_WEIGHT, 0, 0, 16, 100, RecallData.Mix.THIRD, share, 0), open, 100_000);
            SplittableRandom random = new SplittableRandom(8);
            int beyond = 0;
            for (int i = 0; i < 200; i++) {
                int[] ids = mix.copy(random, LENGTH, 0).ids();
                int period = periodOf(ids);
                if (period > N) {
                    beyond++;
                    // no token's copy source lies in its own segment: local attention cannot make the copy
                    assertThat(period).isLessThanOrEqualTo(3 * N);
                }
            }
            if (share == 1) {
                assertThat(beyond).isEqualTo(200);
            } else {
                // periods of N/8 to 2.5N: some beyond the segment, most not
                assertThat(beyond).isBetween(40, 120);
            }
        }
        assertThatThrownBy(() -> new RecallData.Mix(1, 0, 0, 0, 0, 1f, 1f, 0, 0, 16, 100, 0.5, -0.5, 0))
                .hasMessageContaining("memory copy share must be in [0, 1]");
    }

    /** The shortest period with which the tokens after BOS repeat. */
    private static int periodOf(int[] ids) {
        for (int period = 1; period < ids.length - 1; period++) {
            boolean repeats = true;
            for (int t = 1 + period; t < ids.length && repeats; t++) {
                repeats = ids[t] == ids[t - period];
            }
            if (repeats) {
                return period;
            }
        }
        return ids.length - 1;
    }

    @Test
    void everyTargetOfACopySequenceRepeatsTheTokenOnePeriodBefore() {
        SplittableRandom random = new SplittableRandom(4);
        for (int i = 0; i < 200; i++) {
            TrainingData.Sample s = data.copy(random, LENGTH, 300);
            int period = IntStream.range(0, LENGTH).filter(t -> s.weights()[t] > 0).findFirst().orElseThrow();
            assertThat(period).isBetween(N / 8, 5 * N / 2);
            for (int t = period; t < LENGTH; t++) {
                assertThat(s.weights()[t]).isEqualTo(1f);
                assertThat(s.ids()[t + 1]).isEqualTo(s.ids()[t + 1 - period]);
            }
        }
    }

    @Test
    void chatAnswersCarryTheAnswerWeightAndTheToldValueIsNotATarget() {
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 200; i++) {
            TrainingData.Sample s = data.chat(random, LENGTH);
            int[] value = Arrays.copyOfRange(s.ids(), s.answerStart(), s.answerStart() + s.answerLength());
            int told = TrainingData.indexOf(s.ids(), value, 0);
            assertThat(told).as("the value is told before it is asked for").isLessThan(s.answerStart());
            for (int t = 0; t < value.length; t++) {
                assertThat(s.weights()[told + t - 1]).isZero();
                assertThat(s.weights()[s.answerStart() + t - 1]).isEqualTo(ANSWER_WEIGHT);
            }
        }
    }

    @Test
    void topicTalkRepliesCarryTheReplyWeightAndTheFixedSmallTalkIsNotDrawn() {
        Set<String> trainTopicTalk = topicTalk(HeldOut.TRAIN);
        Set<String> fixedSmallTalk = new HashSet<>();
        FactTemplates.SMALL_TALK.forEach(t -> {
            fixedSmallTalk.add(t.message());
            fixedSmallTalk.add(t.reply());
        });
        SplittableRandom random = new SplittableRandom(6);
        int replies = 0;
        for (int i = 0; i < 200; i++) {
            TrainingData.Sample s = data.chat(random, LENGTH);
            for (String line : tokenizer.decode(s.ids()).split("\n")) {
                assertThat(fixedSmallTalk).doesNotContain(line.replaceFirst("^\\s*(User|Assistant): ", "").strip());
            }
            // every run of targets with the reply weight is one whole topic-talk reply; one cut by the sequence's
            // end is left out
            int t = 1;
            while (t < s.ids().length) {
                if (s.weights()[t - 1] != REPLY_WEIGHT) {
                    t++;
                    continue;
                }
                int from = t;
                while (t < s.ids().length && s.weights()[t - 1] == REPLY_WEIGHT) {
                    t++;
                }
                if (t < s.ids().length) {
                    String reply = tokenizer.decode(Arrays.copyOfRange(s.ids(), from, t))
                            .replace("</s>", "").replaceFirst("^\\s*Assistant:", "").strip();
                    assertThat(trainTopicTalk).as("a reply-weighted run: " + reply).contains(reply);
                    replies++;
                }
            }
        }
        assertThat(replies).isGreaterThan(50);
    }

    @Test
    void theNearQuestionShareTellsFactsMidChatAndAsksForThemSoonAfter() {
        int length = 64 * N;
        int[] near = new int[2];
        for (int share = 0; share <= 1; share++) {
            RecallData chats = new RecallData(tokenizer, 1, 2, 512, N, new RecallData.Mix(0, 0, 1, 0, 0, ANSWER_WEIGHT,
                    REPLY_WEIGHT, 0, 0, 16, 100, RecallData.Mix.THIRD, 0, share), open, 100_000);
            SplittableRandom random = new SplittableRandom(9);
            for (int i = 0; i < 200; i++) {
                TrainingData.Sample s = chats.chat(random, length);
                int[] value = Arrays.copyOfRange(s.ids(), s.answerStart(), s.answerStart() + s.answerLength());
                // the first answer within four segments of the value's telling (the told facts, the question and the
                // answer's opening take about two of these short segments by themselves)
                if (s.answerStart() - TrainingData.indexOf(s.ids(), value, 0) < 4 * N) {
                    near[share]++;
                }
            }
        }
        // facts first and uniform distances over 64 segments put about one first answer in 30 that close; a fact
        // told mid-chat with a log-uniform stretch before its question over a third
        assertThat(near[0]).isLessThan(20);
        assertThat(near[1]).isGreaterThan(60);
        assertThatThrownBy(() -> new RecallData.Mix(0, 0, 1, 0, 0, 1f, 1f, 0, 0, 16, 100, 0.5, 0, 1.5))
                .hasMessageContaining("near question share must be in [0, 1]");
    }

    @Test
    void aSequenceTooShortForAnyChatFailsWithAMessageNamingTheRemedy() {
        assertThatThrownBy(() -> data.chat(new SplittableRandom(8), 24))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use more segments per sequence");
    }

    @Test
    void validationAsksForAHeldOutValueWithASegmentFoldedSinceItWasTold() {
        SplittableRandom random = new SplittableRandom(6);
        for (int i = 0; i < 100; i++) {
            TrainingData.Sample s = data.validation(random, 12 * N); // up to three facts, then three segments
            String value = tokenizer.decode(Arrays.copyOfRange(s.ids(), s.answerStart(),
                    s.answerStart() + s.answerLength())).strip();
            assertThat(HeldOut.of(value)).as(value).isEqualTo(HeldOut.TEST);
            int[] tokens = Arrays.copyOfRange(s.ids(), s.answerStart(), s.answerStart() + s.answerLength());
            int told = TrainingData.indexOf(s.ids(), tokens, 0);
            assertThat((told + tokens.length - 1) / N).as("told in an earlier segment, one at least between")
                    .isLessThan(s.answerStart() / N - 1);
        }
    }

    @Test
    void passkeyKeysAreTrainPartNumbersAndTheAnswerFollowsTheQuestion() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200; i++) {
            TrainingData.Sample s = data.passkey(random, LENGTH);
            String key = tokenizer.decode(Arrays.copyOfRange(s.ids(), s.answerStart(),
                    s.answerStart() + s.answerLength())).strip();
            assertThat(key).matches("\\d{1,6}");
            assertThat(HeldOut.of(key)).isEqualTo(HeldOut.TRAIN);
            String prompt = tokenizer.decode(Arrays.copyOf(s.ids(), s.answerStart()));
            assertThat(prompt).endsWith("What is the pass key? The pass key is")
                    .contains("The pass key is " + key + ". Remember it.");
        }
    }
}
