package dev.infini.spring;

import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.FinishReason;
import dev.infini.engine.tokenizer.ChatFormat;
import dev.infini.engine.tokenizer.InfiniTokenizer;
import dev.infini.spring.InfiniChatTemplate.ChatMessage;
import dev.infini.spring.support.SharedModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InfiniChatTemplateTest {

    private static InfiniModel model;

    @BeforeAll
    static void load() {
        model = InfiniModel.load(SharedModels.stories260k(), EngineOptions.builder().device("cpu").build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static final List<ChatMessage> CONVERSATION = List.of(
            new ChatMessage("system", "You tell short stories."),
            new ChatMessage("user", "Tell me about a cat."),
            new ChatMessage("assistant", " Once upon a time there was a cat."),
            new ChatMessage("user", "What was its name?"),
            new ChatMessage("assistant", " Its name was Tom."),
            new ChatMessage("user", "Did Tom have a friend?"));

    /**
     * Plays the conversation turn by turn as the chat model does: each turn sees only the messages after the last
     * reply (the history is not re-sent), the reply's tokens stand for what the model generated, then the closing.
     */
    private static int[] turnByTurn(InfiniChatTemplate template, List<ChatMessage> conversation, boolean eos) {
        List<Integer> stream = new ArrayList<>();
        List<ChatMessage> pending = new ArrayList<>();
        boolean starts = true;
        for (ChatMessage m : conversation) {
            if (!m.role().equals("assistant")) {
                pending.add(m);
                continue;
            }
            InfiniChatTemplate.Turn turn = template.turn(pending, starts);
            add(stream, turn.promptTokens());
            add(stream, turn.replyTokens(m.content()));
            if (eos) {
                add(stream, model.tokenizer().encode("</s>", false));
                add(stream, turn.closingTokens(FinishReason.EOS));
            } else {
                add(stream, turn.closingTokens(FinishReason.LENGTH));
            }
            pending.clear();
            starts = false;
        }
        add(stream, template.turn(pending, starts).promptTokens());
        return stream.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void add(List<Integer> stream, int[] ids) {
        Arrays.stream(ids).forEach(stream::add);
    }

    @Test
    void defaultTemplateRendersTheTrainedFormatAsTheTrainerWritesIt() {
        InfiniChatTemplate template = InfiniChatTemplate.forModel(model, null, null);
        assertThat(template.source()).isEqualTo(InfiniChatTemplate.DEFAULT_TEMPLATE);
        assertThat(template.stopStrings()).containsExactly("\nUser:", "\n User:", "\nAssistant:", "\n Assistant:");
        String rendered = template.render(CONVERSATION.subList(0, 4), true);
        assertThat(rendered).isEqualTo(
                "You tell short stories.\n\nUser: Tell me about a cat.\nAssistant:  Once upon a time there was a cat."
                        + "</s>\nUser: What was its name?\nAssistant:");
        // the pieces the trainer and the evaluators write, put together, are the template's text
        assertThat(rendered).isEqualTo(ChatFormat.system("You tell short stories.")
                + ChatFormat.user("Tell me about a cat.") + ChatFormat.assistant(" Once upon a time there was a cat.")
                + "</s>" + ChatFormat.TURN_END + ChatFormat.user("What was its name?") + ChatFormat.ASSISTANT);
    }

    @Test
    void turnByTurnRenderingEqualsWholeConversationRenderingWithTheDefaultTemplate() {
        InfiniChatTemplate template = InfiniChatTemplate.forModel(model, null, null);
        int[] whole = template.conversationTokens(CONVERSATION);
        assertThat(turnByTurn(template, CONVERSATION, false)).containsExactly(whole);
        // a reply that ended with EOS: the engine appended the EOS token, the closing leaves it out
        assertThat(turnByTurn(template, CONVERSATION, true)).containsExactly(whole);
        assertThat(whole[0]).isEqualTo(1); // BOS once, at the very start
        assertThat(Arrays.stream(whole).filter(id -> id == 1).count()).isEqualTo(1);
    }

    @Test
    void turnByTurnRenderingEqualsWholeRenderingForTemplatesThatTreatTheFirstMessageSpecially() {
        String llama3Like = "{% for message in messages %}{% set content = '<|' + message['role'] + '|>' "
                + "+ message['content'] | trim + '<|end|>' %}{% if loop.index0 == 0 %}{% set content = bos_token "
                + "+ content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}<|assistant|>"
                + "{% endif %}";
        InfiniChatTemplate template = new InfiniChatTemplate(llama3Like, model.tokenizer(), "<s>", "</s>",
                List.of());
        int[] whole = template.conversationTokens(CONVERSATION);
        assertThat(turnByTurn(template, CONVERSATION, false)).containsExactly(whole);
        assertThat(Arrays.stream(whole).filter(id -> id == 1).count()).isEqualTo(1);
    }

    @Test
    void historyResentByAChatMemoryAdvisorIsNotFedTwice() {
        InfiniChatTemplate template = InfiniChatTemplate.forModel(model, null, null);
        List<ChatMessage> resent = CONVERSATION.subList(0, 4);
        assertThat(InfiniChatTemplate.newMessages(resent, false)).containsExactly(CONVERSATION.get(3));
        assertThat(template.turn(resent, false).promptTokens())
                .containsExactly(template.turn(List.of(CONVERSATION.get(3)), false).promptTokens());
        // the system prompt a ChatClient re-sends every turn is part of the conversation only from its start
        assertThat(InfiniChatTemplate.newMessages(List.of(CONVERSATION.get(0), CONVERSATION.get(3)), false))
                .containsExactly(CONVERSATION.get(3));
    }

    @Test
    void aPromptWithNothingNewToAnswerIsRejected() {
        InfiniChatTemplate template = InfiniChatTemplate.forModel(model, null, null);
        assertThatThrownBy(() -> template.turn(CONVERSATION.subList(0, 3), false))
                .hasMessageContaining("nothing to answer");
    }

    @Test
    void templateErrorsAndNonIncrementalTemplatesAreReportedClearly() {
        InfiniTokenizer tokenizer = model.tokenizer();
        InfiniChatTemplate strict = new InfiniChatTemplate("{% for m in messages %}{% if m['role'] == 'tool' %}"
                + "{{ raise_exception('no tools here') }}{% endif %}{{ m['content'] }}{% endfor %}", tokenizer, null,
                "</s>", List.of());
        assertThatThrownBy(() -> strict.render(List.of(new ChatMessage("tool", "x")), false))
                .hasMessageContaining("no tools here");
        InfiniChatTemplate reversed = new InfiniChatTemplate("{% for m in messages|reverse %}{{ m['content'] }}"
                + "{% endfor %}", tokenizer, null, "</s>", List.of());
        assertThatThrownBy(() -> reversed.conversationTokens(CONVERSATION)).hasMessageContaining("not incremental");
    }
}
