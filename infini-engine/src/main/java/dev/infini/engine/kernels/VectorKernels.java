package dev.infini.engine.kernels;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * {@link TorchKernels} with one exception: {@link #linear} for a single row of float32 on the CPU (a decode step) is
 * a Java Vector API matrix-vector loop reading the weights in place from PyTorch's memory. PyTorch/MKL's
 * matrix-vector product streams m100-sized matrices (2–9 MB) at about half the machine's read bandwidth, and the
 * linear maps are ~80 % of decode time (docs/benchmarks.md); everything else, prefill included, stays on PyTorch.
 * <p>
 * The Vector API is an incubator module in Java 17 and is only there when the JVM starts with
 * {@code --add-modules jdk.incubator.vector}; {@link #preferred()} falls back to {@link TorchKernels} without it.
 * The loop uses one thread whatever PyTorch's intra-op setting.
 * <p>
 * Each weight's memory is looked up once and kept for the life of this instance, so it is meant for one model's
 * own long-lived weights, which the model passes as the same arrays on every call.
 */
public final class VectorKernels implements Kernels {

    /** System property that switches the Vector API decode path off ({@code -Dinfini.kernels.vector=false}). */
    public static final String SWITCH_PROPERTY = "infini.kernels.vector";

    private static final Logger log = LoggerFactory.getLogger(VectorKernels.class);
    private static final String MODULE = "jdk.incubator.vector";

    private final TorchKernels torch = new TorchKernels();
    private final MatVec matVec;
    private final Map<NDArray, ByteBuffer> views = new IdentityHashMap<>();

    private VectorKernels(MatVec matVec) {
        this.matVec = matVec;
    }

    /**
     * The fastest kernels this JVM offers: {@code VectorKernels} when the Vector API module is present and
     * {@value #SWITCH_PROPERTY} is not {@code false}, else {@link TorchKernels}.
     */
    public static Kernels preferred() {
        if (!Boolean.parseBoolean(System.getProperty(SWITCH_PROPERTY, "true"))) {
            return new TorchKernels();
        }
        MatVec loop = loadPanama();
        return loop == null ? new TorchKernels() : new VectorKernels(loop);
    }

    /** Whether this JVM can run the Vector API path (the incubator module was added at startup). */
    public static boolean available() {
        return ModuleLayer.boot().findModule(MODULE).isPresent();
    }

    private static MatVec loadPanama() {
        if (!available()) {
            log.debug("{} is not in the boot layer (start the JVM with --add-modules {}): decode uses PyTorch's "
                    + "matrix-vector product", MODULE, MODULE);
            return null;
        }
        try {
            // reflectively, so that the class, which links against the incubator module, is never loaded without it
            return (MatVec) Class.forName(VectorKernels.class.getPackageName() + ".PanamaMatVec")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            log.warn("The Vector API decode path could not be loaded, decode uses PyTorch: {}", e.toString());
            return null;
        }
    }

    @Override
    public NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        Shape shape = x.getShape();
        Shape w = weight.getShape();
        if (shape.dimension() == 0 || shape.size() != shape.get(shape.dimension() - 1) || w.dimension() != 2
                || w.get(1) != shape.get(shape.dimension() - 1) || x.getDataType() != DataType.FLOAT32
                || weight.getDataType() != DataType.FLOAT32
                || (bias != null && bias.getDataType() != DataType.FLOAT32)
                || !Device.cpu().equals(weight.getDevice()) || weight.isReleased()
                || (bias != null && bias.isReleased())) {
            return torch.linear(x, weight, bias);
        }
        int rows = (int) w.get(0);
        int cols = (int) w.get(1);
        ByteBuffer matrix = view(weight, (long) rows * cols);
        ByteBuffer offsets = bias == null ? null : view(bias, rows);
        if (matrix == null || (bias != null && offsets == null)) {
            return torch.linear(x, weight, bias);
        }
        float[] y = new float[rows];
        matVec.multiply(matrix, rows, cols, x.toFloatArray(), offsets, y);
        // a copy: getShape() hands out the array the input's Shape (cached by DJL) is built on
        long[] out = shape.getShape().clone();
        out[out.length - 1] = rows;
        return x.getManager().create(y, new Shape(out));
    }

    /**
     * The array's own memory as a direct buffer (DJL's {@code toByteBuffer(true)} on a contiguous CPU tensor), or
     * null when DJL could only hand out a copy or the size does not fit a buffer.
     */
    private ByteBuffer view(NDArray array, long floats) {
        synchronized (views) {
            ByteBuffer view = views.get(array);
            if (view == null && !views.containsKey(array)) {
                ByteBuffer direct = floats * Float.BYTES <= Integer.MAX_VALUE ? array.toByteBuffer(true) : null;
                view = direct != null && direct.isDirect() && direct.capacity() == floats * Float.BYTES
                        ? direct : null;
                views.put(array, view); // null too: that weight stays on PyTorch without asking again
            }
            return view;
        }
    }

    @Override
    public NDArray rmsNorm(NDArray x, NDArray weight, float eps) {
        return torch.rmsNorm(x, weight, eps);
    }

    @Override
    public NDArray swiglu(NDArray gate, NDArray up) {
        return torch.swiglu(gate, up);
    }

    @Override
    public NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        return torch.rope(x, cos, sin);
    }

    @Override
    public NDArray causalAttention(NDArray q, NDArray k, NDArray v, int offset) {
        return torch.causalAttention(q, k, v, offset);
    }

    @Override
    public NDArray sigma(NDArray x) {
        return torch.sigma(x);
    }

    @Override
    public NDArray retrieve(NDArray sigmaQ, NDArray memory, NDArray normalizer) {
        return torch.retrieve(sigmaQ, memory, normalizer);
    }

    @Override
    public void foldIntoMemory(NDArray memory, NDArray normalizer, NDArray sigmaK, NDArray v, boolean delta,
                               boolean memoryIsEmpty) {
        torch.foldIntoMemory(memory, normalizer, sigmaK, v, delta, memoryIsEmpty);
    }
}
