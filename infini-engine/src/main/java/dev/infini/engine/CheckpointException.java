package dev.infini.engine;

import java.nio.file.Path;

/** A checkpoint file is missing, malformed or inconsistent; the message names the file and, where known, the tensor. */
public class CheckpointException extends InfiniException {

    public CheckpointException(Path file, String message) {
        super(file + ": " + message);
    }

    public CheckpointException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
    }
}
