package dev.infini.engine;

/** Base of every exception the Infini engine throws on purpose; unchecked, like Spring's. */
public class InfiniException extends RuntimeException {

    public InfiniException(String message) {
        super(message);
    }

    public InfiniException(String message, Throwable cause) {
        super(message, cause);
    }
}
