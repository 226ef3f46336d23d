package dev.infini.tools.checkpoint;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.CheckpointException;
import dev.infini.engine.InvalidInputException;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.weights.Dtypes;
import dev.infini.engine.weights.LlamaLayout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Writes a randomly initialised Infini checkpoint folder of a given shape: {@code config.json}, the weights
 * ({@code model.safetensors}, or shards and their index) with a memory gate β per query head and layer
 * ({@code model.layers.{i}.self_attn.memory_gate}), and the tokenizer files copied from an existing checkpoint.
 * <p>
 * The weights are a pure function of the configuration and the seed: every tensor draws from a generator seeded
 * by the seed and the tensor's name, so a shape and seed give the same values whatever the sharding (and, rounded,
 * whatever the dtype). Special token ids (BOS, EOS) are the configuration's; they must lie in its vocabulary.
 * Initialisation follows Hugging Face's Llama: projections and embeddings ~ N(0, {@code initStd}²). Two choices
 * differ on purpose, so that a random model exercises every weight: RMSNorm weights are 1 + N(0, initStd²) rather
 * than exactly 1, and q/k/v biases (qwen2) are N(0, initStd²) rather than 0. β is N(0, 1) per head unless a fixed
 * initial value is given.
 * <p>
 * Tensors are generated and written piece by piece, so a checkpoint of any size is written in a few megabytes of
 * heap. Everything goes to a temporary folder beside the target that is renamed into place at the end: a failure
 * never leaves a half-written checkpoint.
 */
public final class RandomCheckpoint {

    /** Values generated and written per piece. */
    private static final int PIECE = 1 << 18;

    /** Receives progress while the weights are written. */
    @FunctionalInterface
    public interface ProgressListener {
        /** A listener that ignores progress. */
        ProgressListener NONE = (tensor, bytesWritten, totalBytes) -> { };

        /**
         * Called after each piece of weights is written, at least once per tensor.
         *
         * @param tensor       the tensor being written
         * @param bytesWritten weight bytes written so far
         * @param totalBytes   weight bytes in all
         */
        void onProgress(String tensor, long bytesWritten, long totalBytes);
    }

    /**
     * What was written.
     *
     * @param dir            the checkpoint folder
     * @param parameterCount parameters in the weights
     * @param weightBytes    bytes of tensor data
     * @param files          every file of the folder, config.json last
     */
    public record Result(Path dir, long parameterCount, long weightBytes, List<Path> files) {
        public Result {
            files = List.copyOf(files);
        }
    }

    private final ModelConfig config;
    private final Path tokenizerDir;
    private final long seed;
    private final double initStd;
    private final Float gateInit;
    private final boolean gates;
    private final String dtype;
    private final long maxShardBytes;
    private final List<SafetensorsWriter.Spec> specs;

