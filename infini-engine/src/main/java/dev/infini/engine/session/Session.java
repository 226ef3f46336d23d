package dev.infini.engine.session;

import ai.djl.ndarray.NDManager;
import dev.infini.engine.InvalidInputException;
import dev.infini.engine.layers.CompressiveMemory;
import dev.infini.engine.model.DecodeBuffers;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.FinishReason;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.engine.sampling.GenerationResult;
import dev.infini.engine.sampling.Sampler;
import dev.infini.engine.sampling.TextStream;
import dev.infini.engine.sampling.TokenListener;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One conversation on a model: tokens go in ({@link #append}), tokens come out ({@link #generate}), and the whole
 * state can leave the process ({@link #snapshot}). Tokens are processed in segments of N: each chunk that fits the
 * open segment runs as one batch, and a segment that fills is folded into the compressive memory and dropped, so a
 * session never holds more than one segment of keys and values and its work per token does not grow with the
 * conversation. Not thread-safe: one turn at a time.
 */
public final class Session implements AutoCloseable {

    private final InfiniModel model;
    private final NDManager manager;
    private final List<CompressiveMemory> memories;
    private final DecodeBuffers buffers;
    private final int segmentLength;
    private final int vocabSize;
    private final int[] openTokens;
    private int openLength;
    private long tokensSeen;
    private long segmentsFolded;
    private float[] lastLogits;
    private boolean closed;

    /** Use {@link InfiniModel#newSession()}. */
    public Session(InfiniModel model) {
        this.model = model;
        this.manager = model.newSessionManager();
        this.memories = model.newMemories(manager);
        this.buffers = model.newDecodeBuffers();
        this.segmentLength = model.segmentLength();
        this.vocabSize = model.config().vocabSize();
        this.openTokens = new int[segmentLength];
    }

    /** Use {@link InfiniModel#restore(SessionState)}, which checks that the state belongs to the model. */
    public static Session restore(InfiniModel model, SessionState state) {
        Session session = new Session(model);
        try {
            int kvSize = state.numKvHeads() * state.headDim();
            for (int i = 0; i < state.numLayers(); i++) {
                session.memories.get(i).load(
                        Arrays.copyOfRange(state.memory(), i * kvSize * state.headDim(), (i + 1) * kvSize * state.headDim()),
                        Arrays.copyOfRange(state.normalizer(), i * kvSize, (i + 1) * kvSize));
            }
            session.segmentsFolded = state.segmentsFolded();
            if (state.openTokens().length > 0) {
                // Re-encoding the open segment against the restored M_{s-1} rebuilds its keys and values.
                session.run(state.openTokens(), false);
            }
            session.tokensSeen = state.tokensSeen();
            session.lastLogits = state.lastLogits() == null ? null : state.lastLogits().clone();
            return session;
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** The model this conversation runs on. */
    public InfiniModel model() {
        return model;
    }

    /**
     * Appends tokens (a prompt, a user turn): batched inside each segment, folded into memory whenever a segment
     * fills.
     *
     * @throws InvalidInputException if {@code ids} is empty or holds an id outside the vocabulary
     */
    public void append(int[] ids) {
        validate(ids);
        run(ids, false);
    }

    /** Encodes text with the model's tokenizer (without BOS) and appends it. */
    public void appendText(String text) {
        append(model.tokenizer().encode(text, false));
    }

    /**
     * Appends tokens and returns the log-probability the model gave each of them: entry i is log p(ids[i] | all
     * before it), NaN for a first token that nothing precedes. Used for perplexity and evaluation.
     */
    public double[] appendScored(int[] ids) {
        validate(ids);
        return run(ids, true);
    }

    private void validate(int[] ids) {
        ensureOpen();
        if (ids == null || ids.length == 0) {
            throw new InvalidInputException("no tokens to append: input is empty");
        }
        for (int id : ids) {
            if (id < 0 || id >= vocabSize) {
                throw new InvalidInputException("token id " + id + " is outside the vocabulary [0, " + vocabSize + ")");
            }
        }
    }

    private double[] run(int[] ids, boolean score) {
        double[] scores = score ? new double[ids.length] : null;
        int done = 0;
        while (done < ids.length) {
            int take = Math.min(ids.length - done, segmentLength - openLength);
            int[] chunk = Arrays.copyOfRange(ids, done, done + take);
            try (NDManager step = manager.newSubManager()) {
                float[] values = model.logits(step, chunk, memories, buffers, openLength, segmentsFolded == 0,
                        score);
                if (score) {
                    scoreChunk(values, chunk, scores, done);
                }
                lastLogits = Arrays.copyOfRange(values, values.length - vocabSize, values.length);
                System.arraycopy(chunk, 0, openTokens, openLength, take);
                openLength += take;
                tokensSeen += take;
                if (openLength == segmentLength) {
                    model.fold(step, memories, segmentsFolded == 0);
                    segmentsFolded++;
                    openLength = 0;
                }
            }
            done += take;
        }
        return scores;
    }

    private void scoreChunk(float[] logits, int[] chunk, double[] scores, int base) {
        for (int i = 0; i < chunk.length; i++) {
            float[] previous = i == 0 ? lastLogits : Arrays.copyOfRange(logits, (i - 1) * vocabSize, i * vocabSize);
            scores[base + i] = previous == null ? Double.NaN : Sampler.logSoftmax(previous, chunk[i]);
        }
    }

    /**
     * Generates tokens after what was appended, appending each one (the end-of-sequence token too) so the
     * conversation continues from it.
     *
     * @throws IllegalStateException if nothing was appended yet
     */
    public GenerationResult generate(GenerationOptions options, TokenListener listener) {
        ensureOpen();
        if (lastLogits == null) {
            throw new IllegalStateException("nothing to continue from: append a prompt before generating");
        }
        Sampler sampler = new Sampler(options);
        TextStream text = new TextStream(model.tokenizer(), options.stopStrings());
        List<Integer> generated = new ArrayList<>();
        FinishReason reason = FinishReason.LENGTH;
        int[] recent = Arrays.copyOf(openTokens, openLength);
        for (int i = 0; i < options.maxTokens(); i++) {
            int next = sampler.sample(lastLogits, recent, generated);
            generated.add(next);
            run(new int[] {next}, false);
            if (options.stopOnEos() && model.config().eosTokenIds().contains(next)) {
                reason = FinishReason.EOS;
                break;
            }
            String piece = text.accept(next);
            listener.onToken(next, piece);
            if (text.stopped()) {
                reason = FinishReason.STOP_STRING;
                break;
            }
        }
        if (reason != FinishReason.STOP_STRING) {
            String rest = text.flush();
            if (!rest.isEmpty()) {
                listener.onToken(-1, rest);
            }
        }
        return new GenerationResult(generated.stream().mapToInt(Integer::intValue).toArray(), text.text(), reason);
    }

    /** A copy of the logits after the last appended token, or null before the first. */
    public float[] lastLogits() {
        return lastLogits == null ? null : lastLogits.clone();
    }

    /** Tokens appended over the conversation's life. */
    public long tokensSeen() {
        return tokensSeen;
    }

    /** Segments folded into memory. */
    public long segmentsFolded() {
        return segmentsFolded;
    }

    /** Tokens in the open segment (fewer than N). */
    public int openSegmentLength() {
        return openLength;
    }

    /** The conversation's whole state, detached from native memory. */
    public SessionState snapshot() {
        ensureOpen();
        int layers = memories.size();
        int d = model.config().headDim();
        int kv = model.config().numKvHeads();
        float[] memory = new float[layers * kv * d * d];
        float[] normalizer = new float[layers * kv * d];
        for (int i = 0; i < layers; i++) {
            System.arraycopy(memories.get(i).memoryValues(), 0, memory, i * kv * d * d, kv * d * d);
            System.arraycopy(memories.get(i).normalizerValues(), 0, normalizer, i * kv * d, kv * d);
        }
        return new SessionState(model.fingerprint(), segmentLength, model.memoryUpdate(), layers, kv, d, vocabSize,
                tokensSeen, segmentsFolded, Arrays.copyOf(openTokens, openLength), lastLogits(), memory, normalizer);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("session is closed");
        }
    }

    /** Frees the session's native memory. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            memories.forEach(CompressiveMemory::close);
            manager.close();
        }
    }
}
