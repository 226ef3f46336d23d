package dev.infini.tools.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.infini.engine.weights.Checkpoint;
import dev.infini.engine.weights.LlamaLayout;
import dev.infini.tools.checkpoint.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov &amp; Hutter) with global-norm gradient clipping and two parameter groups, following the lessons of
 * Hugging Face's Infini-attention reproduction: the gates β get their own, larger learning rate and no weight decay
 * (so they can leave 0.5 instead of sticking), and norms get no weight decay either.
 */
public final class AdamW {

    /** Hyper-parameters. */
    public record Settings(double beta1, double beta2, double eps, double weightDecay, double gateLrMultiplier,
                           double clipNorm) {
    }

    private final Map<String, NDArray> parameters;
    private final Settings settings;
    private final Map<String, NDArray> firstMoment = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoment = new LinkedHashMap<>();
    private long step;
    private long skipped;

    public AdamW(TrainableModel model, Settings settings) {
        this.parameters = model.parameters();
        this.settings = settings;
        NDManager manager = model.manager();
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            firstMoment.put(e.getKey(), manager.zeros(e.getValue().getShape()));
            secondMoment.put(e.getKey(), manager.zeros(e.getValue().getShape()));
        }
    }

    /** Optimizer steps taken. */
    public long step() {
        return step;
    }

    /** Steps whose gradients were not finite and were skipped. */
    public long skipped() {
        return skipped;
    }

    /**
     * Applies one update from the gradients the last backward pass left, then zeroes them. A step whose gradient
     * norm is not finite (a 0/0 in the memory's normalisation, an overflow) is counted but changes no parameter:
     * one bad batch must not turn every weight into NaN.
     *
     * @return the global gradient norm before clipping
     */
    public double update(NDManager stepManager, double learningRate) {
        Map<String, NDArray> gradients = new LinkedHashMap<>();
        double squares = 0;
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            NDArray g = e.getValue().getGradient();
            g.attach(stepManager); // the handle, not the parameter's gradient buffer, is freed with the step
            gradients.put(e.getKey(), g);
            try (NDManager scope = stepManager.newSubManager()) {
                squares += local(g, scope).square().sum().getFloat();
            }
        }
        double norm = Math.sqrt(squares);
        if (!Double.isFinite(norm)) {
            step++;
            skipped++;
            parameters.values().forEach(AdamW::zeroGradient);
            return norm;
        }
        float scale = norm > settings.clipNorm() && norm > 0 ? (float) (settings.clipNorm() / norm) : 1f;
        step++;
        double correction1 = 1 - Math.pow(settings.beta1(), step);
        double correction2 = 1 - Math.pow(settings.beta2(), step);
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            // each parameter's temporaries are freed before the next one's (and with the step if an op throws): kept
            // until the step's end they took about 44 bytes per parameter on top of weights, gradients and moments
            NDManager scope = stepManager.newSubManager();
            String name = e.getKey();
            NDArray p = e.getValue();
            NDArray g = local(gradients.get(name), scope).mul(scale);
            boolean gate = name.endsWith(LlamaLayout.MEMORY_GATE);
            double lr = gate ? learningRate * settings.gateLrMultiplier() : learningRate;
            double decay = gate || name.endsWith("norm.weight") ? 0 : settings.weightDecay();
            NDArray m = firstMoment.get(name);
            NDArray v = secondMoment.get(name);
            m.muli((float) settings.beta1()).addi(g.mul((float) (1 - settings.beta1())));
            v.muli((float) settings.beta2()).addi(g.square().mul((float) (1 - settings.beta2())));
            NDArray denominator = local(v, scope).div((float) correction2).sqrt().add((float) settings.eps());
            NDArray change = local(m, scope).div((float) correction1).div(denominator).mul((float) lr);
            if (decay > 0) {
                p.muli((float) (1 - lr * decay)); // decoupled weight decay
            }
            p.subi(change);
            zeroGradient(p); // PyTorch accumulates gradients: clear them for the next step
            scope.close();
        }
        return norm;
    }

    /** Writes the moments into {@code dir/model.safetensors} (resuming continues the same trajectory). */
    public void save(Path dir) throws IOException {
        java.nio.file.Files.createDirectories(dir);
        Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        for (String name : parameters.keySet()) {
            tensors.put("m." + name, new SafetensorsWriter.Tensor(firstMoment.get(name).getShape().getShape(),
                    firstMoment.get(name).toFloatArray()));
            tensors.put("v." + name, new SafetensorsWriter.Tensor(secondMoment.get(name).getShape().getShape(),
                    secondMoment.get(name).toFloatArray()));
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("step", Long.toString(step)));
    }

    /** Restores what {@link #save} wrote into the folder. */
    public void load(Path dir, long savedStep) {
        Checkpoint state = Checkpoint.open(dir);
        for (String name : parameters.keySet()) {
            copy(state, "m." + name, firstMoment.get(name));
            copy(state, "v." + name, secondMoment.get(name));
        }
        this.step = savedStep;
    }

    private static void copy(Checkpoint state, String name, NDArray target) {
        java.nio.FloatBuffer values = state.readFloats(name, target.getShape().getShape());
        float[] data = new float[values.remaining()];
        values.get(data);
        target.set(data);
    }

    /** Sets a gradient to exactly 0; multiplying by 0 would keep a NaN, and PyTorch would add to it forever. */
    static void zeroGradient(NDArray parameter) {
        ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) parameter);
    }

    private static NDArray local(NDArray longLived, NDManager step) {
        NDArray view = longLived.reshape(longLived.getShape());
        view.attach(step);
        return view;
    }
}