    private RandomCheckpoint(Builder b) {
        if (b.tokenizerDir == null) {
            throw new InvalidInputException("a random checkpoint needs a tokenizer folder to copy tokenizer.json from");
        }
        if (!(b.initStd >= 0) || Double.isInfinite(b.initStd)) {
            throw new InvalidInputException("initStd must be a finite number >= 0, got " + b.initStd);
        }
        if (b.maxShardBytes < 0) {
            throw new InvalidInputException("maxShardBytes must be >= 0 (0 writes one file), got " + b.maxShardBytes);
        }
        this.config = b.config;
        this.tokenizerDir = b.tokenizerDir;
        this.seed = b.seed;
        this.initStd = b.initStd;
        this.gateInit = b.gateInit;
        this.gates = b.gates;
        try {
            this.dtype = SafetensorsWriter.checkDtype(b.dtype);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
        this.maxShardBytes = b.maxShardBytes;
        this.specs = layout();
    }

    /** Starts a random checkpoint of the shape {@code config} describes, its infini settings included. */
    public static Builder builder(ModelConfig config) {
        return new Builder(config);
    }

    /** The tensors that will be written, in order. */
    public List<SafetensorsWriter.Spec> tensors() {
        return specs;
    }

    /** Parameters in the weights (the tied LM head counted once, gates included). */
    public long parameterCount() {
        return specs.stream().mapToLong(SafetensorsWriter.Spec::elementCount).sum();
    }

    /** Bytes of tensor data that will be written. */
    public long weightBytes() {
        return specs.stream().mapToLong(SafetensorsWriter.Spec::byteCount).sum();
    }

    /**
     * Writes the checkpoint folder.
     *
     * @param dir      the folder to create; it must not exist or be empty
     * @param progress told after each piece of weights
     * @throws InvalidInputException if {@code dir} holds files or the tokenizer does not fit the vocabulary
     * @throws CheckpointException   if the tokenizer folder lacks tokenizer.json
     * @throws UncheckedIOException  if writing fails; nothing is left behind then
     */
    public Result writeTo(Path dir, ProgressListener progress) {
        Path target = dir.toAbsolutePath().normalize();
        if (Files.exists(target) && !isEmptyDirectory(target)) {
            throw new InvalidInputException(target + " already exists and is not an empty folder: refusing to"
                    + " overwrite it");
        }
        Path tokenizerJson = tokenizerDir.resolve("tokenizer.json");
        checkTokenizerFits(tokenizerJson);
        ProgressListener listener = progress == null ? ProgressListener.NONE : progress;
        Path tmp = target.resolveSibling("." + target.getFileName() + ".partial-" + Long.toHexString(System.nanoTime()));
        try {
            Files.createDirectories(tmp);
            for (String name : new String[] {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}) {
                Path source = tokenizerDir.resolve(name);
                if (Files.isRegularFile(source)) {
                    Files.copy(source, tmp.resolve(name));
                }
            }
            long total = weightBytes();
            long[] written = {0};
            SafetensorsWriter.writeCheckpoint(tmp, specs, maxShardBytes, Map.of("format", "pt"),
                    (spec, out) -> writeRandom(spec, out, written, total, listener));
            JsonObject json = config.toJson();
            json.addProperty("torch_dtype", SafetensorsWriter.torchDtype(dtype));
            // config.json last: a folder with a config is a folder with everything
            Files.writeString(tmp.resolve("config.json"), new GsonBuilder().setPrettyPrinting().create().toJson(json),
                    StandardCharsets.UTF_8);
            if (Files.exists(target)) {
                Files.delete(target); // empty, checked above
            }
            Files.createDirectories(target.getParent());
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            List<Path> files = new ArrayList<>();
            try (Stream<Path> list = Files.list(target)) {
                list.sorted(Comparator.comparing((Path p) -> p.getFileName().toString().equals("config.json"))
                        .thenComparing(Path::toString)).forEach(files::add);
            }
            return new Result(target, parameterCount(), total, files);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("cannot write the random checkpoint to " + target + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    private void writeRandom(SafetensorsWriter.Spec spec, SafetensorsWriter out, long[] written, long total,
                             ProgressListener listener) throws IOException {
        SplittableRandom random = new SplittableRandom(mix(seed, spec.name()));
        String name = spec.name();
        double mean = 0;
        double std = initStd;
        if (name.endsWith("norm.weight")) {
            mean = 1;
        } else if (name.endsWith(LlamaLayout.MEMORY_GATE)) {
            mean = gateInit != null ? gateInit : 0;
            std = gateInit != null ? 0 : 1;
        }
        long count = spec.elementCount();
        float[] piece = new float[(int) Math.min(PIECE, count)];
        int width = Dtypes.width(spec.dtype());
        for (long done = 0; done < count; done += piece.length) {
            int n = (int) Math.min(piece.length, count - done);
            for (int i = 0; i < n; i++) {
                piece[i] = (float) (mean + std * random.nextGaussian());
            }
            out.write(piece, 0, n);
            written[0] += (long) n * width;
            listener.onProgress(name, written[0], total);
        }
        if (count == 0) {
            listener.onProgress(name, written[0], total);
        }
    }

    private List<SafetensorsWriter.Spec> layout() {
        return LlamaLayout.of(config, gates).shapes().entrySet().stream()
                .map(e -> new SafetensorsWriter.Spec(e.getKey(), dtype, e.getValue()))
                .toList();
    }

    /** Checks every id the tokenizer can produce, and the config's BOS and EOS, fall inside the vocabulary. */
    private void checkTokenizerFits(Path tokenizerJson) {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new CheckpointException(tokenizerJson, "missing: the tokenizer folder needs tokenizer.json");
        }
        int maxId;
        try {
            JsonObject json = JsonParser.parseString(Files.readString(tokenizerJson, StandardCharsets.UTF_8))
                    .getAsJsonObject();
            maxId = -1;
            JsonElement vocab = json.has("model") ? json.getAsJsonObject("model").get("vocab") : null;
            if (vocab != null && vocab.isJsonObject()) {
                for (Map.Entry<String, JsonElement> e : vocab.getAsJsonObject().entrySet()) {
                    maxId = Math.max(maxId, e.getValue().getAsInt());
                }
            } else if (vocab != null && vocab.isJsonArray()) {
                maxId = vocab.getAsJsonArray().size() - 1; // Unigram: ids are positions
            }
            if (json.has("added_tokens") && json.get("added_tokens").isJsonArray()) {
                for (JsonElement t : json.getAsJsonArray("added_tokens")) {
                    maxId = Math.max(maxId, t.getAsJsonObject().get("id").getAsInt());
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(tokenizerJson, "cannot be read as a Hugging Face tokenizer: "
                    + e.getMessage(), e);
        }
        if (maxId >= config.vocabSize()) {
            throw new InvalidInputException("the tokenizer " + tokenizerJson + " has ids up to " + maxId
                    + " but vocab_size is " + config.vocabSize() + ": the vocabulary must be at least " + (maxId + 1));
        }
        for (int id : config.eosTokenIds()) {
            if (id >= config.vocabSize()) {
                throw new InvalidInputException("eos_token_id " + id + " is outside the vocabulary of "
                        + config.vocabSize());
            }
        }
        if (config.bosTokenId() >= config.vocabSize()) {
            throw new InvalidInputException("bos_token_id " + config.bosTokenId() + " is outside the vocabulary of "
                    + config.vocabSize());
        }
    }

    // SplitMix64 finalizer over the seed and the name: independent, reproducible streams per tensor.
    private static long mix(long seed, String name) {
        long z = seed;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            z = (z ^ b) * 0x100000001B3L;
        }
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static boolean isEmptyDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: the original failure is what the caller needs to see
                }
            });
        } catch (IOException ignored) {
            // as above
        }
    }

