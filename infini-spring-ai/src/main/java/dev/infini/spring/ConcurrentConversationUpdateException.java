package dev.infini.spring;

/**
 * The conversation's stored state moved on while this turn ran (its lock lease ran out and another instance took a
 * turn, or the conversation was deleted): this turn's state was not written, so no update is lost. Retry the turn.
 */
public class ConcurrentConversationUpdateException extends InfiniConversationException {

    public ConcurrentConversationUpdateException(String conversationId, long expectedVersion) {
        super(conversationId, "conversation '" + conversationId
                + "' was changed by someone else or deleted during this turn"
                + " (expected stored version " + expectedVersion + "); this turn's state was discarded, retry it");
    }
}
