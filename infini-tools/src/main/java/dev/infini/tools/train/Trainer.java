package dev.infini.tools.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.infini.engine.DjlDefaults;
import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.kernels.Devices;
import dev.infini.engine.tokenizer.InfiniTokenizer;
import dev.infini.tools.eval.HeldOut;
import dev.infini.tools.eval.OpenData;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The training loop: batches from a {@link SequenceSource} ({@link TrainingData}, or {@link RecallData} when the
 * settings name recall data), a differentiable forward over all segments of each sequence
 * (back-propagation through time through M and z), AdamW with warm-up and cosine decay, gradient clipping,
 * checkpoints in the engine's format, resumption from the last checkpoint, a progress line with loss and tokens/s,
 * a CSV loss log and a loss-curve image.
 * <p>
 * Layout of the output folder: {@code last/} (the latest checkpoint, with {@code optimizer/} and
 * {@code trainer.json} to resume from), {@code best/} (the checkpoint with the best validation passkey accuracy),
 * {@code step-N/} every {@code keepEvery} steps when asked (weights only: the checkpoints {@code infini average}
 * takes the mean of), {@code loss.csv} and {@code loss.png}.
 */
public final class Trainer {

    static {
        DjlDefaults.apply();
    }

    private final TrainSettings settings;
    private final PrintStream progress;
    private final SourceFactory sourceFactory;
    private final java.util.concurrent.atomic.AtomicBoolean stopRequested =
            new java.util.concurrent.atomic.AtomicBoolean();

    public Trainer(TrainSettings settings, PrintStream progress) {
        this(settings, progress, null);
    }

    /**
     * A run whose sequences come from {@code sourceFactory} (for example {@link StoryData}) instead of the mixture
     * the settings describe.
     */
    public Trainer(TrainSettings settings, PrintStream progress, SourceFactory sourceFactory) {
        this.settings = settings;
        this.progress = progress;
        this.sourceFactory = sourceFactory;
    }

    /** Builds a run's sequence source once the model's tokenizer and special tokens are known. */
    public interface SourceFactory {
        SequenceSource create(InfiniTokenizer tokenizer, int bosTokenId, int eosTokenId, int vocabSize)
                throws IOException;
    }

    /**
     * What a run ended with.
     *
     * @param stopped whether {@link #requestStop} ended it before {@code settings.steps()}
     */
    public record Result(long steps, double firstLoss, double lastLoss, double bestValidation, Path best,
                         boolean stopped) {
    }

    /**
     * Asks a running {@link #run} to stop after the step it is in: it writes that step's checkpoint to {@code last/}
     * and returns, so no finished step is lost and the same settings resume from there. Safe from any thread (the
     * command line calls it from its shutdown hook on Ctrl-C or SIGTERM).
     */
    public void requestStop() {
        stopRequested.set(true);
    }

