package dev.infini.engine.session;

import dev.infini.engine.ForeignStateException;
import dev.infini.engine.InvalidInputException;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.model.ModelState;
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
    private final ModelState state;
    private final int segmentLength;
    private final int vocabSize;
    private final int[] openTokens;
    private long tokensSeen;
    private long segmentsFolded;
    private float[] lastLogits;
    private boolean closed;

    /** Starts an empty conversation on a model. */
    public Session(InfiniModel model) {
        this(model, model.newState());
    }

    private Session(InfiniModel model, ModelState state) {
        this.model = model;
        this.state = state;
        this.segmentLength = model.segmentLength();
        this.vocabSize = model.config().vocabSize();
        this.openTokens = new int[segmentLength];
    }

    /**
     * Continues a conversation from a snapshot.
     *
     * @throws ForeignStateException if the snapshot belongs to another model (its fingerprint differs) or its
     *                               shapes, segment length or update rule are not the model's
     */
    public static Session restore(InfiniModel model, SessionState snapshot) {
        if (!describes(snapshot, model)) {
            model.requireOwn(snapshot.modelFingerprint()); // another model's state says so, whatever its shapes
            throw new ForeignStateException("state shapes do not match this model");
        }
        // the model checks the fingerprint and M and z (and puts back the open segment's keys and values if the
        // snapshot carries them); the rest of the header is the session's to check
        boolean carried = snapshot.carriesOpenKeysValues();
        ModelState state = model.restoreState(snapshot.modelFingerprint(), snapshot.memory(), snapshot.normalizer(),
                snapshot.segmentsFolded() == 0, carried ? snapshot.openKeys() : new float[0],
                carried ? snapshot.openValues() : new float[0]);
        Session session = new Session(model, state);
        try {
            session.segmentsFolded = snapshot.segmentsFolded();
            int[] open = snapshot.openTokens();
            if (carried) {
                System.arraycopy(open, 0, session.openTokens, 0, open.length);
            } else if (open.length > 0) {
                // Re-encoding the open segment against the restored M_{s-1} rebuilds its keys and values.
                session.run(open, false);
            }
            session.tokensSeen = snapshot.tokensSeen();
            session.lastLogits = snapshot.lastLogits() == null ? null : snapshot.lastLogits().clone();
            return session;
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    private static boolean describes(SessionState snapshot, InfiniModel model) {
        return snapshot.segmentLength() == model.segmentLength() && snapshot.memoryUpdate() == model.memoryUpdate()
                && snapshot.numLayers() == model.config().numLayers()
                && snapshot.numKvHeads() == model.config().numKvHeads()
                && snapshot.headDim() == model.config().headDim()
                && snapshot.vocabSize() == model.config().vocabSize();
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
            int take = Math.min(ids.length - done, state.openRoom());
            int[] chunk = Arrays.copyOfRange(ids, done, done + take);
            int offset = state.openLength();
            float[] values = model.forward(state, chunk, score);
            if (score) {
                scoreChunk(values, chunk, scores, done);
            }
            lastLogits = Arrays.copyOfRange(values, values.length - vocabSize, values.length);
            System.arraycopy(chunk, 0, openTokens, offset, take);
            tokensSeen += take;
            if (state.openRoom() == 0) {
                model.fold(state);
                segmentsFolded++;
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
        int[] recent = Arrays.copyOf(openTokens, state.openLength());
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
        return state.openLength();
    }

    /** The conversation's whole state, detached from native memory; the open segment as token ids only. */
    public SessionState snapshot() {
        return snapshot(false);
    }

    /**
     * The conversation's whole state, detached from native memory.
     *
     * @param withOpenKeysValues also carry the open segment's keys and values, so that a restore writes them back
     *                           instead of running the segment's tokens through the model again
     */
    public SessionState snapshot(boolean withOpenKeysValues) {
        ensureOpen();
        float[][] open = withOpenKeysValues ? state.openKeysValues() : new float[2][];
        return new SessionState(model.fingerprint(), segmentLength, state.memoryUpdate(), model.config().numLayers(),
                model.config().numKvHeads(), model.config().headDim(), vocabSize, tokensSeen, segmentsFolded,
                Arrays.copyOf(openTokens, state.openLength()), lastLogits(), state.memory(), state.normalizer(),
                open[0], open[1]);
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
            state.close();
        }
    }
}
