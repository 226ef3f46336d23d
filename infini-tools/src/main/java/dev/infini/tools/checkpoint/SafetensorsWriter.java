package dev.infini.tools.checkpoint;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.infini.engine.weights.Dtypes;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes {@code .safetensors} files in F32, F16 or BF16, from float32 values.
 * <p>
 * The whole header must be known before the first byte of data, so a writer is opened with the list of tensors
 * ({@link Spec}) and then streamed their values in order, in as many pieces as the caller likes: a checkpoint of
 * any size is written without ever holding more than one piece in memory. Data goes to a temporary file that
 * replaces the target only once {@link #finish()} has checked it complete, so a crash or an exception never leaves
 * a half-written file behind.
 * <p>
 * {@link #writeCheckpoint} writes the weights of a checkpoint folder: one {@code model.safetensors}, or shards plus
 * the {@code model.safetensors.index.json} that Hugging Face writes for large models.
 */
public final class SafetensorsWriter implements Closeable {

    /** Name of the single weights file of a checkpoint folder. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** Name of the shard index of a sharded checkpoint folder. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final int BUFFER_BYTES = 1 << 20;

    /** One tensor to write in full: a shape and its float32 data in row-major order. */
    public record Tensor(long[] shape, float[] data) {
        public Tensor {
            long count = elementCount(shape);
            if (count != data.length) {
                throw new IllegalArgumentException("shape holds " + count + " elements but data has " + data.length);
            }
        }
    }

    /**
     * A tensor's entry in the header: its name, the dtype it is stored in and its shape.
     *
     * @param dtype {@code F32}, {@code F16} or {@code BF16}
     */
    public record Spec(String name, String dtype, long[] shape) {
        public Spec {
            dtype = checkDtype(dtype);
            shape = shape.clone();
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("tensor \"" + name + "\" has a negative dimension: "
                            + Arrays.toString(shape));
                }
            }
        }

        /** Number of elements. */
        public long elementCount() {
            return SafetensorsWriter.elementCount(shape);
        }

        /** Bytes of its data in the file. */
        public long byteCount() {
            return elementCount() * Dtypes.width(dtype);
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape);
        }
    }

    /** Streams the values of one tensor into a writer, for {@link #writeCheckpoint}. */
    @FunctionalInterface
    public interface TensorSource {
        /** Writes exactly {@code spec.elementCount()} values with {@link SafetensorsWriter#write}. */
        void writeValues(Spec spec, SafetensorsWriter out) throws IOException;
    }

    private final Path file;
    private final Path tmp;
    private final List<Spec> specs;
    private final OutputStream out;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private int current;
    private long writtenInCurrent;
    private boolean finished;
    private boolean closed;

    private SafetensorsWriter(Path file, List<Spec> specs, Map<String, String> metadata) throws IOException {
        this.file = file;
        this.specs = List.copyOf(specs);
        this.tmp = file.resolveSibling(file.getFileName() + ".tmp");
        byte[] json = header(this.specs, metadata).toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // the format wants data 8-byte aligned
        this.out = new BufferedOutputStream(Files.newOutputStream(tmp), BUFFER_BYTES);
        try {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            skipEmptyTensors();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Opens a file for the given tensors, in the given order; stream their values with {@link #write}, then call
     * {@link #finish()}. Closing without finishing deletes the temporary file and leaves {@code file} untouched.
     *
     * @param metadata the header's {@code __metadata__} strings, or null
     */
    public static SafetensorsWriter open(Path file, List<Spec> specs, Map<String, String> metadata)
            throws IOException {
        return new SafetensorsWriter(file, specs, metadata);
    }

    /**
     * Appends values of the tensor being written, converted to its dtype; a tensor may come in any number of
     * pieces, and the next tensor starts once one is full.
     *
     * @throws IllegalStateException if more values come than the tensors hold
     */
    public void write(float[] values, int from, int count) throws IOException {
        if (finished || closed) {
            throw new IllegalStateException("writer of " + file + " is already finished or closed");
        }
        int done = 0;
        while (done < count) {
            if (current >= specs.size()) {
                throw new IllegalStateException("more values than the " + specs.size() + " tensors of " + file
                        + " hold");
            }
            Spec spec = specs.get(current);
            int take = (int) Math.min(count - done, spec.elementCount() - writtenInCurrent);
            put(values, from + done, take, spec.dtype());
            done += take;
            writtenInCurrent += take;
            skipEmptyTensors();
        }
    }

    /** {@link #write(float[], int, int)} of a whole array. */
    public void write(float[] values) throws IOException {
        write(values, 0, values.length);
    }

    /** The tensor the next value belongs to, or null once all are written. */
    public Spec currentTensor() {
        return current < specs.size() ? specs.get(current) : null;
    }

    /**
     * Checks every value arrived and moves the file into place.
     *
     * @throws IllegalStateException naming the first incomplete tensor if values are missing
     */
    public void finish() throws IOException {
        if (finished || closed) {
            throw new IllegalStateException("writer of " + file + " is already finished or closed");
        }
        if (current < specs.size()) {
            throw new IllegalStateException("tensor \"" + specs.get(current).name() + "\" of " + file + " got "
                    + writtenInCurrent + " of its " + specs.get(current).elementCount() + " values");
        }
        flushBuffer();
        out.close();
        finished = true;
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Releases the file; if {@link #finish()} was not reached, the temporary file is deleted. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (!finished) {
            try {
                out.close();
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private void skipEmptyTensors() {
        while (current < specs.size() && writtenInCurrent == specs.get(current).elementCount()) {
            current++;
            writtenInCurrent = 0;
        }
    }

    private void put(float[] values, int from, int count, String dtype) throws IOException {
        int width = Dtypes.width(dtype);
        for (int i = from; i < from + count; i++) {
            if (buffer.remaining() < width) {
                flushBuffer();
            }
            switch (dtype) {
                case "F32" -> buffer.putFloat(values[i]);
                case "F16" -> buffer.putShort(Dtypes.floatToHalf(values[i]));
                default -> buffer.putShort(Dtypes.floatToBfloat16(values[i]));
            }
        }
    }

    private void flushBuffer() throws IOException {
        out.write(buffer.array(), 0, buffer.position());
        buffer.clear();
    }

    private static JsonObject header(List<Spec> specs, Map<String, String> metadata) {
        JsonObject header = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        long offset = 0;
        for (Spec spec : specs) {
            if (header.has(spec.name())) {
                throw new IllegalArgumentException("tensor \"" + spec.name() + "\" is listed twice");
            }
            JsonObject t = new JsonObject();
            t.addProperty("dtype", spec.dtype());
            JsonArray shape = new JsonArray();
            for (long d : spec.shape()) {
                shape.add(d);
            }
            t.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offset += spec.byteCount();
            offsets.add(offset);
            t.add("data_offsets", offsets);
            header.add(spec.name(), t);
        }
        return header;
    }

    // ---- whole files and checkpoint folders ----

    /** config.json's {@code torch_dtype} for a safetensors dtype: float16, bfloat16 or float32. */
    public static String torchDtype(String dtype) {
        return switch (dtype) {
            case "F16" -> "float16";
            case "BF16" -> "bfloat16";
            default -> "float32";
        };
    }

    /** Writes float32 tensors, in the given order, as one file. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        write(file, tensors, metadata, "F32");
    }

    /** Writes tensors, in the given order, as one file, every one stored in {@code dtype} (F32, F16 or BF16). */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, String dtype)
            throws IOException {
        List<Spec> specs = specsOf(tensors, dtype);
        try (SafetensorsWriter writer = open(file, specs, metadata)) {
            for (Tensor t : tensors.values()) {
                writer.write(t.data());
            }
            writer.finish();
        }
    }

    /**
     * Writes tensors as the weights of a checkpoint folder, stored in {@code dtype}: one {@code model.safetensors}
     * when {@code maxShardBytes} is 0 or all fits, otherwise shards of at most that size (a tensor larger than it
     * gets a shard of its own) and their index.
     */
    public static List<Path> writeCheckpoint(Path dir, Map<String, Tensor> tensors, String dtype, long maxShardBytes)
            throws IOException {
        return writeCheckpoint(dir, specsOf(tensors, dtype), maxShardBytes, null,
                (spec, out) -> out.write(tensors.get(spec.name()).data()));
    }

    /**
     * Writes the weights of a checkpoint folder tensor by tensor, asking {@code source} for each tensor's values in
     * order: one {@code model.safetensors} when {@code maxShardBytes} is 0 or all fits, otherwise shards named
     * {@code model-00001-of-0000n.safetensors} of at most {@code maxShardBytes} each (a tensor larger than that
     * gets a shard of its own) plus {@code model.safetensors.index.json}. Each file appears only once complete.
     *
     * @return the files written, the index last
     */
    public static List<Path> writeCheckpoint(Path dir, List<Spec> specs, long maxShardBytes,
                                             Map<String, String> metadata, TensorSource source) throws IOException {
        List<List<Spec>> shards = planShards(specs, maxShardBytes);
        List<Path> written = new ArrayList<>();
        if (shards.size() == 1) {
            Path file = dir.resolve(SINGLE_FILE);
            writeFile(file, shards.get(0), metadata, source);
            written.add(file);
            return written;
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        long totalSize = 0;
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards.size());
            Path file = dir.resolve(name);
            writeFile(file, shards.get(i), metadata, source);
            written.add(file);
            for (Spec spec : shards.get(i)) {
                weightMap.put(spec.name(), name);
                totalSize += spec.byteCount();
            }
        }
        JsonObject index = new JsonObject();
        JsonObject meta = new JsonObject();
        meta.addProperty("total_size", totalSize);
        index.add("metadata", meta);
        JsonObject map = new JsonObject();
        weightMap.forEach(map::addProperty);
        index.add("weight_map", map);
        Path indexFile = dir.resolve(INDEX_FILE);
        Path tmp = dir.resolve(INDEX_FILE + ".tmp");
        Files.writeString(tmp, new GsonBuilder().setPrettyPrinting().create().toJson(index), StandardCharsets.UTF_8);
        Files.move(tmp, indexFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        written.add(indexFile);
        return written;
    }

    /** Splits tensors, in order, into shards of at most {@code maxShardBytes} (0: one shard). */
    static List<List<Spec>> planShards(List<Spec> specs, long maxShardBytes) {
        List<List<Spec>> shards = new ArrayList<>();
        List<Spec> shard = new ArrayList<>();
        long bytes = 0;
        for (Spec spec : specs) {
            if (maxShardBytes > 0 && !shard.isEmpty() && bytes + spec.byteCount() > maxShardBytes) {
                shards.add(shard);
                shard = new ArrayList<>();
                bytes = 0;
            }
            shard.add(spec);
            bytes += spec.byteCount();
        }
        shards.add(shard);
        return shards;
    }

    private static void writeFile(Path file, List<Spec> specs, Map<String, String> metadata, TensorSource source)
            throws IOException {
        try (SafetensorsWriter writer = open(file, specs, metadata)) {
            for (Spec spec : specs) {
                source.writeValues(spec, writer);
                if (writer.currentTensor() == spec) {
                    throw new IllegalStateException("the source wrote too few values for tensor \"" + spec.name()
                            + "\"");
                }
            }
            writer.finish();
        }
    }

    private static List<Spec> specsOf(Map<String, Tensor> tensors, String dtype) {
        List<Spec> specs = new ArrayList<>();
        tensors.forEach((name, t) -> specs.add(new Spec(name, dtype, t.shape())));
        return specs;
    }

    /** The dtype in upper case, if the engine can write it; throws naming the dtypes it can. */
    public static String checkDtype(String dtype) {
        String upper = dtype == null ? "" : dtype.toUpperCase(Locale.ROOT);
        if (Dtypes.width(upper) == 0) {
            throw new IllegalArgumentException("dtype must be F32, F16 or BF16, got \"" + dtype + "\"");
        }
        return upper;
    }

    private static long elementCount(long[] shape) {
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        return count;
    }
}