    /** Trains until {@code settings.steps()} optimizer steps are done (resuming from {@code last/} if present). */
    public Result run() throws IOException, InterruptedException {
        Path out = settings.output();
        Files.createDirectories(out);
        Path last = out.resolve("last");
        Path best = out.resolve("best");
        boolean resume = Files.isRegularFile(last.resolve("trainer.json"));
        ModelConfig.InfiniSettings infini = new ModelConfig.InfiniSettings(settings.segmentLength(),
                settings.memoryUpdate());
        // every array of the run (weights, optimizer state, batches, M and z) lives on this manager's device
        ai.djl.Device device = Devices.resolve(settings.device());
        try (NDManager root = NDManager.newBaseManager(device)) {
            TrainableModel model;
            Path tokenizerDir = settings.init() != null ? settings.init() : settings.tokenizer();
            if (resume) {
                model = TrainableModel.fromCheckpoint(root, last, infini, settings.gateInit());
            } else if (settings.init() != null) {
                model = TrainableModel.fromCheckpoint(root, settings.init(), infini, settings.gateInit());
            } else {
                model = TrainableModel.fromScratch(root, settings.scratchConfig().withInfini(infini),
                        settings.gateInit(), settings.seed());
            }
            TrainSettings.Distillation distillation = settings.distillation();
            TrainableModel teacher = distillation == null ? null
                    : TrainableModel.teacher(root, distillation.teacher(), infini, model.config().vocabSize());
            try (model; teacher; InfiniTokenizer tokenizer = InfiniTokenizer.load(resume ? last : tokenizerDir,
                    model.config().vocabSize())) {
                AdamW optimizer = new AdamW(model, settings.adam());
                JsonObject state = new JsonObject();
                double bestValidation = -1;
                if (resume) {
                    state = JsonParser.parseString(Files.readString(last.resolve("trainer.json"))).getAsJsonObject();
                    optimizer.load(last.resolve("optimizer"), state.get("step").getAsLong());
                    bestValidation = state.get("best_validation").getAsDouble();
                    progress.printf("resuming from %s at step %d%n", last, optimizer.step());
                }
                int bos = model.config().bosTokenId();
                int eos = model.config().eosTokenIds().isEmpty() ? 2 : model.config().eosTokenIds().iterator().next();
                SequenceSource data;
                String source;
                if (sourceFactory != null) {
                    data = sourceFactory.create(tokenizer, bos, eos, model.config().vocabSize());
                    source = data.toString();
                } else if (settings.recallData() != null) {
                    OpenData open = OpenData.load(settings.recallData());
                    RecallData recall = new RecallData(tokenizer, bos, eos, model.config().vocabSize(),
                            settings.segmentLength(), settings.recallMix(), open, settings.proseTokens());
                    data = recall;
                    source = String.format("recall mixture (train parts of %s: %s), %.0f%% of the copies symbols of"
                                    + " an alphabet of %d at this step, %.0f%% longer than a segment, %.0f%% of the chat"
                                    + " questions about a fact just told",
                            settings.recallData(), open.corpora(HeldOut.TRAIN),
                            100 * settings.recallMix().symbolCopyShare(), recall.alphabetSize(optimizer.step()),
                            100 * settings.recallMix().memoryCopyShare(),
                            100 * settings.recallMix().nearQuestionShare());
                } else {
                    int[] prose = settings.proseTokens() > 0
                            ? ProseCorpus.tokens(tokenizer, ProseCorpus.texts(settings.corpus(),
                            settings.corpusCache()), settings.proseTokens())
                            : new int[0];
                    data = new TrainingData(tokenizer, bos, eos, settings.segmentLength(), settings.mix(), prose);
                    source = String.format("%,d prose tokens", prose.length);
                }
                progress.printf("training %,d parameters on %s: segment %d, %d-%d segments per sequence, batch %d, "
                                + "%s, %s update%s%n", model.parameterCount(), device, settings.segmentLength(),
                        settings.minSegments(), settings.maxSegments(), settings.batch(), source,
                        settings.memoryUpdate().jsonName(), distillation == null ? ""
                                : String.format(java.util.Locale.ROOT, ", prose distilled from %s (teacher's share %.2f)",
                                distillation.teacher(), distillation.weight()));
                Validation validation = new Validation(data, settings);
                Path log = out.resolve("loss.csv");
                if (!Files.exists(log)) {
                    // val_answer_tokens came last, after elapsed_s, so that older logs keep their column positions
                    Files.writeString(log, "step,loss,lr,grad_norm,tokens_per_s,val_passkey,val_passkey_off,elapsed_s,"
                            + "val_answer_tokens\n");
                } else if (resume) {
                    dropRowsAfter(log, optimizer.step());
                }
                double elapsedBefore = resume ? state.get("elapsed_s").getAsDouble() : 0;
                long start = System.nanoTime();
                double firstLoss = Double.NaN;
                double lossSum = 0;
                int lossCount = 0;
                long tokens = 0;
                long windowStart = System.nanoTime();
                double lastLoss = Double.NaN;
                int badInARow = 0;
                while (optimizer.step() < settings.steps()) {
                    long step = optimizer.step();
                    // every step's data follows from (seed, step): a resumed run sees what it would have seen
                    SplittableRandom random = new SplittableRandom(settings.seed() * 1_000_003L + step);
                    int segments = settings.minSegments() + random.nextInt(settings.maxSegments()
                            - settings.minSegments() + 1);
                    int length = segments * settings.segmentLength();
                    int[][] ids = new int[settings.batch()][];
                    float[][] weights = new float[settings.batch()][];
                    float[] teacherShare = new float[settings.batch()];
                    for (int b = 0; b < settings.batch(); b++) {
                        TrainingData.Sample sample = data.sample(random, length, step);
                        ids[b] = sample.ids();
                        weights[b] = sample.weights();
                        teacherShare[b] = teacher != null && sample.kind().equals("prose") ? distillation.weight() : 0f;
                    }
                    double lr = settings.learningRate(step);
                    double loss;
                    double norm;
                    try (NDManager stepManager = root.newSubManager()) {
                        loss = model.backward(stepManager, ids, weights, true, settings.bpttSegments(),
                                teacher == null ? null : new TrainableModel.Soft(teacher, teacherShare));
                        norm = optimizer.update(stepManager, lr);
                        badInARow = Double.isFinite(loss) ? 0 : badInARow + 1;
                        if (badInARow >= 20) {
                            throw new IllegalStateException("loss was not finite for 20 steps in a row (step " + step
                                    + "): lower the learning rate and resume from " + last);
                        }
                    }
                    if (Double.isFinite(loss)) {
                        if (Double.isNaN(firstLoss)) {
                            firstLoss = loss;
                        }
                        lastLoss = loss;
                        lossSum += loss;
                        lossCount++;
                    }
                    tokens += (long) settings.batch() * length;
                    long done = optimizer.step();
                    // read once: a request arriving between the checkpoint and the exit below must not skip the former
                    boolean stop = stopRequested.get() && done < settings.steps();
                    boolean evaluate = done % settings.evalEvery() == 0 || done == settings.steps();
                    if (done % settings.logEvery() == 0 || evaluate) {
                        double seconds = (System.nanoTime() - windowStart) / 1e9;
                        double tokensPerSecond = tokens / Math.max(seconds, 1e-9);
                        double elapsed = elapsedBefore + (System.nanoTime() - start) / 1e9;
                        String val = "";
                        String valOff = "";
                        String valTokens = "";
                        if (evaluate) {
                            Validation.Score score = validation.score(model, root);
                            val = String.format(java.util.Locale.ROOT, "%.4f", score.on().sequences());
                            valOff = String.format(java.util.Locale.ROOT, "%.4f", score.off().sequences());
                            valTokens = String.format(java.util.Locale.ROOT, "%.4f", score.on().tokens());
                            if (score.on().sequences() > bestValidation) {
                                bestValidation = score.on().sequences();
                                model.save(best, tokenizerDir);
                                writeTrainerState(best, done, bestValidation, elapsed, false);
                            }
                        }
                        double mean = lossSum / Math.max(lossCount, 1);
                        Files.writeString(log, String.format(java.util.Locale.ROOT,
                                "%d,%.5f,%.3e,%.3f,%.1f,%s,%s,%.1f,%s%n",
                                done, mean, lr, norm, tokensPerSecond, val, valOff, elapsed, valTokens),
                                StandardOpenOption.APPEND);
                        progress.println(progressLine(done, settings.steps(), mean, tokensPerSecond, lr, elapsed,
                                (optimizer.skipped() > 0 ? " | " + optimizer.skipped() + " steps skipped (non-finite gradients)" : "")
                                        + (evaluate ? " | val " + data.validationName() + " " + val
                                        + ", answer tokens " + valTokens
                                        + " (memory off " + valOff + ")" : "")));
                        lossSum = 0;
                        lossCount = 0;
                        tokens = 0;
                        windowStart = System.nanoTime();
                    }
                    if (done % settings.checkpointEvery() == 0 || done == settings.steps() || stop) {
                        double elapsed = elapsedBefore + (System.nanoTime() - start) / 1e9;
                        model.save(last, tokenizerDir);
                        optimizer.save(last.resolve("optimizer"));
                        writeTrainerState(last, done, bestValidation, elapsed, true);
                        if (!stop) {
                            // not while the JVM shuts down: the image writer's first use registers a shutdown hook,
                            // which throws then; the resumed run draws the curve
                            LossCurve.write(log, out.resolve("loss.png"));
                        }
                    }
                    if (settings.keepEvery() > 0 && done % settings.keepEvery() == 0) {
                        Path kept = out.resolve("step-" + done);
                        model.save(kept, tokenizerDir);
                        writeTrainerState(kept, done, bestValidation,
                                elapsedBefore + (System.nanoTime() - start) / 1e9, false);
                    }
                    if (stop) {
                        progress.printf("stopped after step %d of %d: checkpoint in %s, the same command resumes"
                                + " from it%n", done, settings.steps(), last);
                        return new Result(done, firstLoss, lastLoss, bestValidation, best, true);
                    }
                }
                return new Result(optimizer.step(), firstLoss, lastLoss, bestValidation, best, false);
            }
        }
    }

