package dev.infini.tools.train;

import dev.infini.engine.config.MemoryUpdate;
import dev.infini.engine.config.ModelConfig;

import java.nio.file.Path;

/**
 * Everything a training run needs; {@link Trainer} reads it, the {@code train} command fills it.
 *
 * @param init               checkpoint to continue (plug-and-play), or null to start from scratch
 * @param scratchConfig      the shape for a run from scratch (ignored with {@code init})
 * @param tokenizer          folder with tokenizer.json for a run from scratch
 * @param output             run folder: last/, best/, loss.csv, loss.png
 * @param segmentLength      N
 * @param memoryUpdate       linear or delta
 * @param gateInit           β for heads that have no gate yet
 * @param steps              optimizer steps in all (a resumed run continues to this count)
 * @param batch              sequences per step
 * @param minSegments        fewest segments per training sequence
 * @param maxSegments        most segments per training sequence
 * @param peakLearningRate   learning rate after warm-up
 * @param warmupSteps        linear warm-up steps
 * @param minLearningRateRatio the cosine decay ends at this fraction of the peak
 * @param adam               AdamW hyper-parameters (β's own learning-rate multiplier included)
 * @param mix                data mixture
 * @param corpus             folder of .txt prose, or null for the State of the Union speeches from npm
 * @param corpusCache        where downloaded corpora are cached
 * @param proseTokens        tokens of prose to load (0: no prose)
 * @param seed               seed of data and initialisation
 * @param logEvery           steps between progress lines
 * @param evalEvery          steps between validations (best/ is chosen by them)
 * @param checkpointEvery    steps between checkpoints in last/
 * @param keepEvery          steps between the checkpoints kept as {@code step-N/} (weights only, for
 *                           {@code infini average}); 0 keeps none
 * @param validationSegments segments of each validation sequence
 * @param validationSize     validation sequences
 * @param bpttSegments       back-propagate in chunks of this many segments, M and z detached between them (0: whole sequence)
 * @param recallData         npm cache of the open lists and corpora: train on {@link RecallData} instead of
 *                           {@link TrainingData} (null: the passkey/chat mixture of {@code mix})
 * @param recallMix          the recall mixture (with {@code recallData})
 * @param device             where the run lives: cpu (null means cpu), gpu (must exist) or auto (see
 *                           {@link dev.infini.engine.kernels.Devices})
 * @param distillation       a teacher that prose sequences also learn from, or null (next tokens only)
 */
public record TrainSettings(Path init, ModelConfig scratchConfig, Path tokenizer, Path output, int segmentLength,
                            MemoryUpdate memoryUpdate, float gateInit, long steps, int batch, int minSegments,
                            int maxSegments, double peakLearningRate, long warmupSteps, double minLearningRateRatio,
                            AdamW.Settings adam, TrainingData.Mix mix, Path corpus, Path corpusCache, int proseTokens,
                            long seed, int logEvery, int evalEvery, int checkpointEvery, int keepEvery,
                            int validationSegments,
                            int validationSize, int bpttSegments, Path recallData, RecallData.Mix recallMix,
                            String device, Distillation distillation) {

    /**
     * Self-distillation, for plug-and-play: prose sequences learn from the teacher's next-token distribution (memory
     * off, attention inside the segment) as well as from the next token ({@link TrainableModel.Soft}), so that a
     * converted model keeps the original's language model while it learns to use its memory. The other kinds of
     * sequence (pass key, copy, chat) learn from their tokens only.
     *
     * @param teacher checkpoint of the teacher, normally the original model the run converts; same tokenizer
     * @param weight  the teacher's share of a prose token's target, in (0, 1]
     */
    public record Distillation(Path teacher, float weight) {
        public Distillation {
            if (teacher == null) {
                throw new IllegalArgumentException("distillation needs a teacher checkpoint");
            }
            if (!(weight > 0 && weight <= 1)) {
                throw new IllegalArgumentException("the teacher's weight must lie in (0, 1], got " + weight);
            }
        }
    }

    public TrainSettings {
        if (init == null && (scratchConfig == null || tokenizer == null)) {
            throw new IllegalArgumentException("give a checkpoint to continue, or a shape and a tokenizer to start from scratch");
        }
        if (minSegments < 1 || maxSegments < minSegments) {
            throw new IllegalArgumentException("segments per sequence must satisfy 1 <= min <= max, got "
                    + minSegments + ".." + maxSegments);
        }
        if (steps < 1 || batch < 1 || segmentLength < 8) {
            throw new IllegalArgumentException("steps and batch must be positive and the segment at least 8 tokens");
        }
        if (bpttSegments < 0) {
            throw new IllegalArgumentException("--bptt-segments must be >= 0, got " + bpttSegments);
        }
        if (recallData != null && recallMix == null) {
            throw new IllegalArgumentException("recall data needs a recall mixture");
        }
        device = device == null ? "cpu" : device.trim().toLowerCase(java.util.Locale.ROOT);
        if (!device.equals("cpu") && !device.equals("gpu") && !device.equals("auto")) {
            throw new IllegalArgumentException("the device must be cpu, gpu or auto, got \"" + device + "\"");
        }
        if (logEvery < 1 || evalEvery < 1 || checkpointEvery < 1) {
            throw new IllegalArgumentException("log, eval and checkpoint intervals must be positive");
        }
        if (keepEvery < 0) {
            throw new IllegalArgumentException("--keep-every must be >= 0, got " + keepEvery);
        }
    }

    /** Linear warm-up, then cosine decay to {@code minLearningRateRatio} of the peak at the last step. */
    public double learningRate(long step) {
        if (step < warmupSteps) {
            return peakLearningRate * (step + 1) / warmupSteps;
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, steps - warmupSteps);
        double cosine = 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
        return peakLearningRate * (minLearningRateRatio + (1 - minLearningRateRatio) * cosine);
    }
}
