package dev.infini.tools.cli;

import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryMode;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.model.InfiniModel;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The options every command that loads a checkpoint shares. */
final class ModelOptions {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
            description = "Checkpoint folder: config.json, model.safetensors (or shards), tokenizer.json.")
    Path model;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "cpu|gpu|auto",
            description = "Where to run (default: ${DEFAULT-VALUE}, the GPU when DJL sees one).")
    String device;

    @Option(names = "--segment-length", defaultValue = "0", paramLabel = "N",
            description = "Tokens per segment; 0 keeps config.json's (2048 for a plain checkpoint).")
    int segmentLength;

    @Option(names = "--memory-update", paramLabel = "linear|delta",
            description = "Memory update rule instead of config.json's.")
    MemoryUpdate memoryUpdate;

    @Option(names = "--gate-init", paramLabel = "BETA",
            description = "β for every head of a checkpoint without memory gates (switches its memory on).")
    Float gateInit;

    @Option(names = "--memory", defaultValue = "on", paramLabel = "on|off|zeroed",
            description = "Memory mode: on (as trained), off (local attention only), zeroed (gate reads an empty "
                    + "memory). Default: ${DEFAULT-VALUE}.")
    MemoryMode memoryMode;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "PyTorch intra-op threads; 0 keeps the backend's default (one per core). On a busy machine 1"
                    + " is much faster.")
    int threads;

    EngineOptions engineOptions() {
        return EngineOptions.builder().device(device).segmentLength(segmentLength).memoryUpdate(memoryUpdate)
                .gateInit(gateInit).memoryMode(memoryMode).build();
    }

    InfiniModel load() {
        dev.infini.engine.kernels.TorchThreads.set(threads);
        return InfiniModel.load(model, engineOptions());
    }
}
