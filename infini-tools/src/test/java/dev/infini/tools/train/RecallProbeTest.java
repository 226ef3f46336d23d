package dev.infini.tools.train;

import dev.infini.engine.OneTorchThread;
import dev.infini.engine.SharedData;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.model.InfiniModel;
import dev.infini.tools.eval.OpenData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OneTorchThread.class)
class RecallProbeTest {

    @Test
    void scoresTheTargetsOfEveryKindOfRecallSequenceThroughTheEngine() {
        List<String> names = IntStream.range(0, 100)
                .mapToObj(i -> "Zed" + (char) ('a' + i / 26) + (char) ('a' + i % 26)).toList();
        List<OpenData.Document> documents = IntStream.range(0, 40).mapToObj(d -> new OpenData.Document("doc/" + d,
                "The river ran past the old mill and the hills were green today. ".repeat(30))).toList();
        OpenData open = new OpenData(names, names, names, documents);
        EngineOptions options = EngineOptions.builder().device("cpu").segmentLength(32).gateInit(0f).build();
        try (InfiniModel model = InfiniModel.load(SharedData.stories260k(), options)) {
            List<RecallProbe.Row> rows = new RecallProbe(model, open, 20_000).run(1, 12 * 32, 1);
            assertThat(rows).hasSize(13).allSatisfy(r -> {
                assertThat(r.targets()).as(r.kind()).isPositive();
                assertThat(r.nll()).as(r.kind()).isFinite().isPositive();
            });
            // stories260k never saw random tokens of the whole vocabulary: copying them is beyond it
            RecallProbe.Row whole = rows.get(1);
            assertThat(whole.kind()).isEqualTo("copy, whole vocabulary, period 24");
            assertThat(whole.nll()).isGreaterThan(Math.log(16));
            assertThat(RecallProbe.table(rows)).contains("| copy, 16 symbols, period 24 |",
                    "| copy, 16 symbols, period 100 (through the memory) |",
                    "| copy, open-list values, period 48 (through the memory) |",
                    "| chat, held-out test part (answer value) |").doesNotContain("not scored");

            // sequences too short for a held-out chat (it asks three segments after the facts): that row says why,
            // the others are scored
            List<RecallProbe.Row> brief = new RecallProbe(model, open, 20_000).run(1, 3 * 32, 1);
            RecallProbe.Row chat = brief.stream().filter(r -> r.kind().startsWith("chat, held-out")).findFirst()
                    .orElseThrow();
            assertThat(chat.targets()).isZero();
            assertThat(chat.skipped()).contains("use more segments per sequence");
            assertThat(brief.get(0).targets()).isPositive();
            assertThat(RecallProbe.table(brief)).contains("| chat, held-out test part (answer value) | 0 | – | – |",
                    "not scored: chat, held-out test part (answer value): a sequence of 96 tokens",
                    "not scored: copy, 16 symbols, period 100 (through the memory): a sequence of 96 tokens cannot"
                            + " hold a period of 100 twice");
        }
    }
}
