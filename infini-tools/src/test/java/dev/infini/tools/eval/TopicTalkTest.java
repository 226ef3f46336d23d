package dev.infini.tools.eval;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class TopicTalkTest {

    @Test
    void everyKindHasTopicsAndExchangesOnBothSidesOfTheSplit() {
        for (HeldOut part : HeldOut.values()) {
            assertThat(TopicTalk.kinds(part)).as(part.name()).extracting(TopicTalk.Kind::name)
                    .containsExactlyElementsOf(TopicTalk.KINDS.stream().map(TopicTalk.Kind::name).toList());
            assertThat(TopicTalk.kinds(part)).allSatisfy(k -> assertThat(k.topics()).as(k.name())
                    .hasSizeGreaterThanOrEqualTo(2));
        }
    }

    @Test
    void everyMessageAndReplyFrameNamesItsTopicOnceAndNoReplyAnswersTwoMessages() {
        Set<String> replies = new HashSet<>();
        for (TopicTalk.Kind kind : TopicTalk.KINDS) {
            for (TopicTalk.Exchange exchange : kind.exchanges()) {
                assertThat(exchange.replies()).as(exchange.message()).isNotEmpty();
                for (String frame : frames(exchange).toList()) {
                    assertThat(frame.split("\\{[tT]}", -1)).as(frame).hasSize(2);
                    assertThat(frame).as(frame).matches("[A-Z{].*[.!?]");
                }
                exchange.replies().forEach(r -> assertThat(replies.add(r)).as("answers one message: " + r).isTrue());
            }
        }
    }

    @Test
    void aPairOfTheTestPartIsAMessageAndAReplyThatTrainingCannotProduce() {
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
    void aReplyAnswersItsOwnMessage() {
        SplittableRandom random = new SplittableRandom(6);
        for (int i = 0; i < 500; i++) {
            TopicTalk.Pair pair = TopicTalk.pair(random, TopicTalk.kinds(HeldOut.TRAIN));
            assertThat(TopicTalk.KINDS.stream().flatMap(k -> k.exchanges().stream())
                    .filter(e -> e.replies().stream().map(r -> TopicTalk.fill(r, pair.topic()))
                            .anyMatch(pair.reply()::equals))
                    .map(e -> TopicTalk.fill(e.message(), pair.topic())))
                    .as(pair.reply()).contains(pair.message());
        }
    }

    @Test
    void theTrainPartProducesNoHeldOutSmallTalkOrAcknowledgement() {
        Set<String> trainSentences = sentences(TopicTalk.kinds(HeldOut.TRAIN));
        FactTemplates.smallTalk(HeldOut.TEST).forEach(t -> assertThat(trainSentences).as("held-out small talk")
                .doesNotContain(t.message(), t.reply()));
        assertThat(trainSentences).doesNotContainAnyElementsOf(FactTemplates.acknowledgements(HeldOut.TEST));
    }

    @Test
    void trainingPairsComeInThousands() {
        assertThat(sentences(TopicTalk.kinds(HeldOut.TRAIN))).hasSizeGreaterThan(3000);
    }

    /** Every message and reply of the kinds: each frame filled with each topic of its kind. */
    private static Set<String> sentences(List<TopicTalk.Kind> kinds) {
        Set<String> all = new HashSet<>();
        for (TopicTalk.Kind kind : kinds) {
            for (String topic : kind.topics()) {
                kind.exchanges().stream().flatMap(TopicTalkTest::frames)
                        .forEach(f -> all.add(TopicTalk.fill(f, topic)));
            }
        }
        return all;
    }

    private static Stream<String> frames(TopicTalk.Exchange exchange) {
        return Stream.concat(Stream.of(exchange.message()), exchange.replies().stream());
    }
}