    /**
     * Drops the log rows of steps after the checkpoint a run resumes from: a run that died between a row and its
     * checkpoint would otherwise log those steps twice.
     */
    private static void dropRowsAfter(Path log, long step) throws IOException {
        List<String> lines = Files.readAllLines(log);
        List<String> kept = new java.util.ArrayList<>(List.of(lines.get(0)));
        for (String line : lines.subList(1, lines.size())) {
            if (!line.isBlank() && Long.parseLong(line.substring(0, line.indexOf(','))) <= step) {
                kept.add(line);
            }
        }
        Files.write(log, kept);
    }

    private void writeTrainerState(Path dir, long step, double bestValidation, double elapsed, boolean withSettings)
            throws IOException {
        JsonObject json = new JsonObject();
        json.addProperty("step", step);
        json.addProperty("best_validation", bestValidation);
        json.addProperty("elapsed_s", elapsed);
        Gson gson = new GsonBuilder().setPrettyPrinting().create();
        if (withSettings) {
            json.addProperty("settings", settings.toString());
        }
        TrainableModel.writeAtomically(dir.resolve("trainer.json"), gson.toJson(json));
    }

    static String progressLine(long step, long total, double loss, double tokensPerSecond, double lr, double elapsed,
                               String extra) {
        int width = 24;
        int filled = (int) (width * step / Math.max(total, 1));
        double eta = step == 0 ? 0 : elapsed / step * (total - step);
        return String.format(java.util.Locale.ROOT, "step %d/%d [%s%s] loss %.4f | %.0f tok/s | lr %.2e | %s elapsed,"
                        + " eta %s%s", step, total, "#".repeat(filled), ".".repeat(width - filled), loss,
                tokensPerSecond, lr, duration(elapsed), duration(eta), extra);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }

