package dev.infini.engine;

/** A state blob is truncated, has a bad magic number or version, or fails its checksum. */
public class CorruptStateException extends StateFormatException {

    public CorruptStateException(String message) {
        super(message);
    }
}
