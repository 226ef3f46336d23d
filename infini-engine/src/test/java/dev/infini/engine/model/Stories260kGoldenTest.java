package dev.infini.engine.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.DecodePath;
import dev.infini.engine.OneTorchThread;
import dev.infini.engine.SharedData;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.engine.sampling.GenerationResult;
import dev.infini.engine.sampling.TokenListener;
import dev.infini.engine.session.Session;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.util.EnumMap;
import java.util.Map;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The stories260k checkpoint with one segment longer than every sequence and no gates is plain Llama, so it must
 * reproduce llama2.c's greedy output and a float64 reference's logits, whichever path decodes.
 */
@ExtendWith(OneTorchThread.class) // tiny shapes: per-op overhead dominates, and spinning threads hurt
class Stories260kGoldenTest {

    private static final Map<DecodePath, InfiniModel> models = new EnumMap<>(DecodePath.class);
    private static JsonObject golden;

    @BeforeAll
    static void load() throws Exception {
        for (DecodePath path : DecodePath.values()) {
            models.put(path, path.load(SharedData.stories260k(), EngineOptions.builder().segmentLength(512).build()));
        }
        golden = JsonParser.parseString(Files.readString(SharedData.dir().resolve("models/stories260k-golden.json")))
                .getAsJsonObject();
    }

    @AfterAll
    static void close() {
        models.values().forEach(InfiniModel::close);
    }

    @Test
    void tokenizerGivesTheGoldenPromptIds() {
        InfiniModel model = models.get(DecodePath.JAVA);
        for (JsonElement c : golden.getAsJsonArray("cases")) {
            JsonObject testCase = c.getAsJsonObject();
            assertThat(model.tokenizer().encode(testCase.get("prompt").getAsString()))
                    .as(testCase.get("prompt").getAsString())
                    .containsExactly(ints(testCase.getAsJsonArray("prompt_ids")));
        }
    }

    @ParameterizedTest
    @EnumSource(DecodePath.class)
    void greedyContinuationEqualsTheGoldenIds(DecodePath path) {
        InfiniModel model = models.get(path);
        for (JsonElement c : golden.getAsJsonArray("cases")) {
            JsonObject testCase = c.getAsJsonObject();
            int[] expected = ints(testCase.getAsJsonArray("generated_ids"));
            try (Session session = new Session(model)) {
                session.append(ints(testCase.getAsJsonArray("prompt_ids")));
                GenerationResult result = session.generate(GenerationOptions.builder().maxTokens(expected.length)
                        .stopOnEos(false).build(), TokenListener.NONE);
                assertThat(result.tokenIds()).as(testCase.get("prompt").getAsString()).containsExactly(expected);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DecodePath.class)
    void logitsMatchTheFloat64Reference(DecodePath path) {
        InfiniModel model = models.get(path);
        JsonObject logits = golden.getAsJsonObject("logits");
        for (String key : new String[] {"last_prompt_position", "after_10_generated"}) {
            JsonObject point = logits.getAsJsonObject(key);
            float[] expected = floats(point.getAsJsonArray("logits"));
            try (Session session = new Session(model)) {
                session.append(ints(point.getAsJsonArray("input_ids")));
                float[] actual = session.lastLogits();
                assertThat(actual).hasSize(expected.length);
                for (int i = 0; i < expected.length; i++) {
                    assertThat(actual[i]).as("%s logit %d", key, i).isCloseTo(expected[i], within(1e-4f));
                }
            }
        }
    }

    static int[] ints(JsonArray array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonElement::getAsInt).toArray();
    }

    static float[] floats(JsonArray array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).getAsFloat();
        }
        return out;
    }
}
