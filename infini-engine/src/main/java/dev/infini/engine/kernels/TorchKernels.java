package dev.infini.engine.kernels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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
        return x.div(meanSquare.add(eps).sqrt()).mul(weight);
    }

    @Override
    public NDArray swiglu(NDArray gate, NDArray up) {
        return Activation.swish(gate, 1f).mul(up);
    }

    @Override
    public NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        long d = x.getShape().get(x.getShape().dimension() - 1);
        NDArray first = x.get(new NDIndex("..., :{}", d / 2));
        NDArray second = x.get(new NDIndex("..., {}:", d / 2));
        NDArray rotated = NDArrays.concat(new ai.djl.ndarray.NDList(second.neg(), first), -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    @Override
    public NDArray causalAttention(NDArray q, NDArray k, NDArray v, int offset) {
        Shape qs = q.getShape(); // [kv, g, L, d]
        long chunk = qs.get(2);
        long keys = k.getShape().get(1);
        NDManager m = q.getManager();
        NDArray kt = local(k.expandDims(1), m).transpose(0, 1, 3, 2); // [kv, 1, d, n]
        NDArray scores = q.matMul(kt).div((float) Math.sqrt(qs.get(3))); // [kv, g, L, n]
        if (chunk > 1) {
            NDArray queryPos = m.arange(offset, offset + (int) chunk).reshape(chunk, 1);
            NDArray keyPos = m.arange(0, (int) keys).reshape(1, keys);
            NDArray future = keyPos.gt(queryPos).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
            // -1e9 rather than -inf: exp underflows to exactly 0 either way, and no NaN can arise.
            scores = scores.add(future.mul(-1e9f));
        }
        return scores.softmax(-1).matMul(local(v.expandDims(1), m));
    }

    @Override
    public NDArray sigma(NDArray x) {
        return Activation.elu(x, 1f).add(1f);
    }

    @Override
    public NDArray retrieve(NDArray sigmaQ, NDArray memory, NDArray normalizer) {
        NDManager m = sigmaQ.getManager();
        NDArray numerator = sigmaQ.matMul(local(memory.expandDims(1), m)); // [kv, g, L, d]
        NDArray denominator = sigmaQ.matMul(local(normalizer.expandDims(1), m).expandDims(-1)); // [kv, g, L, 1]
        return numerator.div(denominator);
    }

    @Override
    public void foldIntoMemory(NDArray memory, NDArray normalizer, NDArray sigmaK, NDArray v, boolean delta,
                               boolean memoryIsEmpty) {
        NDArray value = v;
        if (delta && !memoryIsEmpty) {
            // eq. (5): only what the memory cannot already retrieve for these keys is added.
            NDArray retrieved = sigmaK.matMul(memory)
                    .div(sigmaK.matMul(local(normalizer.expandDims(-1), sigmaK.getManager())));
            value = v.sub(retrieved);
        }
        memory.addi(sigmaK.transpose(0, 2, 1).matMul(value)); // eq. (4)/(5): σ(K)ᵀ V
        normalizer.addi(sigmaK.sum(new int[] {1})); // z_s = z_{s-1} + Σ_t σ(K_t)
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
