package dev.infini.engine.model;

import dev.infini.engine.DecodePath;
import dev.infini.engine.OneTorchThread;
import dev.infini.engine.SharedData;
import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.config.MemoryMode;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.kernels.VectorKernels;
import dev.infini.engine.config.WeightFormat;
import dev.infini.engine.session.Session;
import dev.infini.engine.session.SessionState;
import dev.infini.tools.TestCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The Java decode step gives the PyTorch path's logits within 1e-4 at every position, over several segments (so
 * memory retrieval, eq. 3, and the gate, eq. 6, take part after each fold), and leaves the session's state (M, z,
 * the open segment) exactly where PyTorch would: a session may switch paths at any token.
 */
@ExtendWith(OneTorchThread.class)
class JavaDecodeStepTest {

    private static final double TOLERANCE = 1e-4;

    @TempDir
    static Path tmp;

    /** A checkpoint folder, an engine setting and a segment length, by name. */
    record Shape(String name, Function<Path, Path> dir, EngineOptions options, int segment) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> shapes() {
        return Stream.of(
                new Shape("stories260k, GQA 8/4, memory on (β = 0), N = 16",
                        t -> SharedData.stories260k(),
                        EngineOptions.builder().segmentLength(16).gateInit(0f).build(), 16),
                new Shape("stories260k, memory off (no gates), N = 128",
                        t -> SharedData.stories260k(), EngineOptions.builder().segmentLength(128).build(), 128),
                new Shape("random GQA 4/2, linear update",
                        t -> random(t, "linear", TestCheckpoints.config(64, 2, 4, 2, 16, 96, 8, MemoryUpdate.LINEAR)),
                        EngineOptions.defaults(), 8),
                new Shape("random GQA 4/2, delta update",
                        t -> random(t, "delta", TestCheckpoints.config(64, 2, 4, 2, 16, 96, 8, MemoryUpdate.DELTA)),
                        EngineOptions.defaults(), 8),
                new Shape("random qwen2 biases, untied head, GQA 6/2, delta",
                        t -> random(t, "qwen2", TestCheckpoints.config("qwen2", 48, 2, 6, 2, 8, 80, 8,
                                MemoryUpdate.DELTA, true)),
                        EngineOptions.defaults(), 8),
                new Shape("random MHA 4/4, head width 32, zeroed control",
                        t -> random(t, "mha", TestCheckpoints.config(128, 2, 4, 4, 32, 200, 8, MemoryUpdate.LINEAR)),
                        EngineOptions.builder().memoryMode(MemoryMode.ZEROED).build(), 8),
                new Shape("the default model (delta, N = 64)",
                        t -> defaultModel(), EngineOptions.defaults(), 64))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void logitsEqualThePyTorchPathAtEveryPositionAcrossSegments(Shape shape) {
        Path dir = shape.dir.apply(tmp);
        // a prompt (one PyTorch chunk on both), then single tokens through two and a half more segments
        int[] tokens = new Random(5).ints(3 * shape.segment + shape.segment / 2, 3, TestCheckpoints.VOCAB).toArray();
        int prompt = Math.max(2, shape.segment / 2 - 1);
        try (InfiniModel javaModel = DecodePath.JAVA.load(dir, shape.options);
             InfiniModel torchModel = DecodePath.TORCH.load(dir, shape.options);
             Session viaJava = new Session(javaModel);
             Session viaTorch = new Session(torchModel)) {
            int[] first = Arrays.copyOf(tokens, prompt);
            viaJava.append(first);
            viaTorch.append(first);
            double worst = 0;
            for (int t = prompt; t < tokens.length; t++) {
                viaJava.append(new int[] {tokens[t]});
                viaTorch.append(new int[] {tokens[t]});
                worst = Math.max(worst, maxDifference(viaJava.lastLogits(), viaTorch.lastLogits(),
                        shape + ", position " + t));
            }
            assertThat(viaJava.segmentsFolded()).isEqualTo(viaTorch.segmentsFolded()).isGreaterThanOrEqualTo(
                    tokens.length / shape.segment);
            assertSameState(viaJava.snapshot(), viaTorch.snapshot());
            System.out.printf("max |logit difference| Java vs PyTorch decode, %s: %.3g%n", shape, worst);
        }
    }

