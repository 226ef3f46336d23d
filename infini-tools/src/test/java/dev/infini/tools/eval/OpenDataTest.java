package dev.infini.tools.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class OpenDataTest {

    @Test
    void loadsThePackagesDataOnlyWithDuplicatesQuotesLicencesAndTheWholeBookLeftOut(@TempDir Path cache)
            throws Exception {
        PackageTarballs.write(cache);
        OpenData data = OpenData.load(cache);
        assertThat(data.list(OpenData.Source.FIRST_NAME)).as("both lists, each name once").hasSize(200)
                .doesNotHaveDuplicates();
        assertThat(data.list(OpenData.Source.WORD)).hasSize(200).allSatisfy(w -> assertThat(w).matches("wrd[a-z]{2}"));
        assertThat(data.list(OpenData.Source.CITY)).hasSize(200);
        java.util.List<OpenData.Document> all = new java.util.ArrayList<>(data.documents(HeldOut.TRAIN));
        all.addAll(data.documents(HeldOut.TEST));
        assertThat(all.stream().filter(d -> d.id().startsWith("moby-dick/"))).hasSize(20)
                .noneMatch(d -> d.id().equals("moby-dick/data"));
        assertThat(all.stream().filter(d -> d.id().startsWith("sotu/"))).hasSize(20);
        java.util.List<String> mails = all.stream().filter(d -> d.id().startsWith("spam-assassin/"))
                .map(OpenData.Document::text).toList();
        assertThat(mails).containsExactlyInAnyOrder("Shall we meet at the pub on Friday? Bring the maps.",
                "Tuesday suits me fine.");
        assertThat(data.documents(HeldOut.TEST)).isNotEmpty().allSatisfy(d -> assertThat(HeldOut.of(d.id()))
                .isEqualTo(HeldOut.TEST));
    }

    @Test
    void sampledStoriesInTheCacheAreDocumentsEachOnceSplitOnTheirText(@TempDir Path cache) throws Exception {
        PackageTarballs.write(cache);
        assertThat(OpenData.load(cache).corpora(HeldOut.TRAIN)).doesNotContain("stories");
        StringBuilder stories = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            stories.append("Once upon a time, a cat number ").append(i).append(" sat in the sun.\n\n");
        }
        stories.append("Once upon a time, a cat number 7 sat in the sun.\n  \n"); // sampled twice: once
        java.nio.file.Files.writeString(cache.resolve(OpenData.STORIES), stories);
        OpenData data = OpenData.load(cache);
        java.util.List<OpenData.Document> train = data.documents(HeldOut.TRAIN).stream()
                .filter(d -> d.id().startsWith("stories/")).toList();
        java.util.List<OpenData.Document> test = data.documents(HeldOut.TEST).stream()
                .filter(d -> d.id().startsWith("stories/")).toList();
        assertThat(train.size() + test.size()).isEqualTo(60);
        assertThat(train).isNotEmpty();
        assertThat(test).isNotEmpty().allSatisfy(d -> assertThat(HeldOut.of(d.id())).isEqualTo(HeldOut.TEST));
        assertThat(train).extracting(OpenData.Document::text)
                .doesNotContainAnyElementsOf(test.stream().map(OpenData.Document::text).toList());
        assertThat(data.corpora(HeldOut.TRAIN)).contains("moby-dick ", "stories " + train.size());
    }

    @Test
    void mobyDickIsReadChapterByChapterNeverAsTheWholeBookThatWouldCrossTheSplit() {
        assertThat(OpenData.isMobyDickPart("package/data/chapter_1.txt")).isTrue();
        assertThat(OpenData.isMobyDickPart("package/data/chapter_135.txt")).isTrue();
        assertThat(OpenData.isMobyDickPart("package/data/epilogue.txt")).isTrue();
        assertThat(OpenData.isMobyDickPart("package/data/data.txt")).isFalse();
        assertThat(OpenData.isMobyDickPart("package/data/contents.txt")).isFalse();
        assertThat(OpenData.isMobyDickPart("package/data/chapter_1.json")).isFalse();
        assertThat(OpenData.isMobyDickPart("package/LICENSE")).isFalse();
    }

    @Test
    void textsThatQuoteASoftwareLicenceAreRecognised() {
        assertThat(OpenData.mentionsLicence("This program is free software; see the GNU General Public License."))
                .isTrue();
        assertThat(OpenData.mentionsLicence("Permission is hereby granted, free of charge, to any person")).isTrue();
        assertThat(OpenData.mentionsLicence("distributed WITHOUT ANY WARRANTY; without even")).isTrue();
        assertThat(OpenData.mentionsLicence("licensed under the apache license, version 2.0")).isTrue();
        assertThat(OpenData.mentionsLicence("The meeting is at noon; bring the permission slips.")).isFalse();
    }

    @Test
    void valuesComeOnlyFromThePartAsked() {
        OpenData data = new OpenData(java.util.List.of("Oliver", "Lucy", "Max", "Mia"),
                java.util.List.of("Vienna", "Lima"),
                java.util.List.of("apple"), java.util.List.of());
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 200; i++) {
            for (OpenData.Source source : OpenData.Source.values()) {
                if (source == OpenData.Source.WORD) {
                    continue; // "apple" is a train-part word: the list has no test part
                }
                assertThat(HeldOut.of(data.value(source, HeldOut.TEST, random))).isEqualTo(HeldOut.TEST);
                assertThat(HeldOut.of(data.value(source, HeldOut.TRAIN, random))).isEqualTo(HeldOut.TRAIN);
            }
        }
    }

    @Test
    void numbersHaveOneToSixDigitsAndMadeUpWordsAreCapitalisedLetters() {
        SplittableRandom random = new SplittableRandom(2);
        java.util.Set<Integer> lengths = new java.util.HashSet<>();
        for (int i = 0; i < 500; i++) {
            String number = OpenData.number(random);
            assertThat(number).matches("0|[1-9][0-9]{0,5}");
            lengths.add(number.length());
            assertThat(OpenData.invented(random)).matches("[A-Z][a-z]{3,}");
        }
        assertThat(lengths).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6);
    }
}
