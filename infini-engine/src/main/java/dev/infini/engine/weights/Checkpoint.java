package dev.infini.engine.weights;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.CheckpointException;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The tensors of a checkpoint folder: {@code model.safetensors}, or the shards listed by
 * {@code model.safetensors.index.json}. Tensor data is memory-mapped one tensor at a time.
 */
public final class Checkpoint {

    private final Path dir;
    /** model.safetensors or the shard index: what an error about a missing tensor should point at. */
    private final Path source;
    private final Map<String, TensorInfo> tensors;

    private Checkpoint(Path dir, Path source, Map<String, TensorInfo> tensors) {
        this.dir = dir;
        this.source = source;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** Opens a checkpoint folder, reading the headers of its safetensors files. */
    public static Checkpoint open(Path dir) {
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        Map<String, TensorInfo> tensors = new TreeMap<>();
        Path source = single;
        if (Files.isRegularFile(single)) {
            tensors.putAll(SafetensorsFile.readHeader(single));
        } else if (Files.isRegularFile(index)) {
            source = index;
            Map<String, String> weightMap = readIndex(index);
            Map<String, Map<String, TensorInfo>> shards = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                Map<String, TensorInfo> shard = shards.computeIfAbsent(e.getValue(),
                        f -> SafetensorsFile.readHeader(dir.resolve(f)));
                TensorInfo info = shard.get(e.getKey());
                if (info == null) {
                    throw new CheckpointException(dir.resolve(e.getValue()), "tensor \"" + e.getKey()
                            + "\" is listed in model.safetensors.index.json but not in this shard");
                }
                tensors.put(e.getKey(), info);
            }
        } else {
            throw new CheckpointException(single, "missing: a checkpoint folder needs model.safetensors or "
                    + "model.safetensors.index.json");
        }
        return new Checkpoint(dir, source, tensors);
    }

    private static Map<String, String> readIndex(Path index) {
        try {
            JsonObject json = JsonParser.parseString(Files.readString(index, StandardCharsets.UTF_8)).getAsJsonObject();
            Map<String, String> map = new TreeMap<>();
            for (Map.Entry<String, JsonElement> e : json.getAsJsonObject("weight_map").entrySet()) {
                map.put(e.getKey(), e.getValue().getAsString());
            }
            return map;
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(index, "invalid shard index: " + e.getMessage(), e);
        }
    }

    /** The checkpoint folder. */
    public Path dir() {
        return dir;
    }

    /** Names of all tensors, sorted. */
    public Set<String> names() {
        return tensors.keySet();
    }

    /** Whether a tensor exists. */
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** Where a tensor lies; throws naming the tensor when it is absent. */
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new CheckpointException(source, "tensor \"" + name + "\" is missing from the checkpoint");
        }
        return info;
    }

    /**
     * A tensor's data as float32, checked against the expected shape.
     *
     * @return a direct native-order buffer: the mapped file itself for F32, a converted copy for F16 and BF16
     */
    public FloatBuffer readFloats(String name, long... expectedShape) {
        TensorInfo info = info(name);
        if (!java.util.Arrays.equals(info.shape(), expectedShape)) {
            throw new CheckpointException(info.file(), "tensor \"" + name + "\" has shape "
                    + java.util.Arrays.toString(info.shape()) + " but config.json implies "
                    + java.util.Arrays.toString(expectedShape));
        }
        if (Dtypes.width(info.dtype()) == 0) {
            throw new CheckpointException(info.file(), "tensor \"" + name + "\" has dtype " + info.dtype()
                    + "; only F32, F16 and BF16 are supported");
        }
        try (FileChannel channel = FileChannel.open(info.file(), StandardOpenOption.READ)) {
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, info.offset(), info.bytes());
            return Dtypes.toFloat32(mapped, info.dtype(), info.elementCount());
        } catch (IOException e) {
            throw new CheckpointException(info.file(), "cannot map tensor \"" + name + "\": " + e.getMessage(), e);
        }
    }

    /** Reads a few raw bytes of a tensor (for fingerprints). */
    public byte[] sample(String name, int maxBytes) {
        TensorInfo info = info(name);
        int n = (int) Math.min(maxBytes, info.bytes());
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(n);
        try (FileChannel channel = FileChannel.open(info.file(), StandardOpenOption.READ)) {
            SafetensorsFile.readFully(channel, buffer, info.offset());
        } catch (IOException e) {
            throw new CheckpointException(info.file(), "cannot read tensor \"" + name + "\": " + e.getMessage(), e);
        }
        return buffer.array();
    }
}
