package dev.infini.spring.autoconfigure;

import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.WeightFormat;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Configuration of the Infini starter, under {@code infini.*}. */
@ConfigurationProperties("infini")
public class InfiniProperties {

    private final Model model = new Model();
    private final Chat chat = new Chat();
    private final Conversation conversation = new Conversation();
    private final Store store = new Store();
    private final Djl djl = new Djl();

    public Model getModel() {
        return model;
    }

    public Chat getChat() {
        return chat;
    }

    public Conversation getConversation() {
        return conversation;
    }

    public Djl getDjl() {
        return djl;
    }

    public Store getStore() {
        return store;
    }

    /**
     * DJL's network behaviour. DJL reads these as JVM-wide system properties ({@code ai.djl.offline},
     * {@code OPT_OUT_TRACKING}) when it first loads; the starter sets them from here before it loads the model, unless
     * the JVM was started with them (a {@code -D} option or the {@code OPT_OUT_TRACKING} environment variable).
     */
    public static class Djl {

        /** Keep DJL from looking up models and metadata on the network. */
        private boolean offline = true;

        /** Let DJL report usage to its authors. */
        private boolean tracking = false;

        public boolean isOffline() {
            return offline;
        }

        public void setOffline(boolean offline) {
            this.offline = offline;
        }

        public boolean isTracking() {
            return tracking;
        }

        public void setTracking(boolean tracking) {
            this.tracking = tracking;
        }

        /** Sets DJL's system properties from these values where the JVM did not set them. */
        void apply() {
            if (System.getProperty("ai.djl.offline") == null) {
                System.setProperty("ai.djl.offline", Boolean.toString(offline));
            }
            if (System.getProperty("OPT_OUT_TRACKING") == null && System.getenv("OPT_OUT_TRACKING") == null) {
                System.setProperty("OPT_OUT_TRACKING", Boolean.toString(!tracking));
            }
        }
    }

    /** The checkpoint and how it runs. */
    public static class Model {

        /**
         * Checkpoint folder: config.json, model.safetensors (or shards), tokenizer.json and optionally
         * tokenizer_config.json; a relative path is resolved from the working directory. The starter configures
         * nothing without it.
         */
        private String path;

        /** Device: cpu, gpu, or auto (GPU when DJL sees one). */
        private String device = "auto";

        /** Tokens per segment N; 0 keeps the checkpoint's (2048 for a plain Llama checkpoint). */
        private int segmentLength;

        /**
         * PyTorch intra-op threads for the whole process; 0 keeps the backend's default (one per core). On a machine
         * shared with other busy processes 1 can be several times faster.
         */
        private int threads;

        /** Memory update rule (linear or delta) instead of the checkpoint's; unset keeps it. */
        private MemoryUpdate memoryUpdate;

        /**
         * Gate value beta for every head of a checkpoint without memory_gate tensors; unset keeps the memory off
         * for such a checkpoint.
         */
        private Float gateInit;

        /**
         * How decode holds the weights on the CPU: f32 (exact, the default), bf16 (half the bytes; on small models
         * such as the default one about twice as fast, at a perplexity change of 0.1 % or less), f16 or q8_0 (8 bits
         * with a scale per 32 weights, for large models). Unset: the system property infini.kernels.weights, else
         * f32.
         */
        private WeightFormat decodeWeights;

        // A String, not a Path: Spring's conversion to Path goes through resources and refuses "../models".
        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }

        /** {@link #getPath()} resolved from the working directory, or null when unset. */
        public Path resolvedPath() {
            return resolve(path);
        }

        public String getDevice() {
            return device;
        }

        public void setDevice(String device) {
            this.device = device;
        }

        public int getSegmentLength() {
            return segmentLength;
        }

        public void setSegmentLength(int segmentLength) {
            this.segmentLength = segmentLength;
        }

        public int getThreads() {
            return threads;
        }

        public void setThreads(int threads) {
            this.threads = threads;
        }

        public MemoryUpdate getMemoryUpdate() {
            return memoryUpdate;
        }

        public void setMemoryUpdate(MemoryUpdate memoryUpdate) {
            this.memoryUpdate = memoryUpdate;
        }

