package dev.infini.spring;

/** A conversation id that is empty, too long or has characters outside {@code [A-Za-z0-9._:@-]}. */
public class InvalidConversationIdException extends InfiniConversationException {

    public InvalidConversationIdException(String conversationId, String message) {
        super(conversationId, message);
    }
}