    /** Builder of {@link RandomCheckpoint}. */
    public static final class Builder {
        private final ModelConfig config;
        private Path tokenizerDir;
        private long seed;
        private double initStd = 0.02;
        private Float gateInit;
        private boolean gates = true;
        private String dtype = "F32";
        private long maxShardBytes;

        private Builder(ModelConfig config) {
            if (config == null) {
                throw new InvalidInputException("a random checkpoint needs a model configuration");
            }
            this.config = config;
        }

        /** The folder whose tokenizer.json (and tokenizer_config.json, special_tokens_map.json) are copied; required. */
        public Builder tokenizerFrom(Path dir) {
            this.tokenizerDir = dir;
            return this;
        }

        /** Seed of every random value (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Standard deviation of weights and biases (default 0.02, Hugging Face's initializer_range). */
        public Builder initStd(double initStd) {
            this.initStd = initStd;
            return this;
        }

        /** One β for every head and layer instead of N(0, 1) draws; null restores the draws. */
        public Builder gateInit(Float beta) {
            this.gateInit = beta;
            return this;
        }

        /** Whether to write memory gates (default true); without them the engine runs the model with memory off. */
        public Builder gates(boolean gates) {
            this.gates = gates;
            return this;
        }

        /** Storage dtype of the weights: F32 (default), F16 or BF16. */
        public Builder dtype(String dtype) {
            this.dtype = dtype;
            return this;
        }

        /** Split the weights into shards of at most this many bytes; 0 (default) writes one model.safetensors. */
        public Builder maxShardBytes(long maxShardBytes) {
            this.maxShardBytes = maxShardBytes;
            return this;
        }

        public RandomCheckpoint build() {
            return new RandomCheckpoint(this);
        }
    }
}
