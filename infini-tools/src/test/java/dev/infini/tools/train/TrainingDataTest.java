package dev.infini.tools.train;

import dev.infini.engine.SharedData;
import dev.infini.engine.tokenizer.InfiniTokenizer;
import dev.infini.tools.eval.ChatScript;
import dev.infini.tools.eval.PasskeyPrompt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainingDataTest {

    private static final int N = 64;
    private static InfiniTokenizer tokenizer;
    private static TrainingData data;

    @BeforeAll
    static void load() throws Exception {
        tokenizer = InfiniTokenizer.load(SharedData.stories260k(), 512);
        data = new TrainingData(tokenizer, 1, 2, N, new TrainingData.Mix(0.6, 0.25, 0, 5f, 5, 0.9, 0), new int[0]);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void passkeyAnswerIsTheKeyThenAFullStopFollowedByMoreText() {
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 200; i++) {
            TrainingData.Sample s = data.passkey(random, 8 * N, true);
            assertThat(s.ids()).hasSize(8 * N + 1);
            int end = s.answerStart() + s.answerLength() + 1;
            String answer = tokenizer.decode(Arrays.copyOfRange(s.ids(), s.answerStart(), end));
            assertThat(answer.strip()).matches("[1-9][0-9]{4}\\.");
            String prompt = tokenizer.decode(Arrays.copyOfRange(s.ids(), 0, s.answerStart()));
            assertThat(prompt).endsWith(PasskeyPrompt.QUESTION);
            assertThat(prompt).contains("The pass key is " + answer.strip().substring(0, 5) + ".");
            for (int t = 0; t <= s.answerLength(); t++) {
                assertThat(s.weights()[s.answerStart() + t - 1]).as("answer and stop weigh more").isEqualTo(5f);
            }
            long needleSegment = prompt.indexOf("The pass key is") >= 0 ? segmentOf(s, "The pass key is") : -1;
            assertThat(needleSegment).as("needle in an earlier segment").isLessThan((s.answerStart() - 1) / N);
        }
    }

    @Test
    void manyAnswersStraddleASegmentBoundaryAndSomeStartOneExactly() {
        SplittableRandom random = new SplittableRandom(2);
        int straddle = 0;
        int exact = 0;
        int draws = 500;
        for (int i = 0; i < draws; i++) {
            TrainingData.Sample s = random.nextBoolean() ? data.passkey(random, 12 * N, true) : data.chat(random, 12 * N);
            int start = s.answerStart();
            boolean crosses = (start - 1) / N != (start + s.answerLength() - 1) / N;
            straddle += crosses ? 1 : 0;
            exact += start % N == 0 ? 1 : 0;
        }
        assertThat(straddle).as("answers that cross a boundary").isGreaterThan(draws / 4);
        assertThat(exact).as("answers that start a segment, as at every evaluation length that is a multiple of N")
                .isGreaterThan(draws / 30);
    }

    @Test
    void chatAnswersAFactToldEarlierAndTalkFillsTheRest() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 50; i++) {
            TrainingData.Sample s = data.chat(random, 16 * N);
            assertThat(s.ids()).hasSize(16 * N + 1);
            String before = tokenizer.decode(Arrays.copyOfRange(s.ids(), 0, s.answerStart()));
            String answer = tokenizer.decode(Arrays.copyOfRange(s.ids(), s.answerStart(),
                    s.answerStart() + s.answerLength()));
            assertThat(before).startsWith("You are a helpful assistant.").endsWith("Assistant:");
            String value = answer.replaceAll(".* (is|called|in) ", "").replace(".", "").replace("</s>", "").strip();
            assertThat(before).as("the answer's value was told before").contains(value);
            assertThat(s.weights()[s.answerStart() - 1]).isEqualTo(5f);
        }
    }

    private long segmentOf(TrainingData.Sample s, String text) {
        for (int t = 1; t < s.answerStart(); t++) {
            if (tokenizer.decode(Arrays.copyOfRange(s.ids(), 0, t)).contains(text)) {
                return (t - 1) / N;
            }
        }
        return -1;
    }

    @Test
    void copySequencesRepeatChatWordsDigitKeysProseWindowsOrShuffledProseInsideASegmentOrAcrossAndWeightOnlyTheCopies() {
        int[] prose = tokenizer.encode("Once upon a time, there was a little dog called Rex. Rex liked to play in the "
                + "park with his red ball. One day he met a cat named Lily, and they became good friends. ".repeat(4),
                false);
        TrainingData withProse = new TrainingData(tokenizer, 1, 2, N,
                new TrainingData.Mix(0, 0, 0, 5f, 5, 0.9, 1), prose);
        SplittableRandom random = new SplittableRandom(3);
        int digitStreams = 0;
        int windowStreams = 0;
        int shuffledStreams = 0;
        int wordStreams = 0;
        int localStreams = 0;
        int[][] words = ChatScript.words().stream().map(tokenizer::encodeAfterSpace).toArray(int[][]::new);
        for (int i = 0; i < 100; i++) {
            int length = 4 * N;
            TrainingData.Sample s = withProse.copy(random, length);
            assertThat(s.ids()).hasSize(length + 1);
            assertThat(s.ids()[0]).isEqualTo(1);
            int period = 0;
            while (s.weights()[period] == 0f) {
                period++;
            }
            assertThat(period).isBetween(N / 8, N / 2 + 2 * N);
            localStreams += period < N / 2 ? 1 : 0;
            for (int t = period; t < length; t++) {
                assertThat(s.weights()[t]).isEqualTo(1f);
                assertThat(s.ids()[t + 1]).isEqualTo(s.ids()[t + 1 - period]);
            }
            int[] stream = Arrays.copyOfRange(s.ids(), 1, 1 + period);
            if (isChatWords(stream, 0, words)) {
                wordStreams++;
            } else if (tokenizer.decode(stream).matches("[0-9 ]+")) {
                digitStreams++;
            } else {
                assertThat(IntStream.of(stream).allMatch(id -> IntStream.of(prose).anyMatch(p -> p == id)))
                        .as("every streamed token comes from the prose").isTrue();
                if (isWindowOf(prose, stream)) {
                    windowStreams++;
                } else {
                    shuffledStreams++;
                }
            }
        }
        assertThat(wordStreams).isBetween(35, 65);
        assertThat(digitStreams).isBetween(6, 30);
        assertThat(windowStreams).isBetween(6, 30);
        assertThat(shuffledStreams).isBetween(6, 30);
        assertThat(localStreams).as("streams that repeat inside one segment").isBetween(35, 65);
    }

    @Test
    void aMemoryCopyShareOfOneGivesEveryCopyASourceInAnEarlierSegment() {
        TrainingData throughMemory = new TrainingData(tokenizer, 1, 2, N,
                new TrainingData.Mix(0, 0, 0, 5f, 5, 0.9, 1, 1), new int[0]);
        SplittableRandom random = new SplittableRandom(4);
        for (int i = 0; i < 100; i++) {
            int length = 8 * N;
            TrainingData.Sample s = throughMemory.copy(random, length);
            int period = 0;
            while (s.weights()[period] == 0f) {
                period++;
            }
            // a period longer than the segment: the token a period back is never in the open segment
            assertThat(period).isBetween(N + 1, 3 * N);
            for (int t = period; t < length; t++) {
                assertThat(s.ids()[t + 1]).isEqualTo(s.ids()[t + 1 - period]);
            }
        }
        assertThatThrownBy(() -> new TrainingData.Mix(0, 0, 0, 5f, 5, 0.9, 1, 1.5))
                .hasMessageContaining("memory copy share must be in [0, 1]");
    }

    /** Whether stream[from..] is chat slot words one after another, the last one possibly cut by the stream's end. */
    private static boolean isChatWords(int[] stream, int from, int[][] words) {
        if (from == stream.length) {
            return true;
        }
        for (int[] word : words) {
            int n = Math.min(word.length, stream.length - from);
            if (Arrays.equals(stream, from, from + n, word, 0, n) && isChatWords(stream, from + n, words)) {
                return true;
            }
        }
        return false;
    }

    /** Whether stream is a contiguous run of tokens somewhere in text. */
    private static boolean isWindowOf(int[] text, int[] stream) {
        for (int i = 0; i + stream.length <= text.length; i++) {
            if (Arrays.equals(text, i, i + stream.length, stream, 0, stream.length)) {
                return true;
            }
        }
        return false;
    }
}
