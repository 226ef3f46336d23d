package dev.infini.tools.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FactTemplatesTest {

    @Test
    void everySentenceSetHasATrainAndATestPart() {
        for (HeldOut part : HeldOut.values()) {
            for (FactTemplates.Slot slot : FactTemplates.slots(part)) {
                assertThat(slot.tell()).as(part + " " + slot.name() + " tell").hasSizeGreaterThanOrEqualTo(2);
                assertThat(slot.ask()).as(part + " " + slot.name() + " ask").hasSizeGreaterThanOrEqualTo(2);
                assertThat(slot.answer()).as(part + " " + slot.name() + " answer").hasSizeGreaterThanOrEqualTo(2);
            }
            assertThat(FactTemplates.acknowledgements(part)).hasSizeGreaterThanOrEqualTo(2);
            assertThat(FactTemplates.smallTalk(part)).hasSizeGreaterThanOrEqualTo(5);
        }
    }

    @Test
    void tellingAndAnsweringSentencesHoldTheValueOnceAfterASpaceAndQuestionsNever() {
        for (FactTemplates.Slot slot : FactTemplates.SLOTS) {
            for (String sentence : concat(slot.tell(), slot.answer())) {
                assertThat(sentence.split("\\{v}", -1)).as(sentence).hasSize(2);
                assertThat(sentence).as("the value reads as a word after a space").contains(" {v}");
            }
            assertThat(slot.ask()).allSatisfy(q -> assertThat(q).doesNotContain("{v}"));
        }
        assertThat(FactTemplates.ACKNOWLEDGEMENTS).allSatisfy(a -> assertThat(a).doesNotContain("{v}"));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
