package dev.infini.engine;

/** A well-formed state blob that belongs to another model (fingerprint or shapes differ). */
public class ForeignStateException extends StateFormatException {

    public ForeignStateException(String message) {
        super(message);
    }
}
