package dev.infini.engine.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stories260k tokenizer through {@link InfiniTokenizer} gives the reference ids (BOS included) for all 288 cases
 * of {@code stories260k-tokenizer-cases.json}, and never truncates: DJL's default would cut at 512 tokens.
 */
class InfiniTokenizerTest {

    private static InfiniTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = InfiniTokenizer.load(SharedData.stories260k(), 512);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void everyReferenceCaseEncodesToItsExpectedIds() throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(
                SharedData.dir().resolve("models/stories260k-tokenizer-cases.json"), StandardCharsets.UTF_8))
                .getAsJsonObject();
        List<String> mismatches = new ArrayList<>();
        int cases = 0;
        for (JsonElement element : json.getAsJsonArray("cases")) {
            JsonObject c = element.getAsJsonObject();
            String text = c.get("text").getAsString();
            int[] expected = c.getAsJsonArray("expected_ids").asList().stream().mapToInt(JsonElement::getAsInt)
                    .toArray();
            int[] actual = tokenizer.encode(text);
            if (!java.util.Arrays.equals(actual, expected)) {
                mismatches.add(quote(text) + ": expected " + java.util.Arrays.toString(expected) + " got "
                        + java.util.Arrays.toString(actual));
            }
            cases++;
        }
        assertThat(cases).isEqualTo(288);
        assertThat(mismatches).as("cases whose ids differ").isEmpty();
    }

    @Test
    void bosIsAddedOnlyWhenAsked() {
        assertThat(tokenizer.encode("Once upon a time")).startsWith(1);
        assertThat(tokenizer.encode("Once upon a time", false)).doesNotContain(1);
        assertThat(tokenizer.encode("Once upon a time", false)).hasSize(tokenizer.encode("Once upon a time").length - 1);
    }

    @Test
    void aTextLongerThan512TokensIsNotTruncated() {
        String sentence = "Once upon a time, there was a little girl named Lily who loved to play in the park. ";
        int perSentence = tokenizer.encode(sentence, false).length;
        String text = sentence.repeat(80);
        int[] ids = tokenizer.encode(text, false);
        assertThat(ids.length).isGreaterThan(4 * 512).isGreaterThanOrEqualTo(80 * (perSentence - 1));
        assertThat(tokenizer.decode(ids)).as("decoded text").isEqualTo(text);
        // the tail is encoded like the head: nothing was cut off
        int[] withBos = tokenizer.encode(text);
        assertThat(withBos).hasSize(ids.length + 1);
    }

    private static String quote(String text) {
        return "\"" + text.replace("\n", "\\n").replace("\t", "\\t") + "\"";
    }

    @Test
    void aWordAfterASpaceKeepsItsWordStartMarker() {
        int[] inText = tokenizer.encode("My dog is called Rex.", false);
        int[] word = tokenizer.encodeAfterSpace("Rex");
        assertThat(tokenizer.decode(word)).isEqualTo("Rex");
        // the word's tokens appear as they are inside the sentence
        assertThat(java.util.Collections.indexOfSubList(
                java.util.Arrays.stream(inText).boxed().toList(), java.util.Arrays.stream(word).boxed().toList()))
                .isPositive();
    }
}
