package dev.infini.tools.eval;

import dev.infini.engine.SharedData;
import dev.infini.engine.tokenizer.InfiniTokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RepliesEvaluatorTest {

    @Test
    void aMessagesFileIsConversationsSeparatedByBlankLinesWithCommentsLeftOut() {
        List<List<RepliesEvaluator.Message>> conversations = RepliesEvaluator.conversations(List.of(
                "# greetings", "Hi!", "  How are you?  ", "", "", "# weather", "It rains.", ""));
        assertThat(conversations).hasSize(2);
        assertThat(conversations.get(0)).extracting(RepliesEvaluator.Message::text)
                .containsExactly("Hi!", "How are you?");
        assertThat(conversations.get(1)).extracting(RepliesEvaluator.Message::text).containsExactly("It rains.");
        assertThat(conversations.get(0)).allSatisfy(m -> assertThat(m.topic()).isNull())
                .allSatisfy(m -> assertThat(m.reference()).isNull());
        assertThatThrownBy(() -> RepliesEvaluator.conversations(List.of("# only a comment", " ")))
                .hasMessageContaining("no messages");
    }

    @Test
    void heldOutMessagesNameTestTopicsAndAreSeeded() {
        List<List<RepliesEvaluator.Message>> a = RepliesEvaluator.topicTalk(HeldOut.TEST, 3, 4, 9);
        assertThat(a).hasSize(3).allSatisfy(c -> assertThat(c).hasSize(4));
        assertThat(a).flatMap(c -> c).allSatisfy(m -> {
            assertThat(HeldOut.of(m.topic())).isEqualTo(HeldOut.TEST);
            assertThat(m.text()).containsIgnoringCase(m.topic());
            assertThat(m.reference()).as("a reply written for it").containsIgnoringCase(m.topic());
        });
        assertThat(RepliesEvaluator.topicTalk(HeldOut.TEST, 3, 4, 9)).isEqualTo(a);
        assertThatThrownBy(() -> RepliesEvaluator.topicTalk(HeldOut.TEST, 0, 4, 9))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theTrainPartGivesTrainTopicsForTheSeenDiagnostic() {
        List<List<RepliesEvaluator.Message>> train = RepliesEvaluator.topicTalk(HeldOut.TRAIN, 3, 4, 9);
        assertThat(train).flatMap(c -> c).allSatisfy(m -> {
            assertThat(HeldOut.of(m.topic())).isEqualTo(HeldOut.TRAIN);
            assertThat(m.reference()).containsIgnoringCase(m.topic());
        });
    }

    @Test
    void theTopicsTokensAreFoundInNearlyEveryReferenceReply() {
        try (InfiniTokenizer tokenizer = InfiniTokenizer.load(SharedData.stories260k(), 512)) {
            int found = 0;
            int total = 0;
            for (HeldOut part : HeldOut.values()) {
                for (List<RepliesEvaluator.Message> conversation : RepliesEvaluator.topicTalk(part, 40, 5, 3)) {
                    for (RepliesEvaluator.Message m : conversation) {
                        int[] reply = tokenizer.encode(" " + m.reference(), false);
                        int[] span = RepliesEvaluator.topicSpan(tokenizer, reply, m.topic());
                        if (span[1] > span[0]) {
                            found++;
                            assertThat(tokenizer.decode(Arrays.copyOfRange(reply, span[0], span[1])).strip())
                                    .isEqualToIgnoringCase(m.topic());
                        }
                        total++;
                    }
                }
            }
            assertThat(found).as(found + " of " + total).isGreaterThanOrEqualTo(total * 95 / 100);
        }
    }

    @Test
    void aReplyIsOnTopicWhenItNamesTheTopicArticleAsideAsAWholeWord() {
        assertThat(new RepliesEvaluator.Turn(0, "We went to the zoo.", "the zoo", "The zoo is fun!").onTopic())
                .isTrue();
        assertThat(new RepliesEvaluator.Turn(0, "We went to the zoo.", "the zoo", "A zoo day!").onTopic()).isTrue();
        assertThat(new RepliesEvaluator.Turn(0, "I love owls.", "owls", "Bowls are nice.").onTopic()).isFalse();
        assertThat(new RepliesEvaluator.Turn(0, "Hi!", null, "Hi!").onTopic()).isFalse();
    }

    @Test
    void eachConversationStartsAfreshAndTheReportCountsRepliesNamingTheTopic() {
        Map<String, List<String>> heard = new HashMap<>();
        ChatRecallEvaluator.Chat chat = new ChatRecallEvaluator.Chat() {
            @Override
            public ChatRecallEvaluator.Reply reply(String conversationId, String userMessage) {
                heard.computeIfAbsent(conversationId, k -> new ArrayList<>()).add(userMessage);
                // names the topic of every other message
                return new ChatRecallEvaluator.Reply(heard.get(conversationId).size() % 2 == 1
                        ? " You said: " + userMessage : " Nice.", 0);
            }

            @Override
            public void forget(String conversationId) {
                heard.remove(conversationId);
            }
        };
        List<RepliesEvaluator.Turn> turns = new RepliesEvaluator(chat).run(RepliesEvaluator.topicTalk(HeldOut.TEST, 2, 2, 1), t -> { });
        assertThat(heard).containsOnlyKeys("replies-0", "replies-1");
        assertThat(turns).extracting(RepliesEvaluator.Turn::reply).contains("Nice.");
        String report = RepliesEvaluator.report(turns, "test");
        assertThat(report).contains("Conversation 1", "Conversation 2",
                "replies naming the message's topic (test): 2/4 = 50%");
    }
}
