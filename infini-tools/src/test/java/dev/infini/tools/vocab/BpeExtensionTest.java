package dev.infini.tools.vocab;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.SharedData;
import dev.infini.engine.tokenizer.InfiniTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Growing the stories260k vocabulary: the extended tokenizer, loaded by Hugging Face's own BPE, splits text as the old
 * one did and then applies the new merges on top, so that expanding every new token into its parts gives back the old
 * ids exactly, for all 288 reference strings.
 */
class BpeExtensionTest {

    private static final String TEXT = "My dog is called Fluffy. Your dog is called Fluffy. The pass key is 71432. ";

    @TempDir
    static Path dir;
    private static InfiniTokenizer old;
    private static InfiniTokenizer grown;
    private static List<BpeExtension.Merge> merges;

    @BeforeAll
    static void grow() throws IOException {
        old = InfiniTokenizer.load(SharedData.stories260k(), 512);
        BpeExtension extension = BpeExtension.read(SharedData.stories260k());
        List<int[]> streams = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            streams.add(old.encode(TEXT, false));
        }
        for (String text : referenceStrings()) { // twice, so their pairs count as frequent and merges reach them
            streams.add(old.encode(text, false));
            streams.add(old.encode(text, false));
        }
        BpeExtension.Learned learned = extension.learn(streams, 200, 2, n -> { });
        merges = learned.merges();
        extension.writeTokenizer(dir.resolve("tokenizer.json"), learned);
        int added = (int) merges.stream().filter(m -> m.id() >= 512).count();
        grown = InfiniTokenizer.load(dir, 512 + added);
    }

    @AfterAll
    static void close() {
        old.close();
        grown.close();
    }

    @Test
    void aFrequentWordBecomesOneTokenAndDecodesToTheSameText() {
        int[] ids = grown.encode("Your dog is called Fluffy.", false);
        assertThat(grown.decode(ids)).isEqualTo("Your dog is called Fluffy.");
        assertThat(ids.length).isLessThan(old.encode("Your dog is called Fluffy.", false).length);
        assertThat(java.util.Arrays.stream(ids).mapToObj(id -> grown.decode(new int[] {id}).strip()))
                .contains("Fluffy");
    }

    @Test
    void digitsAndPunctuationNeverMerge() {
        assertThat(merges).allMatch(m -> m.piece().replace("▁", "").chars().allMatch(Character::isLetter));
        for (int id : grown.encode("71432.", false)) {
            assertThat(grown.decode(new int[] {id}).strip()).hasSizeLessThanOrEqualTo(1);
        }
    }

    @Test
    void expandingNewTokensGivesTheOldSplitOfEveryReferenceString() throws IOException {
        Map<Integer, int[]> parts = new HashMap<>();
        for (BpeExtension.Merge m : merges) {
            parts.put(m.id(), m.parts());
        }
        int checked = 0;
        int shorter = 0;
        for (String text : referenceStrings()) {
            List<Integer> expanded = new ArrayList<>();
            for (int id : grown.encode(text, false)) {
                for (int part : id >= 512 ? parts.get(id) : new int[] {id}) {
                    expanded.add(part);
                }
            }
            assertThat(expanded).as(text).containsExactly(boxed(old.encode(text, false)));
            checked++;
            shorter += grown.encode(text, false).length < expanded.size() ? 1 : 0;
        }
        assertThat(checked).isEqualTo(288);
        assertThat(shorter).as("strings the new merges shorten").isGreaterThan(100);
    }

    @Test
    void everyMergeSpellsItsPartsAndNewIdsFollowTheOldVocabulary() throws IOException {
        JsonObject vocab = JsonParser.parseString(Files.readString(dir.resolve("tokenizer.json")))
                .getAsJsonObject().getAsJsonObject("model").getAsJsonObject("vocab");
        int next = 512;
        for (BpeExtension.Merge m : merges) {
            StringBuilder spelled = new StringBuilder();
            for (int part : m.parts()) {
                assertThat(part).isLessThan(512);
                spelled.append(old.decode(new int[] {part}, false).replace(" ", "▁"));
            }
            assertThat(spelled.toString().replace("▁", "")).isEqualTo(m.piece().replace("▁", ""));
            assertThat(vocab.get(m.piece()).getAsInt()).isEqualTo(m.id());
            if (m.id() >= 512) {
                assertThat(m.id()).isEqualTo(next++);
            }
        }
        assertThat(vocab.size()).isEqualTo(next);
    }

    @Test
    void learningStopsWhenNoPairIsFrequentEnough() {
        BpeExtension extension = BpeExtension.read(SharedData.stories260k());
        List<BpeExtension.Merge> none = extension.learn(List.of(old.encode("Zyx qwv", false)), 10, 2, n -> { })
                .merges();
        assertThat(none).isEmpty();
    }

    private static List<String> referenceStrings() throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(
                SharedData.dir().resolve("models/stories260k-tokenizer-cases.json"), StandardCharsets.UTF_8))
                .getAsJsonObject();
        List<String> texts = new ArrayList<>();
        for (JsonElement c : json.getAsJsonArray("cases")) {
            texts.add(c.getAsJsonObject().get("text").getAsString());
        }
        return texts;
    }

    private static Integer[] boxed(int[] ids) {
        Integer[] out = new Integer[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i];
        }
        return out;
    }
}
