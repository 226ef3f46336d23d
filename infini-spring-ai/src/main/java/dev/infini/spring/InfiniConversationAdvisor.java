package dev.infini.spring;

import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.AdvisorChain;
import org.springframework.ai.chat.client.advisor.api.BaseAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.core.Ordered;

/**
 * Copies the advisor parameter {@link ChatMemory#CONVERSATION_ID} into the prompt's {@link InfiniChatOptions}, so
 * that {@code chatClient.prompt().advisors(a -> a.param(ChatMemory.CONVERSATION_ID, id))} continues conversation
 * {@code id} (Spring AI's {@code ChatModelCallAdvisor} hands the model only the prompt, not the advisor context).
 * A conversation id already set in the prompt's options wins. Register it as a default advisor of the
 * {@code ChatClient}; the auto-configuration does that for the auto-configured {@code ChatClient.Builder}.
 */
public final class InfiniConversationAdvisor implements BaseAdvisor {

    /** Runs early, before the chat-memory advisors (their order does not matter to it). */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 500;

    @Override
    public ChatClientRequest before(ChatClientRequest request, AdvisorChain advisorChain) {
        Object id = request.context().get(ChatMemory.CONVERSATION_ID);
        if (id == null) {
            return request;
        }
        InfiniChatOptions options = InfiniChatOptions.from(request.prompt().getOptions());
        if (options.getConversationId() != null) {
            return request;
        }
        InfiniChatOptions withId = options.mutate().conversationId(id.toString()).build();
        return request.mutate().prompt(request.prompt().mutate().chatOptions(withId).build()).build();
    }

    @Override
    public ChatClientResponse after(ChatClientResponse response, AdvisorChain advisorChain) {
        return response;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public String getName() {
        return "InfiniConversationAdvisor";
    }
}
