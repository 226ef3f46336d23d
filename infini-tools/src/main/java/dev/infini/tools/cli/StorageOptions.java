package dev.infini.tools.cli;

import dev.infini.tools.checkpoint.SafetensorsWriter;
import picocli.CommandLine.Option;

/** How a command that writes a checkpoint stores its weights (convert, average). */
final class StorageOptions {

    @Option(names = "--dtype", defaultValue = "F32", paramLabel = "F32|F16|BF16",
            description = "How the weights are stored: F32, or F16 / BF16 at half the bytes (the engine loads all"
                    + " three; decode widens 16-bit weights as it reads them). Default: ${DEFAULT-VALUE}.")
    String dtype;

    /** The dtype in upper case; throws with the accepted values when the engine cannot write it. */
    String dtype() {
        return SafetensorsWriter.checkDtype(dtype);
    }
}
