package dev.infini.engine.kernels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/** {@link Kernels} on DJL NDArrays (PyTorch engine, CPU or GPU). */
public final class TorchKernels implements Kernels {

    @Override
    public NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }

    @Override
    public NDArray rmsNorm(NDArray x, NDArray weight, float eps) {
        NDArray meanSquare = x.square().mean(new int[] {-1}, true);
        return x.div(meanSquare.add(Scalars.of(x.getManager(), eps)).sqrt()).mul(weight);
    }

    @Override
    public NDArray swiglu(NDArray gate, NDArray up) {
        // gate · sigmoid(gate), not DJL's swish: that one divides by 1 + exp(-gate), whose gradient is inf/inf = NaN
        // once gate < -88 (exp overflows), which long training sequences reach
        return gate.mul(Activation.sigmoid(gate)).mul(up);
    }

    @Override
    public NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        long d = x.getShape().get(x.getShape().dimension() - 1);
        NDArray first = x.get(new NDIndex("..., :{}", d / 2));
        NDArray second = x.get(new NDIndex("..., {}:", d / 2));
        NDArray rotated = NDArrays.concat(new ai.djl.ndarray.NDList(second.neg(), first), -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    /**
     * Floats of one block of attention scores: blocks this small are served from the allocator's heap instead of
     * fresh pages (glibc maps anything over 32 MiB anew each time), and are freed before the next block starts.
     */
    private static final long SCORE_BLOCK_FLOATS = 1L << 21;
    private static final int MIN_BLOCK_ROWS = 16;

    @Override
    public NDArray causalAttention(NDArray q, NDArray k, NDArray v, int offset) {
        Shape qs = q.getShape(); // [kv, g, L, d]
        long chunk = qs.get(2);
        long keys = k.getShape().get(1);
        NDManager m = q.getManager();
        // scaling Q ([L, d]) instead of the scores ([L, n]) saves a full pass over the largest array
        NDArray scaled = q.mul(Scalars.of(m, 1f / (float) Math.sqrt(qs.get(3))));
        NDArray kt = local(k.expandDims(1), m).transpose(0, 1, 3, 2); // [kv, 1, d, n]
        NDArray values = local(v.expandDims(1), m); // [kv, 1, n, d]
        if (chunk == 1) {
            return scaled.matMul(kt).softmax(-1).matMul(values); // one query sees every key: no mask
        }
        // A chunk's scores are [kv, g, L, n]: for a 2048-token chunk of a small model they dwarf everything else.
        // Query rows go in blocks, each scored only against the keys it can see (causal: up to its last row), so
        // about half the scores are never computed and one block's intermediates are alive at a time.
        long rows = Math.max(MIN_BLOCK_ROWS, SCORE_BLOCK_FLOATS / Math.max(1, qs.get(0) * qs.get(1) * keys));
        NDList blocks = new NDList();
        for (long from = 0; from < chunk; from += rows) {
            long to = Math.min(chunk, from + rows);
            int visible = (int) (offset + to);
            try (NDManager block = m.newSubManager()) {
                NDArray qb = local(scaled.get(new NDIndex(":, :, {}:{}", from, to)), block);
                NDArray scores = qb.matMul(local(kt.get(new NDIndex("..., :{}", visible)), block)); // [kv, g, B, n']
                NDArray queryPos = block.arange(offset + (int) from, visible).reshape(to - from, 1);
                NDArray keyPos = block.arange(0, visible).reshape(1, visible);
                NDArray future = keyPos.gt(queryPos).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
                // -1e9 rather than -inf: exp underflows to exactly 0 either way, and no NaN can arise.
                NDArray out = scores.add(future.mul(Scalars.of(block, -1e9f))).softmax(-1)
                        .matMul(local(values.get(new NDIndex(":, :, :{}", visible)), block));
                out.attach(m);
                blocks.add(out);
            }
        }
        return blocks.size() == 1 ? blocks.head() : NDArrays.concat(blocks, 2);
    }

    @Override
    public NDArray sigma(NDArray x) {
        // ELU(x) + 1 written as max(x, 0) + exp(min(x, 0)): the same function, but (exp(x) − 1) + 1 cancels to
        // exactly 0 in float32 below x ≈ −17, which makes σ(K)z vanish and eq. (3)/(5) divide 0 by 0.
        NDArray zero = Scalars.of(x.getManager(), 0f);
        return x.maximum(zero).add(x.minimum(zero).exp());
    }

    @Override
    public NDArray retrieve(NDArray sigmaQ, NDArray memory, NDArray normalizer) {
        NDManager m = sigmaQ.getManager();
        NDArray numerator = sigmaQ.matMul(local(memory.expandDims(1), m)); // [kv, g, L, d]
        NDArray denominator = sigmaQ.matMul(local(normalizer.expandDims(1), m).expandDims(-1)); // [kv, g, L, 1]
        return numerator.div(denominator);
    }

    @Override
    public MemoryIncrement memoryIncrement(NDArray memory, NDArray normalizer, NDArray sigmaK, NDArray v,
                                           boolean delta, boolean memoryIsEmpty) {
        NDArray value = v;
        if (delta && !memoryIsEmpty) {
            // eq. (5): only what the memory cannot already retrieve for these keys is added.
            NDArray retrieved = sigmaK.matMul(memory)
                    .div(sigmaK.matMul(local(normalizer.expandDims(-1), sigmaK.getManager())));
            value = v.sub(retrieved);
        }
        return new MemoryIncrement(sigmaK.transpose(0, 2, 1).matMul(value), // eq. (4)/(5): σ(K)ᵀ V
                sigmaK.sum(new int[] {1})); // z_s = z_{s-1} + Σ_t σ(K_t)
    }

    /**
     * Views of long-lived arrays (weights, M, z, the KV cache) are owned by the long-lived array's manager; moving
     * them to the step's manager frees them with the step instead of leaking one per call.
     */
    private static NDArray local(NDArray view, NDManager step) {
        view.attach(step);
        return view;
    }
}
