package dev.infini.tools.checkpoint;

import dev.infini.engine.weights.Checkpoint;
import dev.infini.engine.weights.SafetensorsFile;
import dev.infini.engine.weights.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The streaming writer produces the same file however the values are cut into pieces, with an 8-byte aligned
 * header the engine reads back, and never leaves a file behind when the values do not match the header.
 */
class SafetensorsWriterTest {

    @TempDir
    Path tmp;

    @Test
    void valuesStreamedInAnyPiecesGiveTheSameFileAsWholeTensors() throws IOException {
        Random random = new Random(1);
        Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a", tensor(random, 3, 5));
        tensors.put("empty", new SafetensorsWriter.Tensor(new long[] {0, 4}, new float[0]));
        tensors.put("b", tensor(random, 7));
        tensors.put("c", tensor(random, 2, 2, 2));
        for (String dtype : new String[] {"F32", "F16", "BF16"}) {
            Path whole = tmp.resolve("whole-" + dtype + ".safetensors");
            SafetensorsWriter.write(whole, tensors, Map.of("format", "pt"), dtype);

            Path pieces = tmp.resolve("pieces-" + dtype + ".safetensors");
            float[] all = tensors.values().stream().map(SafetensorsWriter.Tensor::data)
                    .reduce(new float[0], SafetensorsWriterTest::concat);
            List<SafetensorsWriter.Spec> specs = tensors.entrySet().stream()
                    .map(e -> new SafetensorsWriter.Spec(e.getKey(), dtype, e.getValue().shape())).toList();
            try (SafetensorsWriter writer = SafetensorsWriter.open(pieces, specs, Map.of("format", "pt"))) {
                for (int done = 0; done < all.length; ) {
                    int n = Math.min(all.length - done, 1 + random.nextInt(6)); // pieces straddle tensors
                    writer.write(all, done, n);
                    done += n;
                }
                assertThat(writer.currentTensor()).isNull();
                writer.finish();
            }
            assertThat(Files.readAllBytes(pieces)).as(dtype).isEqualTo(Files.readAllBytes(whole));

            long headerLength = ByteBuffer.wrap(Files.readAllBytes(whole)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertThat(headerLength % 8).isZero();
            Map<String, TensorInfo> header = SafetensorsFile.readHeader(whole);
            assertThat(header.keySet()).containsExactly("a", "empty", "b", "c");
            assertThat(header.get("a").dtype()).isEqualTo(dtype);
            assertThat(header.get("empty").bytes()).isZero();
        }
        // F32 reads back exactly
        Checkpoint checkpoint = Checkpoint.open(copyAsCheckpoint(tmp.resolve("whole-F32.safetensors")));
        FloatBuffer b = checkpoint.readFloats("b", 7);
        float[] read = new float[7];
        b.get(read);
        assertThat(read).containsExactly(tensors.get("b").data());
    }

    @Test
    void missingValuesFailTheFileAndLeaveNothingBehind() throws IOException {
        Path file = tmp.resolve("short.safetensors");
        List<SafetensorsWriter.Spec> specs = List.of(new SafetensorsWriter.Spec("x", "F32", new long[] {4}),
                new SafetensorsWriter.Spec("y", "F16", new long[] {2, 3}));
        try (SafetensorsWriter writer = SafetensorsWriter.open(file, specs, null)) {
            writer.write(new float[] {1, 2, 3, 4, 5});
            assertThat(writer.currentTensor().name()).isEqualTo("y");
            assertThatThrownBy(writer::finish).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("\"y\"").hasMessageContaining("got 1 of its 6 values");
        }
        try (SafetensorsWriter writer = SafetensorsWriter.open(file, specs, null)) {
            assertThatThrownBy(() -> writer.write(new float[11])).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("more values than the 2 tensors");
        }
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files).isEmpty();
        }
        assertThatThrownBy(() -> new SafetensorsWriter.Spec("x", "F64", new long[] {1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("F32, F16 or BF16");
        assertThatThrownBy(() -> SafetensorsWriter.open(file, List.of(specs.get(0), specs.get(0)), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("listed twice");
    }

    private Path copyAsCheckpoint(Path file) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("checkpoint"));
        Files.copy(file, dir.resolve("model.safetensors"));
        return dir;
    }

    private static SafetensorsWriter.Tensor tensor(Random random, long... shape) {
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        float[] data = new float[(int) count];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return new SafetensorsWriter.Tensor(shape, data);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
