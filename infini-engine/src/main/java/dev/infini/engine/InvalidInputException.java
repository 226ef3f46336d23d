package dev.infini.engine;

/** Input a caller gave the engine cannot be processed: empty, token ids outside the vocabulary, bad options. */
public class InvalidInputException extends InfiniException {

    public InvalidInputException(String message) {
        super(message);
    }
}
