package dev.infini.sample.web;

import org.springframework.http.HttpStatus;

/**
 * A request the API refuses, with the HTTP status, a stable machine-readable code (for clients) and a message for
 * people. Rendered as an RFC 9457 problem by {@link ApiExceptionHandler}.
 */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String code;

    public ApiException(HttpStatus status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    public static ApiException notFound(String conversationId) {
        return new ApiException(HttpStatus.NOT_FOUND, "conversation_not_found",
                "No conversation '" + conversationId + "' for this API key");
    }
}
