package dev.infini.tools.eval;

import dev.infini.engine.SharedData;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.model.InfiniModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(dev.infini.engine.OneTorchThread.class)
class HeldOutChatRecallTest {

    private static List<String> entries(String prefix) {
        return IntStream.range(0, 200).mapToObj(i -> prefix + (char) ('a' + i / 26) + (char) ('a' + i % 26)).toList();
    }

    @Test
    void asksInHeldOutPhrasingForUnseenSeenAndShortAndLongMadeUpValuesInTurnAfterTheRequiredSegments() {
        List<OpenData.Document> documents = IntStream.range(0, 20).mapToObj(d -> new OpenData.Document("doc/" + d,
                "The river ran past the old mill number " + d + ". Nobody knew where the road ended.")).toList();
        OpenData data = new OpenData(entries("Zed"), entries("Cty"), entries("wrd"), documents);
        EngineOptions options = EngineOptions.builder().device("cpu").segmentLength(32).gateInit(0f).build();
        try (InfiniModel model = InfiniModel.load(SharedData.stories260k(), options)) {
            List<HeldOutChatRecall.Trial> trials = new HeldOutChatRecall(ChatRecallEvaluator.engine(model, 8), data,
                    model.tokenizer(), 2).run(6, 3, t -> { });
            assertThat(trials).extracting(HeldOutChatRecall.Trial::category).containsExactly(
                    HeldOutChatRecall.Category.UNSEEN, HeldOutChatRecall.Category.SEEN,
                    HeldOutChatRecall.Category.MADE_UP, HeldOutChatRecall.Category.UNSEEN,
                    HeldOutChatRecall.Category.SEEN, HeldOutChatRecall.Category.MADE_UP);
            List<String> tellings = FactTemplates.slots(HeldOut.TEST).stream().flatMap(s -> s.tell().stream()).toList();
            List<String> questions = FactTemplates.slots(HeldOut.TEST).stream().flatMap(s -> s.ask().stream()).toList();
            for (HeldOutChatRecall.Trial t : trials) {
                assertThat(HeldOut.of(t.value())).isEqualTo(t.category() == HeldOutChatRecall.Category.SEEN
                        ? HeldOut.TRAIN : HeldOut.TEST);
                assertThat(tellings).anySatisfy(s -> assertThat(FactTemplates.fill(s, t.value())).isEqualTo(t.fact()));
                assertThat(questions).contains(t.question());
                assertThat(t.segmentsBetween()).isGreaterThanOrEqualTo(2);
                assertThat(t.valueTokens()).isEqualTo(model.tokenizer().encodeAfterSpace(t.value()).length);
                assertThat(t.correct()).isEqualTo(ChatRecallEvaluator.mentions(t.reply(), t.value()));
            }
            assertThat(trials.get(2).valueTokens()).as("the first made-up word: 2-4 tokens").isBetween(2, 4);
            assertThat(trials.get(5).valueTokens()).as("the next: 5 tokens or more").isGreaterThanOrEqualTo(5);
            String report = HeldOutChatRecall.report(trials, "memory ON");
            assertThat(report).contains("| made-up |", "held-out chat recall (memory ON, unseen values): ",
                    "held-out chat recall (memory ON, seen values): ",
                    "held-out chat recall (memory ON, made-up words): ",
                    "held-out chat recall (memory ON, all): ")
                    .containsPattern("\\(memory ON, made-up words of 2-4 tokens\\): [01]/1 ")
                    .containsPattern("\\(memory ON, made-up words of 5 tokens or more\\): [01]/1 ");
        }
    }
}
