package dev.infini.tools;

import dev.infini.engine.SharedData;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.weights.Checkpoint;
import dev.infini.tools.checkpoint.RandomCheckpoint;
import dev.infini.tools.checkpoint.SafetensorsWriter;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Small random Infini checkpoints for tests, written with {@link RandomCheckpoint} and the stories260k tokenizer. */
public final class TestCheckpoints {

    /** Vocabulary of the stories260k tokenizer, which every test checkpoint borrows. */
    public static final int VOCAB = 512;

    private TestCheckpoints() {
    }

    /** A Llama-style shape with GQA. */
    public static ModelConfig config(int hidden, int layers, int heads, int kvHeads, int headDim, int intermediate,
                                     int segmentLength, MemoryUpdate update) {
        return config("llama", hidden, layers, heads, kvHeads, headDim, intermediate, segmentLength, update, false);
    }

    /** Any shape; {@code modelType} qwen2 gets q/k/v biases. */
    public static ModelConfig config(String modelType, int hidden, int layers, int heads, int kvHeads, int headDim,
                                     int intermediate, int segmentLength, MemoryUpdate update, boolean untiedHead) {
        return new ModelConfig(modelType, hidden, intermediate, layers, heads, kvHeads, headDim, VOCAB, 1e-5,
                10000.0, null, modelType.equals("qwen2"), !untiedHead, 1, Set.of(2),
                new ModelConfig.InfiniSettings(segmentLength, update));
    }

    /** The tiny shape most tests use: 2 layers, 4 query / 2 KV heads of 16, segments of 8, linear update. */
    public static ModelConfig tiny() {
        return config(64, 2, 4, 2, 16, 96, 8, MemoryUpdate.LINEAR);
    }

    /** Writes a random checkpoint with weights of standard deviation {@code std} and N(0, 1) gates. */
    public static Path write(Path dir, ModelConfig config, long seed, double std) {
        return RandomCheckpoint.builder(config).tokenizerFrom(SharedData.stories260k()).seed(seed).initStd(std)
                .build().writeTo(dir, RandomCheckpoint.ProgressListener.NONE).dir();
    }

    /** Every tensor of a checkpoint folder as float32, in name order. */
    public static Map<String, SafetensorsWriter.Tensor> readAll(Path dir) {
        Checkpoint checkpoint = Checkpoint.open(dir);
        Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        for (String name : checkpoint.names()) {
            long[] shape = checkpoint.info(name).shape();
            FloatBuffer buffer = checkpoint.readFloats(name, shape);
            float[] data = new float[buffer.remaining()];
            buffer.get(data);
            tensors.put(name, new SafetensorsWriter.Tensor(shape, data));
        }
        return tensors;
    }

    /** Copies config.json and the tokenizer files of a checkpoint folder, without its weights. */
    public static Path copyWithoutWeights(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        for (String name : new String[] {"config.json", "tokenizer.json", "tokenizer_config.json"}) {
            if (Files.exists(from.resolve(name))) {
                Files.copy(from.resolve(name), to.resolve(name));
            }
        }
        return to;
    }
}
