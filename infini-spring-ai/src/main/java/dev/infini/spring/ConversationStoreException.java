package dev.infini.spring;

/**
 * The conversation store could not be reached or failed (Redis down, disk error). Nothing was half-written: the
 * conversation keeps the state of its last completed turn, and calls work again once the store is back.
 */
public class ConversationStoreException extends InfiniConversationException {

    public ConversationStoreException(String conversationId, String message, Throwable cause) {
        super(conversationId, message, cause);
    }
}