    /**
     * Teacher-forced accuracy on a fixed set of the source's validation sequences (the pass key with its needle in an
     * earlier segment than the question, or held-out chat recall): a sequence counts when every answer token is the
     * argmax. Scored with the memory on and off; with the memory on also the share of answer tokens that are the
     * argmax, which still moves when a few sequences decide the exact match (8 sequences of 32K tokens sat at 50 %
     * for three phases while the key's digits improved).
     */
    static final class Validation {
        /** The accuracy with the memory on and with it off. */
        record Score(Accuracy on, Accuracy off) {
        }

        /** Exact matches and correct answer tokens, each as a share. */
        record Accuracy(double sequences, double tokens) {
        }

        private static final int SEGMENTS_PER_VALIDATION_PASS = 256;

        private final int[][] ids;
        private final int[] answerStart;
        private final int[] answerLength;

        Validation(SequenceSource data, TrainSettings settings) {
            SplittableRandom random = new SplittableRandom(settings.seed() ^ 0x5DEECE66DL);
            int length = settings.validationSegments() * settings.segmentLength();
            ids = new int[settings.validationSize()][];
            answerStart = new int[ids.length];
            answerLength = new int[ids.length];
            for (int i = 0; i < ids.length; i++) {
                TrainingData.Sample s = data.validation(random, length);
                ids[i] = s.ids();
                answerLength[i] = s.answerLength();
                answerStart[i] = s.answerStart();
            }
        }

        Score score(TrainableModel model, NDManager root) {
            return new Score(accuracy(model, root, true), accuracy(model, root, false));
        }

        private Accuracy accuracy(TrainableModel model, NDManager root, boolean memory) {
            int correct = 0;
            int tokensCorrect = 0;
            int tokens = 0;
            int length = ids[0].length - 1;
            // every segment's intermediates stay alive until the batch is scored: cap sequences × segments per pass
            // (8 sequences of 512 segments took 24 GB)
            int segments = Math.max(1, length / model.config().infini().segmentLength());
            int batch = Math.max(1, Math.min(8, SEGMENTS_PER_VALIDATION_PASS / segments));
            for (int from = 0; from < ids.length; from += batch) {
                int to = Math.min(ids.length, from + batch);
                int[][] inputs = new int[to - from][];
                for (int i = from; i < to; i++) {
                    inputs[i - from] = java.util.Arrays.copyOf(ids[i], length);
                }
                try (NDManager step = root.newSubManager()) {
                    // [B, T]: the answer may start in any segment
                    int[] predicted = NDArrays.concat(new NDList(model.forward(step, inputs, memory)), 1).argMax(-1)
                            .toType(ai.djl.ndarray.types.DataType.INT32, false).toIntArray();
                    for (int i = from; i < to; i++) {
                        boolean ok = true;
                        for (int t = 0; t < answerLength[i]; t++) {
                            int position = answerStart[i] + t - 1; // logits at position p predict token p + 1
                            boolean right = predicted[(i - from) * length + position] == ids[i][position + 1];
                            ok &= right;
                            tokensCorrect += right ? 1 : 0;
                            tokens++;
                        }
                        correct += ok ? 1 : 0;
                    }
                }
            }
            return new Accuracy(correct / (double) ids.length, tokensCorrect / (double) Math.max(tokens, 1));
        }
    }
}
