package dev.infini.tools.train;

import dev.infini.engine.SharedData;
import dev.infini.tools.eval.PasskeyPrompt;
import dev.infini.engine.tokenizer.InfiniTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoryDataTest {

    private static final int N = 64;
    private static final List<String> STORIES = List.of(
            "Once upon a time, there was a little cat named Tom. Tom liked to sit in the sun.",
            "A boy had a red kite.\nHe ran with it in the wind, and it flew high over the trees.",
            "The sun was hot. Sam and his dad went to the lake to swim and eat cake.",
            "One day, a bird found a shiny stone. She took it to her nest and showed it to her friends.");
    private static InfiniTokenizer tokenizer;
    private static int[] stream;
    private static int[] paperFiller;

    @BeforeAll
    static void load() {
        tokenizer = InfiniTokenizer.load(SharedData.stories260k(), 512);
        // repeated so that a sequence of 12 segments fits in the stream many times over
        List<String> many = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            many.addAll(STORIES);
        }
        stream = StoryData.stream(tokenizer, 1, many);
        int[] sentence = tokenizer.encode(PasskeyPrompt.FILLER, false);
        paperFiller = new int[sentence.length * 20];
        for (int i = 0; i < paperFiller.length; i++) {
            paperFiller[i] = sentence[i % sentence.length];
        }
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void readsTheStoriesBetweenBlankLinesAndOpensEachWithBos(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("stories.txt");
        Files.writeString(file, String.join("\n\n", STORIES) + "\n\n\n");
        List<String> read = StoryData.read(file);
        assertThat(read).containsExactlyElementsOf(STORIES);
        int[] ids = StoryData.stream(tokenizer, 1, read);
        int position = 0;
        for (String story : STORIES) {
            int[] expected = tokenizer.encode(story, false);
            assertThat(ids[position]).isEqualTo(1);
            assertThat(Arrays.copyOfRange(ids, position + 1, position + 1 + expected.length)).containsExactly(expected);
            position += expected.length + 1;
        }
        assertThat(ids).hasSize(position);
    }

    @Test
    void passkeysHideInStoriesOrThePapersFillerWithKeysOfOneToFiveDigits() {
        StoryData data = new StoryData(tokenizer, 1, 2, N, new TrainingData.Mix(1, 0, 0, 5f, 5, 1.0, 0), stream);
        SplittableRandom random = new SplittableRandom(3);
        Map<Integer, Integer> digits = new HashMap<>();
        int inStories = 0;
        int draws = 300;
        for (int i = 0; i < draws; i++) {
            TrainingData.Sample s = data.sample(random, 12 * N, i);
            assertThat(s.ids()).hasSize(12 * N + 1);
            assertThat(s.kind()).isEqualTo("passkey");
            String prompt = tokenizer.decode(Arrays.copyOfRange(s.ids(), 0, s.answerStart()));
            assertThat(prompt).endsWith(PasskeyPrompt.QUESTION);
            String key = answer(s);
            assertThat(key).matches("[1-9][0-9]*");
            assertThat(prompt).contains("The pass key is " + key + ".");
            digits.merge(key.length(), 1, Integer::sum);
            int[] hay = haystack(s, key);
            boolean stories = TrainingData.indexOf(stream, hay, 0) >= 0;
            boolean paper = TrainingData.indexOf(paperFiller, hay, 0) == 0;
            assertThat(stories ^ paper).as("one haystack or the other: %s", prompt).isTrue();
            inStories += stories ? 1 : 0;
        }
        assertThat(inStories).as("two in three in stories").isBetween(draws * 55 / 100, draws * 78 / 100);
        assertThat(digits.keySet()).containsExactlyInAnyOrder(1, 2, 3, 4, 5);
        assertThat(digits.get(5)).as("half of the keys have all five digits, a fifth of the rest too")
                .isBetween(draws * 50 / 100, draws * 70 / 100);
    }

    /** The key a passkey sequence answers with. */
    private static String answer(TrainingData.Sample s) {
        int end = s.answerStart() + s.answerLength();
        return tokenizer.decode(Arrays.copyOfRange(s.ids(), s.answerStart(), end)).strip();
    }

    /** The haystack of a passkey sequence: the tokens between the task and the question, the needle cut out. */
    private static int[] haystack(TrainingData.Sample s, String key) {
        PasskeyPrompt prompt = new PasskeyPrompt(tokenizer, 1);
        int[] needle = prompt.needle(key);
        int head = prompt.minimumLength(key) - needle.length - prompt.question().length;
        int needleAt = TrainingData.indexOf(s.ids(), needle, head);
        int questionAt = s.answerStart() - prompt.question().length;
        return TrainingData.concat(Arrays.copyOfRange(s.ids(), head, needleAt),
                Arrays.copyOfRange(s.ids(), needleAt + needle.length, questionAt));
    }

    @Test
    void validationHidesAFiveDigitKeyInStoriesASegmentBeforeTheQuestion() {
        StoryData data = new StoryData(tokenizer, 1, 2, N, new TrainingData.Mix(0.5, 0, 0.5, 5f, 5, 0.85, 0), stream);
        SplittableRandom random = new SplittableRandom(4);
        for (int i = 0; i < 50; i++) {
            TrainingData.Sample s = data.validation(random, 8 * N);
            String prompt = tokenizer.decode(Arrays.copyOfRange(s.ids(), 0, s.answerStart()));
            String key = answer(s);
            assertThat(key).matches("[1-9][0-9]{4}");
            assertThat(prompt).doesNotContain("The grass is green");
            int needleEnd = 1;
            while (!tokenizer.decode(Arrays.copyOfRange(s.ids(), 0, needleEnd)).contains(key + " is the pass key")) {
                needleEnd++;
            }
            assertThat((needleEnd - 1) / N).as("the needle's segment").isLessThan((s.answerStart() - 1) / N);
        }
    }

    @Test
    void proseWindowsStartAtAStoryAndCopySequencesComeFromTheStories() {
        StoryData data = new StoryData(tokenizer, 1, 2, N, new TrainingData.Mix(0, 0, 0.5, 5f, 5, 0.85, 0.5), stream);
        SplittableRandom random = new SplittableRandom(5);
        int prose = 0;
        for (int i = 0; i < 100; i++) {
            TrainingData.Sample s = data.sample(random, 4 * N, i);
            assertThat(s.kind()).isIn("prose", "copy");
            if (s.kind().equals("prose")) {
                prose++;
                assertThat(TrainingData.indexOf(stream, s.ids(), 0)).as("a window of the stream")
                        .isGreaterThanOrEqualTo(0);
                assertThat(s.ids()[0]).as("starting at a story's BOS").isEqualTo(1);
            }
        }
        assertThat(prose).isBetween(35, 65);
    }

    @Test
    void symbolCopiesRepeatTheStoriesMostFrequentTokensAndTheOtherCopiesStayAsBefore() {
        // the stories' four most frequent tokens (ids 3 and up), as the alphabet orders them
        Map<Integer, Integer> counts = new HashMap<>();
        Arrays.stream(stream).filter(t -> t >= 3).forEach(t -> counts.merge(t, 1, Integer::sum));
        List<Integer> top = counts.keySet().stream()
                .sorted(java.util.Comparator.comparing((Integer t) -> -counts.get(t)).thenComparing(t -> t))
                .limit(4).toList();
        StoryData data = new StoryData(tokenizer, 1, 2, N, new TrainingData.Mix(0, 0, 0, 5f, 5, 0.85, 1), stream,
                new StoryData.SymbolCopies(0.5, 4, 1_000_000), 512);
        assertThat(data.alphabetSize(0)).isEqualTo(4);
        assertThat(data.alphabetSize(50_000)).isEqualTo(4);
        SplittableRandom random = new SplittableRandom(8);
        int symbolCopies = 0;
        for (int i = 0; i < 200; i++) {
            TrainingData.Sample s = data.sample(random, 4 * N, i);
            assertThat(s.kind()).isEqualTo("copy");
            int period = java.util.stream.IntStream.range(0, 4 * N).filter(t -> s.weights()[t] > 0).findFirst()
                    .orElseThrow();
            assertThat(period).isBetween(N / 8, 5 * N / 2);
            for (int t = period; t < 4 * N; t++) {
                assertThat(s.weights()[t]).isEqualTo(1f);
                assertThat(s.ids()[t + 1]).isEqualTo(s.ids()[t + 1 - period]);
            }
            if (Arrays.stream(s.ids(), 1, s.ids().length).allMatch(top::contains)) {
                symbolCopies++;
            }
        }
        assertThat(symbolCopies).isBetween(80, 120);
        assertThat(data.toString()).contains("50% of the copies symbols of an alphabet of 4");
        assertThatThrownBy(() -> new StoryData.SymbolCopies(1.5, 16, 500))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fraction");
    }

    @Test
    void refusesStoriesShorterThanASequence() {
        StoryData data = new StoryData(tokenizer, 1, 2, N, new TrainingData.Mix(0, 0, 1, 5f, 5, 0.85, 0),
                StoryData.stream(tokenizer, 1, STORIES));
        assertThatThrownBy(() -> data.sample(new SplittableRandom(6), 32 * N, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sample more stories");
    }
}
