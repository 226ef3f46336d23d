package dev.infini.tools.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.session.StateCodec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code infini inspect}: what a checkpoint is and what a conversation on it costs. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Shapes, parameter count, infini settings and bytes of state per conversation.")
final class InspectCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        try (InfiniModel model = modelOptions.load()) {
            ModelConfig c = model.config();
            JsonObject out = new JsonObject();
            out.addProperty("model", modelOptions.model.toString());
            out.addProperty("model_type", c.modelType());
            out.addProperty("parameters", model.parameterCount());
            out.addProperty("layers", c.numLayers());
            out.addProperty("hidden_size", c.hiddenSize());
            out.addProperty("intermediate_size", c.intermediateSize());
            out.addProperty("attention_heads", c.numHeads());
            out.addProperty("kv_heads", c.numKvHeads());
            out.addProperty("head_dim", c.headDim());
            out.addProperty("vocab_size", c.vocabSize());
            out.addProperty("segment_length", model.segmentLength());
            out.addProperty("memory_update", model.memoryUpdate().jsonName());
            out.addProperty("memory", model.memoryMode().name().toLowerCase(java.util.Locale.ROOT));
            out.addProperty("memory_bytes_per_conversation", 4L * c.numLayers() * c.numKvHeads() * c.headDim()
                    * (c.headDim() + 1));
            out.addProperty("state_bytes_per_conversation", StateCodec.encodedSize(model));
            out.addProperty("open_segment_kv_bytes_max", 3L * 4 * c.numLayers() * c.numKvHeads() * c.headDim()
                    * model.segmentLength());
            out.addProperty("device", model.device().toString());
            out.addProperty("fingerprint", model.fingerprintHex());
            if (json) {
                System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(out));
            } else {
                out.entrySet().forEach(e -> System.out.printf("%-32s %s%n", e.getKey(), e.getValue().getAsString()));
            }
        }
        return 0;
    }
}
