package dev.infini.tools.eval;

import dev.infini.engine.SharedData;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.model.InfiniModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(dev.infini.engine.OneTorchThread.class)
class ChatRecallEvaluatorTest {

    @Test
    void asksForTheFactOnlyAfterTheRequiredSegmentsOfOtherTalk() {
        EngineOptions options = EngineOptions.builder().device("cpu").segmentLength(32).gateInit(0f).build();
        try (InfiniModel model = InfiniModel.load(SharedData.stories260k(), options)) {
            List<ChatRecallEvaluator.Trial> trials = new ChatRecallEvaluator(model, 3, 12).run(2, 7, t -> { });
            assertThat(trials).hasSize(2);
            for (ChatRecallEvaluator.Trial t : trials) {
                assertThat(t.segmentsBetween()).isGreaterThanOrEqualTo(3);
                assertThat(t.turns()).isGreaterThanOrEqualTo(3);
                assertThat(t.fact()).contains(t.value());
                assertThat(t.correct()).isEqualTo(ChatRecallEvaluator.mentions(t.reply(), t.value()));
            }
        }
    }

    @Test
    void zeroSegmentsAsksRightAfterTheFactAndNegativeIsRefused() {
        EngineOptions options = EngineOptions.builder().device("cpu").segmentLength(32).gateInit(0f).build();
        try (InfiniModel model = InfiniModel.load(SharedData.stories260k(), options)) {
            List<ChatRecallEvaluator.Trial> trials = new ChatRecallEvaluator(model, 0, 12).run(2, 7, t -> { });
            for (ChatRecallEvaluator.Trial t : trials) {
                assertThat(t.turns()).isEqualTo(2); // the fact, then the question
                assertThat(t.segmentsBetween()).isZero();
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ChatRecallEvaluator(model, -1, 12))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 0");
        }
    }

    @Test
    void aReplyCountsOnlyWhenItNamesTheValueAsAWord() {
        assertThat(ChatRecallEvaluator.mentions("Your name is Tom.", "Tom")).isTrue();
        assertThat(ChatRecallEvaluator.mentions("your dog is called max", "Max")).isTrue();
        assertThat(ChatRecallEvaluator.mentions("Your name is Tommy.", "Tom")).isFalse();
        assertThat(ChatRecallEvaluator.mentions("Your lucky number is 190.", "19")).isFalse();
        assertThat(ChatRecallEvaluator.mentions("I do not know.", "Paris")).isFalse();
    }

    @Test
    void theReportHasARowPerTrialAndEndsWithTheScore() {
        List<ChatRecallEvaluator.Trial> trials = List.of(
                new ChatRecallEvaluator.Trial(0, "I live in Oslo.", "Oslo", "Where do I live?", "You live in Oslo.",
                        true, 10, 14),
                new ChatRecallEvaluator.Trial(1, "My name is Tom. Please remember it.", "Tom", "What is my name?",
                        "a | b\nc", false, 11, 15));
        String report = ChatRecallEvaluator.report(trials, "memory ON");
        assertThat(report).contains("| I live in Oslo. | Where do I live? | You live in Oslo. | 10 | yes |")
                .contains("| a \\| b c | 11 | no |")
                .endsWith("chat recall (memory ON): 1/2 = 50%\n");
    }
}
