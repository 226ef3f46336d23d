package dev.infini.tools.eval;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class TopicTalkTest {

    @Test
    void everyKindHasTopicsAndFramesOnBothSidesOfTheSplit() {
        for (HeldOut part : HeldOut.values()) {
            assertThat(TopicTalk.kinds(part)).as(part.name()).extracting(TopicTalk.Kind::name)
                    .containsExactlyElementsOf(TopicTalk.KINDS.stream().map(TopicTalk.Kind::name).toList());
            assertThat(TopicTalk.kinds(part)).allSatisfy(k -> assertThat(k.topics()).as(k.name())
                    .hasSizeGreaterThanOrEqualTo(2));
        }
    }

    @Test
    void everyMessageAndReplyFrameNamesItsTopicOnce() {
        for (TopicTalk.Kind kind : TopicTalk.KINDS) {
            for (String frame : concat(kind.messages(), kind.replies())) {
                assertThat(frame.split("\\{[tT]}", -1)).as(frame).hasSize(2);
                assertThat(frame).as(frame).matches("[A-Z{].*[.!?]");
            }
        }
    }

    @Test
    void aPairOfOnePartIsAMessageAndAReplyThatTrainingCannotProduce() {
        Set<String> trainSentences = sentences(TopicTalk.kinds(HeldOut.TRAIN));
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 2000; i++) {
            TopicTalk.Pair pair = TopicTalk.pair(random, TopicTalk.kinds(HeldOut.TEST));
            assertThat(HeldOut.of(pair.topic())).isEqualTo(HeldOut.TEST);
            assertThat(pair.message()).containsIgnoringCase(pair.topic());
            assertThat(pair.reply()).as("the reply takes the topic up").containsIgnoringCase(pair.topic());
            assertThat(trainSentences).doesNotContain(pair.message(), pair.reply());
        }
    }

    @Test
    void trainingPairsComeInThousands() {
        assertThat(sentences(TopicTalk.kinds(HeldOut.TRAIN))).hasSizeGreaterThan(3000);
    }

    /** Every message and reply of the kinds: each frame filled with each topic of its kind. */
    static Set<String> sentences(List<TopicTalk.Kind> kinds) {
        Set<String> all = new HashSet<>();
        for (TopicTalk.Kind kind : kinds) {
            for (String topic : kind.topics()) {
                concat(kind.messages(), kind.replies()).forEach(f -> all.add(TopicTalk.fill(f, topic)));
            }
        }
        return all;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
