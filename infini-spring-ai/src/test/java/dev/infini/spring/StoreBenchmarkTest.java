package dev.infini.spring;

import dev.infini.engine.config.EngineOptions;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.engine.sampling.TokenListener;
import dev.infini.engine.session.Session;
import dev.infini.engine.session.SessionState;
import dev.infini.engine.session.StateCodec;
import dev.infini.spring.InfiniChatTemplate.ChatMessage;
import dev.infini.spring.store.ConversationStore;
import dev.infini.spring.store.RedisConversationStore;
import dev.infini.spring.support.RealRedis;
import dev.infini.spring.support.SharedModels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Benchmark, not a test: per-turn Redis save and load time and state size, for stories260k and any checkpoints
 * listed in {@code -Dinfini.bench.models} (comma-separated folders, e.g. a ~100M {@code infini init --preset m100}
 * model). Tagged {@code benchmark}, which the build excludes unless {@code -Dinfini.bench=true};
 * {@code -Dinfini.bench.threads=N} sets PyTorch's intra-op
 * threads (on a busy machine 1 is much faster than one per core). Writes {@code target/bench/starter-store.md}. Its
 * assertions check correctness (what is loaded is what was saved), never speed.
 */
@Tag("benchmark")
class StoreBenchmarkTest {

    private static final int ROUNDS = 30;

    @Test
    void measureStateSaveAndLoadThroughRedis() throws Exception {
        int threads = Integer.getInteger("infini.bench.threads", 0);
        dev.infini.engine.kernels.TorchThreads.set(threads);
        List<Path> models = new ArrayList<>(List.of(SharedModels.stories260k()));
        String more = System.getProperty("infini.bench.models", "");
        Arrays.stream(more.split(",")).filter(s -> !s.isBlank()).map(Path::of).forEach(models::add);
        StringBuilder report = new StringBuilder("| model | parameters | segment N | state bytes | encode ms | "
                + "Redis save ms | Redis load ms | decode ms | restore ms (open tokens) | turn ms, cached | "
                + "turn ms, loaded |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        try (RealRedis redis = RealRedis.start()) {
            LettuceConnectionFactory factory = new LettuceConnectionFactory(
                    new RedisStandaloneConfiguration(redis.host(), redis.port()));
            factory.afterPropertiesSet();
            factory.start();
            try {
                for (Path dir : models) {
                    report.append(measure(dir, factory)).append('\n');
                }
            } finally {
                factory.destroy();
            }
        }
        Path out = Path.of("target/bench/starter-store.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.println(report);
    }

    private static String measure(Path dir, LettuceConnectionFactory factory) throws IOException {
        boolean gated = Files.readString(dir.resolve("config.json")).contains("infini");
        EngineOptions options = EngineOptions.builder().device("cpu").gateInit(gated ? null : 0f).build();
        try (InfiniModel model = InfiniModel.load(dir, options)) {
            InfiniChatTemplate template = InfiniChatTemplate.forModel(model, null, null);
            RedisConversationStore store = new RedisConversationStore(factory, "bench:", Duration.ZERO,
                    Duration.ofMinutes(5));
            byte[] blob;
            int open;
            try (Session session = new Session(model)) {
                // a conversation in the middle of a segment: 300 tokens of prompt
                int[] prompt = Arrays.copyOf(template.conversationTokens(List.of(new ChatMessage("user",
                        "Once upon a time there was a little cat who liked to play in the garden. ".repeat(20)))),
                        300);
                session.append(prompt);
                open = session.openSegmentLength();
                blob = StateCodec.encode(session.snapshot());
            }
            assertThat((long) blob.length).isEqualTo(StateCodec.encodedSize(model));
            String id = "bench-" + Math.abs(dir.hashCode());
            store.delete(id);
            long[] encode = new long[ROUNDS];
            long[] save = new long[ROUNDS];
            long[] load = new long[ROUNDS];
            long[] decode = new long[ROUNDS];
            ConversationStore.Stamp stamp = ConversationStore.Stamp.NONE;
            SessionState state = StateCodec.decode(blob);
            for (int i = 0; i < ROUNDS; i++) {
                long t0 = System.nanoTime();
                byte[] encoded = StateCodec.encode(state);
                long t1 = System.nanoTime();
                stamp = store.save(id, stamp, encoded, Duration.ZERO).orElseThrow();
                long t2 = System.nanoTime();
                ConversationStore.StoredState loaded = store.load(id).orElseThrow();
                long t3 = System.nanoTime();
                state = StateCodec.decode(loaded.state());
                long t4 = System.nanoTime();
                assertThat(loaded.state()).isEqualTo(blob);
                encode[i] = t1 - t0;
                save[i] = t2 - t1;
                load[i] = t3 - t2;
                decode[i] = t4 - t3;
            }
            long restoreStart = System.nanoTime();
            try (Session restored = Session.restore(model, state)) {
                assertThat(restored.tokensSeen()).isEqualTo(300);
            }
            long restore = System.nanoTime() - restoreStart;
            store.delete(id);
            double[] turns = turns(model, template, store);
            return String.format(Locale.ROOT, "| %s | %,d | %d | %,d | %s | %s | %s | %s | %.1f (%d) | %.0f | %.0f |",
                    dir.getFileName(), model.parameterCount(), model.segmentLength(), blob.length, stat(encode),
                    stat(save), stat(load), stat(decode), restore / 1e6, open, turns[0], turns[1]);
        }
    }

    /** Median turn latency (5 short turns) with the hot-session cache, then with every turn loading the state. */
    private static double[] turns(InfiniModel model, InfiniChatTemplate template, ConversationStore store) {
        double[] medians = new double[2];
        for (int variant = 0; variant < 2; variant++) {
            InfiniConversations conversations = new InfiniConversations(model, template, store,
                    new InfiniConversations.Settings(Duration.ofMinutes(1), variant == 0 ? 1L << 30 : 0, 128,
                            GenerationOptions.greedy(8)), new SimpleMeterRegistry());
            String id = "bench-turns-" + variant;
            store.delete(id);
            long[] latency = new long[5];
            for (int i = 0; i < latency.length; i++) {
                latency[i] = conversations.turn(id, List.of(new ChatMessage("user", "Tell me more about the cat.")),
                        GenerationOptions.greedy(8), TokenListener.NONE).latency().toNanos();
            }
            store.delete(id);
            conversations.close();
            // the first turn starts the conversation; the others show the steady state
            medians[variant] = median(Arrays.copyOfRange(latency, 1, latency.length)) / 1e6;
        }
        return medians;
    }

    private static String stat(long[] nanos) {
        return String.format(Locale.ROOT, "%.2f (p90 %.2f)", median(nanos) / 1e6, percentile(nanos, 0.9) / 1e6);
    }

    private static double median(long[] values) {
        return percentile(values, 0.5);
    }

    private static double percentile(long[] values, double p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
    }
}
