package dev.infini.sample.web;

import java.time.Instant;
import java.util.List;

/** The JSON shapes of the API (docs/sample-app.md). */
public final class Dtos {

    private Dtos() {
    }

    /** A user message: {@code {"message": "Hello"}}. */
    public record MessageRequest(String message) {
    }

    /**
     * One answered turn.
     *
     * @param latencyMs wall time of the turn on the server, from the request to the last token
     */
    public record ChatReply(String conversationId, String reply, String finishReason, Usage usage, Memory memory,
            long latencyMs) {
    }

    /** Tokens of one turn: the prompt fed in (template and user message) and the reply generated. */
    public record Usage(int promptTokens, int completionTokens, int totalTokens) {
    }

    /**
     * What the conversation's memory holds.
     *
     * @param tokensSeen     every token the model has read or written in this conversation
     * @param segmentsFolded segments compressed into the memory so far
     * @param stateBytes     size of the stored state: the same after every turn, however long the conversation
     * @param segmentLength  tokens per segment (N)
     */
    public record Memory(long tokensSeen, long segmentsFolded, long stateBytes, int segmentLength) {
    }

    /**
     * A conversation.
     *
     * @param title       the start of its first message
     * @param turns       answered turns
     * @param latenciesMs latency of the most recent turns, oldest first
     */
    public record Conversation(String id, String title, int turns, Memory memory, List<Long> latenciesMs,
            Instant createdAt, Instant updatedAt) {
    }

    public record ConversationList(List<Conversation> conversations) {
    }

    /**
     * What the page shows in its header and needs before the first request.
     *
     * @param transcript whether the server keeps each conversation's messages ({@code infini.conversation.transcript})
     */
    public record Info(String model, String modelSource, String store, int segmentLength, long stateBytes,
            boolean apiKeyRequired, int maxMessageChars, boolean transcript) {
    }

    /** One message of a transcript: {@code user} or {@code assistant}, and its text. */
    public record TranscriptMessage(String role, String text) {
    }

    /**
     * A conversation's messages as the server kept them.
     *
     * @param kept whether the server keeps transcripts at all; when not, {@code messages} is empty and the page shows
     *             what this browser kept
     */
    public record Transcript(boolean kept, List<TranscriptMessage> messages) {
    }
}