    @Test
    void aSessionSwitchesPathsAtAnyTokenAndAcrossRestore() {
        Path dir = random(tmp, "switch", TestCheckpoints.config(64, 2, 4, 2, 16, 96, 8, MemoryUpdate.DELTA));
        int[] tokens = new Random(9).ints(40, 3, TestCheckpoints.VOCAB).toArray();
        try (InfiniModel javaModel = DecodePath.JAVA.load(dir, EngineOptions.defaults());
             InfiniModel torchModel = DecodePath.TORCH.load(dir, EngineOptions.defaults());
             Session reference = new Session(torchModel)) {
            Session current = new Session(javaModel);
            try {
                int done = 0;
                Random random = new Random(3);
                boolean onJava = true;
                while (done < tokens.length) {
                    // chunks of 1 to 5 tokens: single tokens take the Java step on the Java model, longer ones PyTorch
                    int take = Math.min(tokens.length - done, 1 + random.nextInt(5));
                    int[] chunk = Arrays.copyOfRange(tokens, done, done + take);
                    current.append(chunk);
                    reference.append(chunk);
                    done += take;
                    maxDifference(current.lastLogits(), reference.lastLogits(), "after token " + done);
                    if (random.nextInt(3) == 0) {
                        // continue on the other model from a snapshot: restore re-encodes the open segment
                        SessionState state = current.snapshot();
                        current.close();
                        onJava = !onJava;
                        current = Session.restore(onJava ? javaModel : torchModel, state);
                    }
                }
                assertSameState(current.snapshot(), reference.snapshot());
            } finally {
                current.close();
            }
        }
    }

    /**
     * 16- and 8-bit weights (stories260k, an F32 checkpoint, so every weight is rounded) keep the float32 step's
     * logits within the format's precision and its greedy choice at nearly every position, over several segments.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = WeightFormat.class, names = {"F16", "BF16", "Q8_0"})
    void weightsInFewerBitsKeepTheFloat32LogitsAndGreedyTokens(WeightFormat format) {
        Path dir = SharedData.stories260k();
        EngineOptions options = EngineOptions.builder().segmentLength(32).gateInit(0f).build();
        String previous = System.setProperty(VectorKernels.WEIGHTS_PROPERTY, format.name());
        InfiniModel low;
        try {
            low = DecodePath.JAVA.load(dir, options);
        } finally {
            if (previous == null) {
                System.clearProperty(VectorKernels.WEIGHTS_PROPERTY);
            } else {
                System.setProperty(VectorKernels.WEIGHTS_PROPERTY, previous);
            }
        }
        try (low; InfiniModel f32 = DecodePath.JAVA.load(dir, options);
             Session reference = new Session(f32); Session reduced = new Session(low)) {
            reference.append(new int[] {1});
            reduced.append(new int[] {1});
            double worst = 0;
            int agree = 0;
            int positions = 160;
            for (int t = 0; t < positions; t++) {
                float[] expected = reference.lastLogits();
                float[] actual = reduced.lastLogits();
                int best = argmax(expected);
                agree += argmax(actual) == best ? 1 : 0;
                for (int i = 0; i < expected.length; i++) {
                    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
                }
                // both follow the float32 model's greedy text
                reference.append(new int[] {best});
                reduced.append(new int[] {best});
            }
            System.out.printf("%s weights, stories260k: max |logit difference| %.3g, greedy token agreement %d/%d%n",
                    format, worst, agree, positions);
            assertThat(reduced.segmentsFolded()).isGreaterThanOrEqualTo(4);
            assertThat(worst).as("max |logit difference|").isLessThan(switch (format) {
                case F16 -> 0.05;
                case BF16 -> 0.5;
                default -> 1.0;
            });
            assertThat(agree).as("greedy tokens equal").isGreaterThanOrEqualTo(format == WeightFormat.F16
                    ? positions - 2 : positions * 9 / 10);
        }
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double maxDifference(float[] actual, float[] expected, String what) {
        assertThat(actual).hasSameSizeAs(expected);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        if (worst > TOLERANCE) {
            fail(what + ": logits differ by up to " + worst);
        }
        return worst;
    }

    private static void assertSameState(SessionState viaJava, SessionState viaTorch) {
        assertThat(viaJava.tokensSeen()).isEqualTo(viaTorch.tokensSeen());
        assertThat(viaJava.segmentsFolded()).isEqualTo(viaTorch.segmentsFolded());
        assertThat(viaJava.openTokens()).containsExactly(viaTorch.openTokens());
        assertRelativelyClose(viaJava.memory(), viaTorch.memory(), "M");
        assertRelativelyClose(viaJava.normalizer(), viaTorch.normalizer(), "z");
    }

    /** M and z are sums over many tokens whose keys and values each path rounds its own way: as the float64 test. */
    private static void assertRelativelyClose(float[] actual, float[] expected, String what) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(actual[i] - expected[i]) > 1e-4 * Math.max(1, Math.abs(expected[i]))) {
                fail(what + "[" + i + "]: Java path " + actual[i] + ", PyTorch path " + expected[i]);
            }
        }
    }

    private static Path random(Path tmp, String name, ModelConfig config) {
        Path dir = tmp.resolve(name);
        return Files.isDirectory(dir) ? dir : TestCheckpoints.write(dir, config, 42, 0.2);
    }

    /** {@code models/infini-default} of this repository. */
    private static Path defaultModel() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("models/infini-default"))) {
                return p.resolve("models/infini-default");
            }
        }
        throw new IllegalStateException("models/infini-default not found above " + Path.of("").toAbsolutePath());
    }
}
