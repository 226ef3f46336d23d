package dev.infini.engine.sampling;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.OneTorchThread;
import dev.infini.engine.SharedData;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.session.Session;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Generation on the real stories260k model: seeded sampling is reproducible, a stop string cuts the text and never
 * reaches the listener, an end-of-sequence token ends generation, and maxTokens bounds it.
 */
@ExtendWith(OneTorchThread.class) // tiny shapes: per-op overhead dominates, and spinning threads hurt
class GenerationTest {

    private static final String PROMPT = "Once upon a time";

    @TempDir
    static Path tmp;
    private static InfiniModel model;

    @BeforeAll
    static void load() {
        model = InfiniModel.load(SharedData.stories260k(), EngineOptions.builder().device("cpu").segmentLength(512).build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void theSameSeedGivesTheSameSampledText() {
        GenerationOptions options = GenerationOptions.builder().maxTokens(40).temperature(0.9).topK(40).topP(0.95)
                .repetitionPenalty(1.1).seed(7L).stopOnEos(false).build();
        GenerationResult first = generate(model, options, new Recorder());
        GenerationResult second = generate(model, options, new Recorder());
        GenerationResult otherSeed = generate(model, options.mutate().seed(8L).build(), new Recorder());
        assertThat(second.tokenIds()).containsExactly(first.tokenIds());
        assertThat(second.text()).isEqualTo(first.text()).isNotBlank();
        assertThat(otherSeed.tokenIds()).isNotEqualTo(first.tokenIds());
    }

    @Test
    void aStopStringCutsTheTextAndIsNeverStreamed() {
        Recorder free = new Recorder();
        GenerationResult unconstrained = generate(model, GenerationOptions.builder().maxTokens(80).stopOnEos(false)
                .build(), free);
        assertThat(unconstrained.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(free.text()).isEqualTo(unconstrained.text());
        String text = unconstrained.text();
        // a stop string that first appears well into the text, spanning more than one token
        int at = text.indexOf(' ', text.length() / 3);
        String stop = text.substring(at, at + 5);
        String expected = text.substring(0, text.indexOf(stop));

        Recorder recorder = new Recorder();
        GenerationResult stopped = generate(model, GenerationOptions.builder().maxTokens(80).stopOnEos(false)
                .stopStrings(List.of("no such text anywhere", stop)).build(), recorder);
        assertThat(stopped.finishReason()).isEqualTo(FinishReason.STOP_STRING);
        assertThat(stopped.text()).isEqualTo(expected);
        assertThat(recorder.text()).isEqualTo(expected).doesNotContain(stop.strip());
        assertThat(stopped.tokenIds().length).isLessThan(unconstrained.tokenIds().length);
        assertThat(unconstrained.tokenIds()).startsWith(stopped.tokenIds());
    }

    @Test
    void textHeldBackForAStopStringThatNeverCompletesIsStillDelivered() {
        GenerationResult unconstrained = generate(model, GenerationOptions.builder().maxTokens(30).stopOnEos(false)
                .build(), new Recorder());
        String text = unconstrained.text();
        // the text ends with the start of this stop string, so its last characters are held back until the end
        String stop = text.substring(text.length() - 2) + "#never#";
        Recorder recorder = new Recorder();
        GenerationResult result = generate(model, GenerationOptions.builder().maxTokens(30).stopOnEos(false)
                .stopStrings(List.of(stop)).build(), recorder);
        assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(result.text()).isEqualTo(text);
        assertThat(recorder.text()).isEqualTo(text);
        assertThat(recorder.ids).hasSize(31).endsWith(-1);
        assertThat(recorder.ids.subList(0, 30)).containsExactlyElementsOf(
                Arrays.stream(unconstrained.tokenIds()).boxed().toList());
    }

    @Test
    void anEndOfSequenceTokenEndsGeneration() throws IOException {
        GenerationResult unconstrained = generate(model, GenerationOptions.builder().maxTokens(40).stopOnEos(false)
                .build(), new Recorder());
        int[] ids = unconstrained.tokenIds();
        // declare as EOS a token the model produces, first at position k
        int k = 5;
        while (firstIndex(ids, ids[k]) != k) {
            k++;
        }
        int eos = ids[k];
        Path variant = Files.createDirectories(tmp.resolve("eos-" + eos));
        for (String name : new String[] {"model.safetensors", "tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(SharedData.stories260k().resolve(name), variant.resolve(name));
        }
        JsonObject config = JsonParser.parseString(Files.readString(SharedData.stories260k().resolve("config.json")))
                .getAsJsonObject();
        config.addProperty("eos_token_id", eos);
        Files.writeString(variant.resolve("config.json"), new GsonBuilder().create().toJson(config));

        try (InfiniModel withEos = InfiniModel.load(variant, EngineOptions.builder().device("cpu").segmentLength(512)
                .build())) {
            Recorder recorder = new Recorder();
            GenerationResult result = generate(withEos, GenerationOptions.builder().maxTokens(40).build(), recorder);
            assertThat(result.finishReason()).isEqualTo(FinishReason.EOS);
            assertThat(result.tokenIds()).containsExactly(Arrays.copyOf(ids, k + 1));
            assertThat(recorder.ids).as("the EOS token is not streamed").doesNotContain(eos);
            String before = generate(model, GenerationOptions.builder().maxTokens(k).stopOnEos(false).build(),
                    new Recorder()).text();
            assertThat(result.text()).isEqualTo(before);
            assertThat(recorder.text()).isEqualTo(before);

            GenerationResult ignoring = generate(withEos, GenerationOptions.builder().maxTokens(40).stopOnEos(false)
                    .build(), new Recorder());
            assertThat(ignoring.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(ignoring.tokenIds()).containsExactly(ids);
        }
    }

    @Test
    void maxTokensBoundsGenerationAndEveryTokenIsAppended() {
        try (Session session = new Session(model)) {
            session.append(model.tokenizer().encode(PROMPT));
            long before = session.tokensSeen();
            Recorder recorder = new Recorder();
            GenerationResult result = session.generate(GenerationOptions.builder().maxTokens(7).stopOnEos(false)
                    .build(), recorder);
            assertThat(result.tokenIds()).hasSize(7);
            assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(session.tokensSeen()).isEqualTo(before + 7);
            assertThat(recorder.ids.stream().filter(id -> id >= 0).mapToInt(Integer::intValue).toArray())
                    .containsExactly(result.tokenIds());
            assertThat(result.text()).isEqualTo(model.tokenizer().decode(result.tokenIds()));
        }
    }

    @Test
    void withTheNgramLimitGreedyTextHoldsNoRepeatedNgram() {
        GenerationOptions greedy = GenerationOptions.builder().maxTokens(120).stopOnEos(false).build();
        int[] free = generate(model, greedy, new Recorder()).tokenIds();
        assertThat(repeatedTrigrams(free)).as("greedy stories260k repeats itself").isPositive();
        int[] limited = generate(model, greedy.mutate().noRepeatNgramSize(3).build(), new Recorder()).tokenIds();
        assertThat(limited).hasSize(120);
        assertThat(repeatedTrigrams(limited)).isZero();
    }

    private static int repeatedTrigrams(int[] ids) {
        Set<List<Integer>> seen = new HashSet<>();
        int repeated = 0;
        for (int i = 0; i + 2 < ids.length; i++) {
            repeated += seen.add(List.of(ids[i], ids[i + 1], ids[i + 2])) ? 0 : 1;
        }
        return repeated;
    }

    private static GenerationResult generate(InfiniModel on, GenerationOptions options, TokenListener listener) {
        try (Session session = new Session(on)) {
            session.append(on.tokenizer().encode(PROMPT));
            return session.generate(options, listener);
        }
    }

    private static int firstIndex(int[] ids, int id) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        return -1;
    }

    /** Collects what a listener is told. */
    private static final class Recorder implements TokenListener {
        final List<Integer> ids = new ArrayList<>();
        final StringBuilder text = new StringBuilder();

        @Override
        public void onToken(int tokenId, String piece) {
            ids.add(tokenId);
            text.append(piece);
        }

        String text() {
            return text.toString();
        }
    }
}
