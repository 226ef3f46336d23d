package dev.infini.engine.model;

import dev.infini.engine.config.ModelConfig;

/**
 * One conversation's activations for the Java decode step ({@link JavaDecodeStep}), allocated once and reused token
 * after token, so a decode step allocates nothing but its logits. A session runs one token at a time, so one set
 * conversation is enough: each {@link ModelState} holds one.
 */
final class DecodeBuffers {

    /** The residual stream, [hidden]. */
    final float[] x;
    /** RMSNorm's output, [hidden]. */
    final float[] normed;
    /** Q before RoPE (eq. 3 reads it), [heads·d]. */
    final float[] q;
    /** Q after RoPE, scaled by 1/√d, [heads·d]. */
    final float[] qRotated;
    /** K before and after RoPE and V, [kvHeads·d]. */
    final float[] k;
    final float[] kRotated;
    final float[] v;
    /** A per query head, the input of o_proj, [heads·d]. */
    final float[] attended;
    /** σ(Q), σ(Q)M and σ(Q)z of one head for retrieval (eq. 3), [d], [d], [1]. */
    final float[] sigmaQ;
    final float[] retrieved;
    final float[] denominator = new float[1];
    /** An attention sublayer's or MLP's output, [hidden]. */
    final float[] out;
    /** The MLP's gate and up projections, [intermediate]. */
    final float[] gate;
    final float[] up;
    /** Attention scores of one head over the open segment; grows with it. */
    float[] scores = new float[64];

    DecodeBuffers(ModelConfig config) {
        int h = config.hiddenSize();
        int d = config.headDim();
        x = new float[h];
        normed = new float[h];
        q = new float[config.numHeads() * d];
        qRotated = new float[config.numHeads() * d];
        k = new float[config.numKvHeads() * d];
        kRotated = new float[config.numKvHeads() * d];
        v = new float[config.numKvHeads() * d];
        attended = new float[config.numHeads() * d];
        sigmaQ = new float[d];
        retrieved = new float[d];
        out = new float[h];
        gate = new float[config.intermediateSize()];
        up = new float[config.intermediateSize()];
    }

    /** The scores array, with room for {@code keys} positions. */
    float[] scores(int keys) {
        if (scores.length < keys) {
            scores = new float[Math.max(keys, 2 * scores.length)];
        }
        return scores;
    }
}
