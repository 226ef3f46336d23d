package dev.infini.spring;

import dev.infini.engine.CorruptStateException;
import dev.infini.engine.ForeignStateException;
import dev.infini.engine.StateFormatException;

/**
 * The stored state of a conversation cannot be continued: it is corrupted ({@link #isCorrupt()}, cause
 * {@link CorruptStateException}) or belongs to another model or segment length ({@link #isForeign()}, cause
 * {@link ForeignStateException}). The conversation is left as it is, never silently reset: delete it
 * ({@link InfiniConversations#delete}) to start over.
 */
public class ConversationStateException extends InfiniConversationException {

    public ConversationStateException(String conversationId, StateFormatException cause) {
        super(conversationId, "stored state of conversation '" + conversationId + "' cannot be continued: "
                + cause.getMessage() + "; it was left untouched (delete the conversation to start over)", cause);
    }

    /** Whether the blob is damaged (truncated, bad checksum, unknown format). */
    public boolean isCorrupt() {
        return getCause() instanceof CorruptStateException;
    }

    /** Whether the blob is intact but was written by another model. */
    public boolean isForeign() {
        return getCause() instanceof ForeignStateException;
    }
}
