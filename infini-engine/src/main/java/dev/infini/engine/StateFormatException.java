package dev.infini.engine;

/** A serialized conversation state cannot be decoded. See its subclasses for the specific reasons. */
public class StateFormatException extends InfiniException {

    public StateFormatException(String message) {
        super(message);
    }

    public StateFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