        public Float getGateInit() {
            return gateInit;
        }

        public void setGateInit(Float gateInit) {
            this.gateInit = gateInit;
        }

        public WeightFormat getDecodeWeights() {
            return decodeWeights;
        }

        public void setDecodeWeights(WeightFormat decodeWeights) {
            this.decodeWeights = decodeWeights;
        }
    }

    /** Chat template and default sampling; a prompt's InfiniChatOptions override the sampling values. */
    public static class Chat {

        /**
         * Jinja chat template to use instead of the checkpoint's tokenizer_config.json chat_template (and of the
         * built-in default for checkpoints without one).
         */
        private String template;

        /**
         * Strings that end generation besides the end-of-sequence token; unset means "\nUser:", "\n User:",
         * "\nAssistant:" and "\n Assistant:" with the built-in template and none otherwise.
         */
        private List<String> stop;

        /**
         * Most tokens generated per reply. Unset: the checkpoint's generation_config.json max_new_tokens, else 256.
         */
        private Integer maxTokens;

        /**
         * Sampling temperature; 0 is greedy decoding. Unset: the checkpoint's generation_config.json (0 when it
         * says do_sample false), else 0: greedy suits small models, which babble when sampled.
         */
        private Double temperature;

        /** Keep the k most likely tokens when sampling; 0 keeps all. Unset: generation_config.json's, else 0. */
        private Integer topK;

        /** Nucleus sampling threshold; 1 keeps all tokens. Unset: generation_config.json's, else 1. */
        private Double topP;

        /** CTRL-style repetition penalty; 1 is none. Unset: generation_config.json's, else 1. */
        private Double repetitionPenalty;

        /**
         * No this many tokens in a row twice within one reply; 0 is no limit. Unset: generation_config.json's
         * no_repeat_ngram_size, else 0. Unlike the repetition penalty it leaves the conversation's words free to be
         * repeated, so a recalled name still comes back.
         */
        private Integer noRepeatNgramSize;

        /** Random seed for sampling; unset draws a fresh one per call. */
        private Long seed;

        public String getTemplate() {
            return template;
        }

        public void setTemplate(String template) {
            this.template = template;
        }

        public List<String> getStop() {
            return stop;
        }

        public void setStop(List<String> stop) {
            this.stop = stop;
        }

        public Integer getMaxTokens() {
            return maxTokens;
        }

        public void setMaxTokens(Integer maxTokens) {
            this.maxTokens = maxTokens;
        }

        public Double getTemperature() {
            return temperature;
        }

        public void setTemperature(Double temperature) {
            this.temperature = temperature;
        }

        public Integer getTopK() {
            return topK;
        }

        public void setTopK(Integer topK) {
            this.topK = topK;
        }

        public Double getTopP() {
            return topP;
        }

        public void setTopP(Double topP) {
            this.topP = topP;
        }

        public Double getRepetitionPenalty() {
            return repetitionPenalty;
        }

        public void setRepetitionPenalty(Double repetitionPenalty) {
            this.repetitionPenalty = repetitionPenalty;
        }

        public Integer getNoRepeatNgramSize() {
            return noRepeatNgramSize;
        }

        public void setNoRepeatNgramSize(Integer noRepeatNgramSize) {
            this.noRepeatNgramSize = noRepeatNgramSize;
        }

        public Long getSeed() {
            return seed;
        }

        public void setSeed(Long seed) {
            this.seed = seed;
        }
    }

    /** How turns of one conversation are coordinated. */
    public static class Conversation {

        /**
         * Also keep each conversation's messages for display in the application's Spring AI ChatMemoryRepository
         * (needs one: Spring AI's chat-memory auto-configuration gives an in-memory one). The model never reads
         * them back; deleting a conversation deletes them too.
         */
        private boolean transcript;

        public boolean isTranscript() {
            return transcript;
        }

        public void setTranscript(boolean transcript) {
            this.transcript = transcript;
        }


        /**
         * How long a turn waits for a running turn of the same conversation (on any instance) before failing with
         * ConversationBusyException.
         */
        private Duration lockTimeout = Duration.ofSeconds(30);

        /** Memory for hot sessions kept per instance, so a conversation's next turn skips decoding; 0 disables. */
        private DataSize cacheMaxSize = DataSize.ofMegabytes(256);

        /** Longest conversation id accepted. */
        private int maxIdLength = 128;

        /**
         * How a stored state keeps the open segment (the tokens since the last fold): tokens (re-encoded when an
         * instance without the hot session loads it; the smallest state) or keys-values (its keys and values in 16
         * bits, written back without running the model: a cold turn is 10-60x faster, the state 4-80x bigger).
         */
        private OpenSegment openSegment = OpenSegment.TOKENS;

        public OpenSegment getOpenSegment() {
            return openSegment;
        }

        public void setOpenSegment(OpenSegment openSegment) {
            this.openSegment = openSegment;
        }

        public Duration getLockTimeout() {
            return lockTimeout;
        }

        public void setLockTimeout(Duration lockTimeout) {
            this.lockTimeout = lockTimeout;
        }

        public DataSize getCacheMaxSize() {
            return cacheMaxSize;
        }

        public void setCacheMaxSize(DataSize cacheMaxSize) {
            this.cacheMaxSize = cacheMaxSize;
        }

        public int getMaxIdLength() {
            return maxIdLength;
        }

        public void setMaxIdLength(int maxIdLength) {
            this.maxIdLength = maxIdLength;
        }
    }

    /** Where conversation states live between turns. */
    public static class Store {

        /**
         * Store type: redis, memory or file. Unset: redis when the application configured Redis (spring.data.redis
         * host, url, cluster nodes or sentinel master, or connection details of its own such as a
         * {@code @ServiceConnection} container or Docker Compose), else {@link #fallback}.
         */
        private StoreType type;

        /**
         * The store used when no type is set and the application configured no Redis: memory (with a startup
         * warning that conversations do not survive a restart) or file.
         */
        private StoreType fallback = StoreType.MEMORY;

        /** Prefix of every Redis key the starter writes. */
        private String keyPrefix = "infini:";

        /** How long a conversation lives after its last turn; 0 keeps it forever. */
        private Duration ttl = Duration.ofDays(30);

        /**
         * Lease of a Redis turn lock: its holder renews it every third of the lease while the turn runs, so it is
         * how long an instance that died mid-turn blocks the conversation for the others (at least 300 ms).
         */
        private Duration lockLease = Duration.ofSeconds(15);

        /** Folder of the file store; a relative path is resolved from the working directory. */
        private String directory = "infini-conversations";

        public StoreType getType() {
            return type;
        }

        public void setType(StoreType type) {
            this.type = type;
        }

        public StoreType getFallback() {
            return fallback;
        }

        public void setFallback(StoreType fallback) {
            if (fallback == StoreType.REDIS) {
                throw new IllegalArgumentException("infini.store.fallback is the store used when no Redis is"
                        + " configured: memory or file, not redis");
            }
            this.fallback = fallback;
        }

        public String getKeyPrefix() {
            return keyPrefix;
        }

        public void setKeyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }

        public Duration getTtl() {
            return ttl;
        }

        public void setTtl(Duration ttl) {
            this.ttl = ttl;
        }

        public Duration getLockLease() {
            return lockLease;
        }

        public void setLockLease(Duration lockLease) {
            this.lockLease = lockLease;
        }

        public String getDirectory() {
            return directory;
        }

        public void setDirectory(String directory) {
            this.directory = directory;
        }

        /** {@link #getDirectory()} resolved from the working directory. */
        public Path resolvedDirectory() {
            return resolve(directory);
        }
    }

    private static Path resolve(String path) {
        return path == null || path.isBlank() ? null : Path.of(path).toAbsolutePath().normalize();
    }

    /** How a stored state keeps the open segment. */
    public enum OpenSegment {
        /** Token ids, re-encoded on a cold load. */
        TOKENS,
        /** Keys and values in 16 bits, written back on a cold load. */
        KEYS_VALUES
    }

    /** Conversation store types. */
    public enum StoreType {
        /** Redis through Spring Boot's RedisConnectionFactory. */
        REDIS,
        /** This process's heap: lost on restart. */
        MEMORY,
        /** Files in infini.store.directory: survive restarts on one machine. */
        FILE
    }
}
