package dev.infini.engine.sampling;

/** Receives each token as it is sampled, for streaming. */
@FunctionalInterface
public interface TokenListener {

    /** A listener that ignores every token. */
    TokenListener NONE = (id, text) -> { };

    /**
     * Called once per generated token, in order. When generation ends (maxTokens or EOS) with text still held back,
     * because it could have been the start of a stop string, that text arrives in one last call with token id -1,
     * so the pieces always add up to {@link GenerationResult#text()}.
     *
     * @param tokenId the sampled id, or -1 for that final piece of held-back text
     * @param text    the text this token completes; may be empty while a multi-byte character is incomplete, and
     *                never includes a stop string or the end-of-sequence token
     */
    void onToken(int tokenId, String text);
}
