package dev.infini.engine.sampling;

/** Receives each token as it is sampled, for streaming. */
@FunctionalInterface
public interface TokenListener {

    /** A listener that ignores every token. */
    TokenListener NONE = (id, text) -> { };

    /**
     * Called once per generated token, in order.
     *
     * @param tokenId the sampled id
     * @param text    the text this token completes; may be empty while a multi-byte character is incomplete, and
     *                never includes a stop string or the end-of-sequence token
     */
    void onToken(int tokenId, String text);
}
