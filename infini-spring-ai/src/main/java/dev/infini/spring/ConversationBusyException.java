package dev.infini.spring;

import java.time.Duration;

/**
 * Another turn of the same conversation (on this instance or another one sharing the store) held the conversation
 * for longer than {@code infini.conversation.lock-timeout}. Nothing was changed; the turn can be retried.
 */
public class ConversationBusyException extends InfiniConversationException {

    public ConversationBusyException(String conversationId, Duration waited) {
        super(conversationId, "conversation '" + conversationId + "' is busy: another turn held it for more than "
                + waited.toMillis() + " ms (infini.conversation.lock-timeout); nothing was changed, retry later");
    }
}
