package dev.infini.spring;

/** Base of the starter's exceptions about a conversation; {@link #conversationId()} says which. */
public class InfiniConversationException extends RuntimeException {

    private final String conversationId;

    public InfiniConversationException(String conversationId, String message, Throwable cause) {
        super(message, cause);
        this.conversationId = conversationId;
    }

    public InfiniConversationException(String conversationId, String message) {
        this(conversationId, message, null);
    }

    /** The conversation concerned (null for a stateless call). */
    public String conversationId() {
        return conversationId;
    }
}
