package dev.infini.engine;

import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.engine.sampling.TokenListener;
import dev.infini.engine.session.Session;
import dev.infini.engine.session.SessionState;
import dev.infini.engine.session.StateCodec;
import dev.infini.tools.TestCheckpoints;
import dev.infini.tools.checkpoint.SafetensorsWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bad input gets a specific exception with a message that says what is wrong and where, never a native crash and
 * never a damaged session: empty or out-of-vocabulary tokens, generating with nothing to continue, corrupted or
 * incomplete checkpoint folders, and corrupted or foreign state blobs.
 */
@ExtendWith(OneTorchThread.class) // tiny shapes: per-op overhead dominates, and spinning threads hurt
class BadInputTest {

    private static final int SEGMENT = 8;

    @TempDir
    static Path tmp;
    private static Path dir;
    private static InfiniModel model;

    @BeforeAll
    static void load() {
        dir = TestCheckpoints.write(tmp.resolve("model"), TestCheckpoints.tiny(), 4, 0.2);
        model = InfiniModel.load(dir, EngineOptions.builder().device("cpu").build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    // ---- tokens ----

    @Test
    void emptyInputIsRejected() {
        try (Session session = new Session(model)) {
            assertThatThrownBy(() -> session.append(new int[0])).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("empty");
            assertThatThrownBy(() -> session.append(null)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("empty");
            assertThatThrownBy(() -> session.appendText("")).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("empty");
            assertThat(session.tokensSeen()).isZero();
        }
    }

    @Test
    void idsOutsideTheVocabularyAreRejectedWithoutTouchingTheSession() {
        try (Session session = new Session(model)) {
            session.append(new int[] {5, 6, 7});
            float[] logits = session.lastLogits();
            for (int bad : new int[] {-1, TestCheckpoints.VOCAB, Integer.MAX_VALUE}) {
                assertThatThrownBy(() -> session.append(new int[] {8, bad, 9}))
                        .isInstanceOf(InvalidInputException.class)
                        .hasMessageContaining("token id " + bad)
                        .hasMessageContaining("outside the vocabulary [0, " + TestCheckpoints.VOCAB + ")");
            }
            assertThat(session.tokensSeen()).isEqualTo(3);
            assertThat(session.lastLogits()).containsExactly(logits);
            session.append(new int[] {8});
            assertThat(session.tokensSeen()).isEqualTo(4);
        }
        assertThatThrownBy(() -> model.tokenizer().decode(new int[] {1, TestCheckpoints.VOCAB}))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("outside the vocabulary");
    }

    @Test
    void generatingBeforeAnyAppendSaysWhatToDo() {
        try (Session session = new Session(model)) {
            assertThatThrownBy(() -> session.generate(GenerationOptions.greedy(3), TokenListener.NONE))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("append a prompt before generating");
        }
    }

    @Test
    void impossibleOptionsAreRejectedWhenBuilt() {
        assertThatThrownBy(() -> GenerationOptions.builder().maxTokens(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxTokens must be at least 1");
        assertThatThrownBy(() -> GenerationOptions.builder().temperature(-0.5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("temperature must be >= 0");
        assertThatThrownBy(() -> GenerationOptions.builder().topP(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topP must be in (0, 1]");
        assertThatThrownBy(() -> GenerationOptions.builder().topK(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topK must be >= 0");
        assertThatThrownBy(() -> GenerationOptions.builder().repetitionPenalty(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("repetitionPenalty must be > 0");
        assertThatThrownBy(() -> GenerationOptions.builder().stopStrings(java.util.List.of("")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stop strings must not be empty");
        assertThatThrownBy(() -> EngineOptions.builder().device("tpu").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cpu, gpu or auto");
        assertThatThrownBy(() -> EngineOptions.builder().segmentLength(-8).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("segmentLength");
    }

    @Test
    void aClosedSessionRefusesWork() {
        Session session = new Session(model);
        session.close();
        assertThatThrownBy(() -> session.append(new int[] {1})).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    // ---- checkpoints ----

    @Test
    void truncatedWeightsNameTheFileAndTheTensor() throws IOException {
        Path broken = copy("truncated");
        Path weights = broken.resolve("model.safetensors");
        try (FileChannel channel = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() * 3 / 5);
        }
        assertThatThrownBy(() -> InfiniModel.load(broken)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(weights.toString())
                .hasMessageContaining("tensor \"")
                .hasMessageContaining("truncated");
    }

    @Test
    void aWeightsFileCutInsideItsHeaderIsReported() throws IOException {
        Path broken = copy("cut-header");
        Path weights = broken.resolve("model.safetensors");
        try (FileChannel channel = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            channel.truncate(100);
        }
        assertThatThrownBy(() -> InfiniModel.load(broken)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(weights.toString()).hasMessageContaining("truncated");
        try (FileChannel channel = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            channel.truncate(5);
        }
        assertThatThrownBy(() -> InfiniModel.load(broken)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(weights.toString()).hasMessageContaining("no safetensors header");
    }

    @Test
    void aGarbageHeaderIsReported() throws IOException {
        Path broken = copy("garbage-header");
        Path weights = broken.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        int headerLength = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        // a header of the right length that is not JSON
        byte[] garbage = ("{\"model.embed_tokens.weight\": {\"dtype\": \"F32\", \"shape\": [512, 6" + "#".repeat(headerLength))
                .getBytes(StandardCharsets.UTF_8);
        System.arraycopy(garbage, 0, bytes, 8, headerLength);
        Files.write(weights, bytes);
        assertThatThrownBy(() -> InfiniModel.load(broken)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(weights.toString()).hasMessageContaining("corrupted safetensors header");

        byte[] random = new byte[4096];
        new Random(1).nextBytes(random);
        Files.write(weights, random);
        assertThatThrownBy(() -> InfiniModel.load(broken)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(weights.toString()).hasMessageContaining("not a safetensors file");
    }

    @Test
    void aMissingTensorIsNamed() throws IOException {
        Map<String, SafetensorsWriter.Tensor> tensors = TestCheckpoints.readAll(dir);
        tensors.remove("model.layers.1.mlp.up_proj.weight");
        Path broken = TestCheckpoints.copyWithoutWeights(dir, tmp.resolve("missing-tensor"));
        SafetensorsWriter.write(broken.resolve("model.safetensors"), tensors, null);
        assertThatThrownBy(() -> InfiniModel.load(broken)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(broken.resolve("model.safetensors").toString())
                .hasMessageContaining("\"model.layers.1.mlp.up_proj.weight\" is missing");
    }

    @Test
    void aTensorOfTheWrongShapeIsNamedWithBothShapes() throws IOException {
        Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>(TestCheckpoints.readAll(dir));
        SafetensorsWriter.Tensor up = tensors.get("model.layers.0.mlp.up_proj.weight");
        tensors.put("model.layers.0.mlp.up_proj.weight", new SafetensorsWriter.Tensor(new long[] {64, 96}, up.data()));
        Path broken = TestCheckpoints.copyWithoutWeights(dir, tmp.resolve("wrong-shape"));
        SafetensorsWriter.write(broken.resolve("model.safetensors"), tensors, null);
        assertThatThrownBy(() -> InfiniModel.load(broken)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(broken.resolve("model.safetensors").toString())
                .hasMessageContaining("\"model.layers.0.mlp.up_proj.weight\" has shape [64, 96]")
                .hasMessageContaining("config.json implies [96, 64]");
    }

    @Test
    void anUnsupportedDtypeIsNamed() throws IOException {
        Path broken = copy("int-dtype");
        Path weights = broken.resolve("model.safetensors");
        String bytes = new String(Files.readAllBytes(weights), StandardCharsets.ISO_8859_1);
        String entry = "\"model.layers.0.mlp.up_proj.weight\":{\"dtype\":\"";
        assertThat(bytes).contains(entry + "F32\"");
        Files.write(weights, bytes.replace(entry + "F32\"", entry + "I32\"").getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> InfiniModel.load(broken)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(weights.toString())
                .hasMessageContaining("\"model.layers.0.mlp.up_proj.weight\" has dtype I32");
    }

    @Test
    void nanWeightsAreRefused() throws IOException {
        Map<String, SafetensorsWriter.Tensor> tensors = TestCheckpoints.readAll(dir);
        tensors.get("model.layers.1.self_attn.o_proj.weight").data()[0] = Float.NaN;
        Path broken = TestCheckpoints.copyWithoutWeights(dir, tmp.resolve("nan"));
        SafetensorsWriter.write(broken.resolve("model.safetensors"), tensors, null);
        assertThatThrownBy(() -> InfiniModel.load(broken)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("\"model.layers.1.self_attn.o_proj.weight\" holds NaN");
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        Path noConfig = copy("no-config");
        Files.delete(noConfig.resolve("config.json"));
        assertThatThrownBy(() -> InfiniModel.load(noConfig)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(noConfig.resolve("config.json").toString()).hasMessageContaining("missing");

        Path badConfig = copy("bad-config");
        Files.writeString(badConfig.resolve("config.json"), "{\"model_type\": \"llama\", \"hidden_size\": ");
        assertThatThrownBy(() -> InfiniModel.load(badConfig)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(badConfig.resolve("config.json").toString()).hasMessageContaining("invalid");

        Path noTokenizer = copy("no-tokenizer");
        Files.delete(noTokenizer.resolve("tokenizer.json"));
        assertThatThrownBy(() -> InfiniModel.load(noTokenizer)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(noTokenizer.resolve("tokenizer.json").toString()).hasMessageContaining("missing");

        Path noWeights = copy("no-weights");
        Files.delete(noWeights.resolve("model.safetensors"));
        assertThatThrownBy(() -> InfiniModel.load(noWeights)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(noWeights.resolve("model.safetensors").toString()).hasMessageContaining("missing");
    }

    @Test
    void aShardIndexPointingAtAMissingShardNamesTheShard() throws IOException {
        Path sharded = TestCheckpoints.copyWithoutWeights(dir, tmp.resolve("sharded-broken"));
        SafetensorsWriter.writeCheckpoint(sharded, TestCheckpoints.readAll(dir), "F32", 64 * 1024);
        Path lastShard;
        try (var files = Files.list(sharded)) {
            lastShard = files.filter(p -> p.getFileName().toString().matches("model-\\d+-of-\\d+\\.safetensors"))
                    .sorted().reduce((a, b) -> b).orElseThrow();
        }
        Files.delete(lastShard);
        assertThatThrownBy(() -> InfiniModel.load(sharded)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(lastShard.toString()).hasMessageContaining("missing");
    }

    // ---- state blobs ----

    @Test
    void aTruncatedStateIsCorrupt() {
        byte[] blob = stateAfter(3 * SEGMENT + 2);
        for (int length : new int[] {0, 10, 87, blob.length / 2, blob.length - 1}) {
            byte[] cut = java.util.Arrays.copyOf(blob, length);
            assertThatThrownBy(() -> StateCodec.decode(cut)).as("cut to %d bytes", length)
                    .isInstanceOf(CorruptStateException.class).hasMessageContaining("truncated");
        }
        byte[] longer = java.util.Arrays.copyOf(blob, blob.length + 4);
        assertThatThrownBy(() -> StateCodec.decode(longer)).isInstanceOf(CorruptStateException.class)
                .hasMessageContaining("trailing bytes");
    }

    @Test
    void aFlippedBitAnywhereMakesTheStateCorrupt() {
        byte[] blob = stateAfter(3 * SEGMENT + 2);
        Random random = new Random(17);
        int[] offsets = {0, 4, 6, 8, 39, 40, 52, 64, 80, 84, blob.length / 2, blob.length - 5, blob.length - 1,
                random.nextInt(blob.length), random.nextInt(blob.length), random.nextInt(blob.length)};
        for (int offset : offsets) {
            byte[] flipped = blob.clone();
            flipped[offset] ^= (byte) (1 << random.nextInt(8));
            assertThatThrownBy(() -> Session.restore(model, StateCodec.decode(flipped))).as("bit flipped at byte %d", offset)
                    .isInstanceOf(CorruptStateException.class);
        }
        // the untouched blob still restores
        try (Session restored = Session.restore(model, StateCodec.decode(blob))) {
            assertThat(restored.tokensSeen()).isEqualTo(3 * SEGMENT + 2);
        }
    }

    @Test
    void aStateOfAnotherModelIsRefusedThroughEveryRestorePath() {
        byte[] blob = stateAfter(2 * SEGMENT + 1);
        // same shape, other weights
        Path other = TestCheckpoints.write(tmp.resolve("other"), TestCheckpoints.tiny(), 5, 0.2);
        try (InfiniModel otherModel = InfiniModel.load(other, EngineOptions.builder().device("cpu").build())) {
            assertRefusedEverywhere(otherModel, StateCodec.decode(blob), "another model");
        }
        // same weights, another segment length or update rule
        for (EngineOptions options : new EngineOptions[] {
                EngineOptions.builder().device("cpu").segmentLength(2 * SEGMENT).build(),
                EngineOptions.builder().device("cpu").memoryUpdate(MemoryUpdate.DELTA).build()}) {
            try (InfiniModel variant = InfiniModel.load(dir, options)) {
                assertRefusedEverywhere(variant, StateCodec.decode(blob), "another model");
            }
        }
        // the right fingerprint on a state whose header does not describe this model
        SessionState own = StateCodec.decode(blob);
        SessionState misdescribed = new SessionState(own.modelFingerprint(), own.segmentLength() + 1,
                own.memoryUpdate(), own.numLayers(), own.numKvHeads(), own.headDim(), own.vocabSize(),
                own.tokensSeen(), own.segmentsFolded(), own.openTokens(), own.lastLogits(), own.memory(),
                own.normalizer());
        assertThatThrownBy(() -> Session.restore(model, misdescribed)).isInstanceOf(ForeignStateException.class)
                .hasMessageContaining("shapes");
        assertThatThrownBy(() -> model.restoreState(own.modelFingerprint(), new float[own.memory().length - 1],
                own.normalizer(), false)).isInstanceOf(ForeignStateException.class).hasMessageContaining("shapes");
    }

    /** Both public ways into a model's state: a session from a snapshot, and the model's own state from M and z. */
    private static void assertRefusedEverywhere(InfiniModel target, SessionState state, String message) {
        assertThatThrownBy(() -> Session.restore(target, state))
                .isInstanceOf(ForeignStateException.class).hasMessageContaining(message);
        assertThatThrownBy(() -> target.restoreState(state.modelFingerprint(), state.memory(), state.normalizer(),
                state.segmentsFolded() == 0)).isInstanceOf(ForeignStateException.class).hasMessageContaining(message);
    }

    private static byte[] stateAfter(int tokens) {
        try (Session session = new Session(model)) {
            session.append(new Random(tokens).ints(tokens, 0, TestCheckpoints.VOCAB).toArray());
            return StateCodec.encode(session.snapshot());
        }
    }

    private static Path copy(String name) throws IOException {
        Path to = TestCheckpoints.copyWithoutWeights(dir, tmp.resolve(name));
        Files.copy(dir.resolve("model.safetensors"), to.resolve("model.safetensors"));
        return to;
    }
}
