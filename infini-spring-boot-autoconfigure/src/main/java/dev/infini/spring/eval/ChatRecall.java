package dev.infini.spring.eval;

import dev.infini.spring.InfiniChatModel;
import dev.infini.spring.InfiniChatOptions;
import dev.infini.spring.autoconfigure.InfiniAutoConfiguration;
import dev.infini.tools.eval.ChatRecallEvaluator.Reply;
import dev.infini.tools.eval.ChatRecallEvaluator.Trial;
import dev.infini.tools.eval.ChatRecallEvaluator;
import dev.infini.tools.eval.ChatScript;
import dev.infini.tools.eval.HeldOutChatRecall;
import dev.infini.tools.eval.OpenData;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * Chat recall through the starter: the script and scoring of {@link ChatRecallEvaluator} (a fact in the first
 * turn, small talk for at least {@code minSegments} segments, then the question), every turn a
 * {@link InfiniChatModel#call(org.springframework.ai.chat.prompt.Prompt) ChatModel.call} with the conversation id
 * in {@link InfiniChatOptions}, so each turn's state is saved to the model's conversation store and the next turn
 * loads it from there.
 * <p>
 * The chat model must run without its hot-session cache ({@code infini.conversation.cache-max-size=0}): otherwise a
 * turn would continue the session kept in this process and the store would only be written, never read. Every
 * prompt carries the system message {@link ChatScript#SYSTEM} and one user message, as an application with a
 * default system prompt sends them; the starter feeds the system message only when a conversation starts. Replies
 * are greedy ({@code temperature 0}, no repetition penalty), at most {@code maxReplyTokens} tokens.
 * <p>
 * Run it with {@link #main} ({@code bin/infini-chat-recall}); see {@code docs/passkey.md}.
 */
public final class ChatRecall implements ChatRecallEvaluator.Chat {

    private final InfiniChatModel chatModel;
    private final int maxReplyTokens;

    /**
     * @param chatModel      the starter's chat model, its session cache off
     * @param maxReplyTokens most tokens of one reply
     * @throws IllegalArgumentException if the chat model caches sessions, so turns would not load from the store
     */
    public ChatRecall(InfiniChatModel chatModel, int maxReplyTokens) {
        if (chatModel.conversations().settings().cacheMaxBytes() > 0) {
            throw new IllegalArgumentException("chat recall needs every turn to load its state from the store: run the"
                    + " chat model with infini.conversation.cache-max-size=0 (its hot-session cache holds "
                    + chatModel.conversations().settings().cacheMaxBytes() + " bytes)");
        }
        if (maxReplyTokens < 1) {
            throw new IllegalArgumentException("max reply tokens must be at least 1, got " + maxReplyTokens);
        }
        this.chatModel = chatModel;
        this.maxReplyTokens = maxReplyTokens;
    }

    /**
     * The outcome of a run.
     *
     * @param store the conversation store the states went through ({@code redis}, {@code memory}, {@code file})
     */
    public record Result(List<Trial> trials, String store) {

        /** Trials whose last reply named the fact's value. */
        public long correct() {
            return trials.stream().filter(Trial::correct).count();
        }

        /** The share of correct trials, 0 to 1. */
        public double score() {
            return trials.isEmpty() ? 0 : (double) correct() / trials.size();
        }

        /** The Markdown table of the trials and the score line. */
        public String report() {
            return ChatRecallEvaluator.report(trials, "through the ChatModel, " + store + " store");
        }
    }

    /** Runs {@code trials} conversations (ids {@code chat-recall-<seed>-<trial>}) through the chat model. */
    public Result run(int trials, long seed, int minSegments, Consumer<Trial> listener) {
        List<Trial> results = new ChatRecallEvaluator(this, minSegments).run(trials, seed, listener);
        return new Result(results, chatModel.conversations().store().name());
    }

    /**
     * Runs {@code trials} conversations of the held-out evaluation ({@link HeldOutChatRecall}: test-part phrasings
     * and small talk; unseen, seen and made-up values in turn) through the chat model.
     *
     * @param data the open lists and corpora ({@code OpenData.load} of the npm cache)
     */
    public List<HeldOutChatRecall.Trial> runHeldOut(int trials, long seed, int minSegments, OpenData data,
                                                    Consumer<HeldOutChatRecall.Trial> listener) {
        return new HeldOutChatRecall(this, data, chatModel.conversations().model().tokenizer(), minSegments)
                .run(trials, seed, listener);
    }

    /**
     * One {@code ChatModel.call}; checks that the store now holds the version the turn reports, so a turn that
     * did not reach the store cannot go unnoticed.
     */
    @Override
    public Reply reply(String conversationId, String userMessage) {
        ChatResponse response = chatModel.call(new Prompt(
                List.of(new SystemMessage(ChatScript.SYSTEM), new UserMessage(userMessage)),
                InfiniChatOptions.builder().conversationId(conversationId).maxTokens(maxReplyTokens).temperature(0.0)
                        .repetitionPenalty(1.0).build()));
        long version = (Long) response.getMetadata().get(InfiniChatModel.STATE_VERSION);
        long stored = chatModel.conversations().store().version(conversationId);
        if (stored != version) {
            throw new IllegalStateException("conversation '" + conversationId + "' reports version " + version
                    + " after its turn but the store holds version " + stored);
        }
        long segments = (Long) response.getMetadata().get(InfiniChatModel.SEGMENTS_FOLDED);
        return new Reply(response.getResult().getOutput().getText(), segments);
    }

    /** Deletes the conversation from the store. */
    @Override
    public void forget(String conversationId) {
        chatModel.conversations().delete(conversationId);
    }

    /** The starter's auto-configuration alone, with Redis. */
    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({DataRedisAutoConfiguration.class, InfiniAutoConfiguration.class})
    static class WithRedis {
    }

    /** The starter's auto-configuration alone, with an in-process or file store. */
    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(InfiniAutoConfiguration.class)
    static class WithoutRedis {
    }

    @Command(name = "chat-recall", mixinStandardHelpOptions = true,
            description = {"Chat recall through the starter's Spring AI ChatModel: a fact in the first turn, small talk"
                    + " for at least --min-segments segments (the model writes its own replies), then the question;"
                    + " every turn saves the conversation's state to the store and the next loads it from there.",
                    "A trial is correct when the last reply contains the fact's value."})
    static final class Cli implements Callable<Integer> {

        @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
                description = "Checkpoint folder (infini.model.path).")
        Path model;

        @Option(names = "--redis", paramLabel = "URL",
                description = "Redis to keep the conversations in, e.g. redis://localhost:6379 (spring.data.redis.url)."
                        + " Without it: --store-dir, else the in-process store.")
        String redis;

        @Option(names = "--store-dir", paramLabel = "DIR",
                description = "File store folder (infini.store.type=file), when there is no --redis.")
        Path storeDir;

        @Option(names = "--key-prefix", defaultValue = "infini-chat-recall:",
                description = "Redis key prefix (default: ${DEFAULT-VALUE}).")
        String keyPrefix;

        @Option(names = "--device", defaultValue = "auto", paramLabel = "cpu|gpu|auto",
                description = "Where to run (default: ${DEFAULT-VALUE}).")
        String device;

        @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
                description = "PyTorch intra-op threads; 0 keeps the backend's default (default: ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--segment-length", defaultValue = "0", paramLabel = "N",
                description = "Tokens per segment; 0 keeps config.json's (default: ${DEFAULT-VALUE}).")
        int segmentLength;

        @Option(names = {"-n", "--trials"}, defaultValue = "20",
                description = "Conversations (default: ${DEFAULT-VALUE}).")
        int trials;

        @Option(names = "--min-segments", defaultValue = "10",
                description = "Segments of other talk between the fact and the question; 0 asks right after the"
                        + " fact, usually inside the open segment (default: ${DEFAULT-VALUE}).")
        int minSegments;

        @Option(names = "--max-reply-tokens", defaultValue = "40",
                description = "Tokens per reply (default: ${DEFAULT-VALUE}).")
        int maxReplyTokens;

        @Option(names = "--seed", defaultValue = "42",
                description = "Seed of the facts and talk (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--held-out", paramLabel = "DIR", description = HeldOutChatRecall.OPTION_DESCRIPTION)
        Path heldOut;

        @Override
        public Integer call() throws Exception {
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            List<String> properties = new ArrayList<>(List.of(
                    "infini.model.path=" + model.toAbsolutePath(),
                    "infini.model.device=" + device,
                    "infini.model.threads=" + threads,
                    "infini.model.segment-length=" + segmentLength,
                    // every turn must load its state from the store
                    "infini.conversation.cache-max-size=0",
                    "logging.level.root=warn", "logging.level.ai.djl.util.cuda=error"));
            Class<?> source;
            if (redis != null) {
                source = WithRedis.class;
                properties.addAll(List.of("infini.store.type=redis", "spring.data.redis.url=" + redis,
                        "infini.store.key-prefix=" + keyPrefix));
            } else {
                source = WithoutRedis.class;
                properties.add(storeDir != null ? "infini.store.type=file" : "infini.store.type=memory");
                if (storeDir != null) {
                    properties.add("infini.store.directory=" + storeDir.toAbsolutePath());
                }
                System.err.println("note: no --redis given, conversations round-trip through the "
                        + (storeDir != null ? "file store in " + storeDir : "in-process memory store") + " instead");
            }
            try (ConfigurableApplicationContext context = new SpringApplicationBuilder(source)
                    .web(WebApplicationType.NONE).bannerMode(Banner.Mode.OFF).logStartupInfo(false)
                    .properties(properties.toArray(String[]::new)).run()) {
                ChatRecall recall = new ChatRecall(context.getBean(InfiniChatModel.class), maxReplyTokens);
                int[] done = {0};
                if (heldOut != null) {
                    List<HeldOutChatRecall.Trial> results = recall.runHeldOut(trials, seed, minSegments,
                            OpenData.load(heldOut), t -> System.err.printf("trial %d/%d (%s): %s after %d segments%n",
                                    ++done[0], trials, t.category(), t.correct() ? "correct" : "wrong",
                                    t.segmentsBetween()));
                    out.print(HeldOutChatRecall.report(results, "through the ChatModel, "
                            + recall.chatModel.conversations().store().name() + " store"));
                    return 0;
                }
                Result result = recall.run(trials, seed, minSegments, t -> System.err.printf(
                        "trial %d/%d: %s after %d segments, %d turns%n", ++done[0], trials,
                        t.correct() ? "correct" : "wrong", t.segmentsBetween(), t.turns()));
                out.print(result.report());
            }
            return 0;
        }
    }

    /**
     * Runs the evaluation from the command line; {@code --help} lists the options. Example:
     * {@code --model models/infini-default --redis redis://localhost:6379 -n 20 --min-segments 10}.
     */
    public static void main(String[] args) {
        System.exit(new CommandLine(new Cli()).execute(args));
    }
}
