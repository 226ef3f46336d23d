package dev.infini.tools.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class HeldOutTest {

    @Test
    void theSplitIsTheDocumentedSha256RuleComputedElsewhere() {
        // expected sides computed independently with Python's hashlib (docs/passkey.md gives the one-liner)
        assertThat(HeldOut.of("Your name is {v}.")).isEqualTo(HeldOut.TEST);
        assertThat(HeldOut.of("Lucy")).isEqualTo(HeldOut.TEST);
        assertThat(HeldOut.of("Lima")).isEqualTo(HeldOut.TEST);
        assertThat(HeldOut.of("Oliver")).isEqualTo(HeldOut.TRAIN);
        assertThat(HeldOut.of("Vienna")).isEqualTo(HeldOut.TRAIN);
        assertThat(HeldOut.of("12345")).isEqualTo(HeldOut.TRAIN);
    }

    @Test
    void anItemKeepsItsSideWhateverItsCaseOrSurroundingSpace() {
        assertThat(HeldOut.of("  lucy ")).isEqualTo(HeldOut.of("LUCY")).isEqualTo(HeldOut.TEST);
    }

    @Test
    void aboutAFifthOfItemsAreHeldOutAndThePartsDoNotOverlap() {
        List<String> numbers = IntStream.range(0, 20_000).mapToObj(Integer::toString).toList();
        List<String> test = HeldOut.TEST.select(numbers);
        List<String> train = HeldOut.TRAIN.select(numbers);
        assertThat(test.size() / (double) numbers.size()).isBetween(0.19, 0.21);
        assertThat(test.size() + train.size()).isEqualTo(numbers.size());
        assertThat(test).doesNotContainAnyElementsOf(train);
    }
}
