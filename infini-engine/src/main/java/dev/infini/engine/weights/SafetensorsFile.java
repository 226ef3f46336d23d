package dev.infini.engine.weights;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.CheckpointException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The header of one {@code .safetensors} file: an 8-byte little-endian length, a JSON table of tensors, then the
 * raw data. Only the header is read here; tensor data is memory-mapped on demand by {@link Checkpoint}, so a
 * multi-GB file never has to sit on the Java heap.
 */
public final class SafetensorsFile {

    private static final long MAX_HEADER = 100L * 1024 * 1024;

    private SafetensorsFile() {
    }

    /** Reads the tensor table of a file in header order, checking every entry against the file's size. */
    public static Map<String, TensorInfo> readHeader(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw new CheckpointException(file, "truncated: " + fileSize + " bytes, no safetensors header");
            }
            ByteBuffer lengthBuffer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBuffer, 0);
            long headerLength = lengthBuffer.flip().getLong();
            if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > fileSize) {
                throw new CheckpointException(file, "not a safetensors file or truncated: header length "
                        + headerLength + " does not fit a file of " + fileSize + " bytes");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            JsonObject json;
            try {
                json = JsonParser.parseString(new String(header.array(), StandardCharsets.UTF_8)).getAsJsonObject();
            } catch (RuntimeException e) {
                throw new CheckpointException(file, "corrupted safetensors header: " + e.getMessage(), e);
            }
            long dataStart = 8 + headerLength;
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> entry : json.entrySet()) {
                if (entry.getKey().equals("__metadata__")) {
                    continue;
                }
                tensors.put(entry.getKey(), parseEntry(file, entry.getKey(), entry.getValue(), dataStart, fileSize));
            }
            return tensors;
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, "missing", e);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot be read: " + e.getMessage(), e);
        }
    }

    private static TensorInfo parseEntry(Path file, String name, JsonElement element, long dataStart, long fileSize) {
        try {
            JsonObject t = element.getAsJsonObject();
            String dtype = t.get("dtype").getAsString();
            JsonArray shapeJson = t.getAsJsonArray("shape");
            long[] shape = new long[shapeJson.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeJson.get(i).getAsLong();
                if (shape[i] < 0) {
                    throw new IllegalArgumentException("negative dimension");
                }
                count *= shape[i];
            }
            JsonArray offsets = t.getAsJsonArray("data_offsets");
            long begin = offsets.get(0).getAsLong();
            long end = offsets.get(1).getAsLong();
            int width = Dtypes.width(dtype);
            if (begin < 0 || end < begin || dataStart + end > fileSize) {
                throw new IllegalArgumentException("data offsets [" + begin + ", " + end + ") lie outside the file"
                        + " (truncated?)");
            }
            if (width > 0 && end - begin != count * width) {
                throw new IllegalArgumentException("holds " + (end - begin) + " bytes but shape and dtype need "
                        + count * width);
            }
            return new TensorInfo(name, dtype, shape, file, dataStart + begin, end - begin);
        } catch (CheckpointException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CheckpointException(file, "tensor \"" + name + "\": " + e.getMessage(), e);
        }
    }

    static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long pos = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }
}
