package dev.infini.engine.kernels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.infini.engine.config.WeightFormat;
import java.lang.reflect.InvocationTargetException;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@link TorchKernels} with one exception: {@link #linear} for a single row of float32 on the CPU is a Java Vector API
 * matrix-vector loop reading the weights in place from PyTorch's memory. PyTorch/MKL's matrix-vector product streams
 * m100-sized matrices (2–9 MB) at about half the machine's read bandwidth (docs/benchmarks.md). With the Java decode
 * step on ({@link #preferredDecode()}) a decode step does not come here at all; this path serves decode through
 * PyTorch ({@value #DECODE_PROPERTY}{@code =torch}) and a chunk of one token whose weights cannot be read in place.
 * <p>
 * The Vector API is an incubator module in Java 17 and is only there when the JVM starts with
 * {@code --add-modules jdk.incubator.vector}; {@link #preferred()} falls back to {@link TorchKernels} without it.
 * <p>
 * Each weight's memory is looked up once and kept for the life of this instance, so it is meant for one model's
 * own long-lived weights, which the model passes as the same arrays on every call.
 *
 * <h2>Switches (system properties, read when a model loads)</h2>
 * <ul>
 *   <li>{@value #SWITCH_PROPERTY} (default {@code true}): {@code false} turns every Vector API path off, the Java
 *       decode step included: PyTorch runs everything.</li>
 *   <li>{@value #DECODE_PROPERTY} (default {@code java}): {@code java} runs a decode step (a chunk of one token on
 *       the CPU) as Java loops over the weights in place, {@code torch} through PyTorch ops as prefill does.</li>
 *   <li>{@value #THREADS_PROPERTY} (default 1): threads the Java decode step splits the rows of a large matrix
 *       over, the calling thread included. PyTorch's intra-op threads are set apart ({@link TorchThreads}).</li>
 * </ul>
 */
public final class VectorKernels implements Kernels {

    /** System property that switches every Vector API path off ({@code -Dinfini.kernels.vector=false}). */
    public static final String SWITCH_PROPERTY = "infini.kernels.vector";
    /** System property choosing how a decode step runs: {@code java} (default) or {@code torch}. */
    public static final String DECODE_PROPERTY = "infini.kernels.decode";
    /** System property: threads of the Java decode step's matrix-vector products (default 1). */
    public static final String THREADS_PROPERTY = "infini.kernels.threads";
    /** System property: how the Java decode step holds the weights, a {@link WeightFormat} ({@code f32} by default). */
    public static final String WEIGHTS_PROPERTY = "infini.kernels.weights";

    private static final Logger log = LoggerFactory.getLogger(VectorKernels.class);
    private static final String MODULE = "jdk.incubator.vector";

    private final TorchKernels torch = new TorchKernels();
    private final DecodeKernels loops;
    private final Map<NDArray, Matrix> views = new IdentityHashMap<>();

    private VectorKernels(DecodeKernels loops) {
        this.loops = loops;
    }

    /**
     * The fastest kernels this JVM offers: {@code VectorKernels} when the Vector API module is present and
     * {@value #SWITCH_PROPERTY} is not {@code false}, else {@link TorchKernels}.
     */
    public static Kernels preferred() {
        DecodeKernels loops = vectorOn() ? loadPanama(1) : null;
        return loops == null ? new TorchKernels() : new VectorKernels(loops);
    }

    /**
     * The kernels of the Java decode step, when this JVM offers them and the switches leave it on: the Vector API
     * module is present, {@value #SWITCH_PROPERTY} is not {@code false} and {@value #DECODE_PROPERTY} is
     * {@code java}; their threads from {@value #THREADS_PROPERTY}.
     *
     * @throws IllegalArgumentException if {@value #DECODE_PROPERTY} or {@value #THREADS_PROPERTY} holds a value
     *                                  they do not take
     */
    public static Optional<DecodeKernels> preferredDecode() {
        String decode = System.getProperty(DECODE_PROPERTY, "java").trim().toLowerCase(Locale.ROOT);
        if (!decode.equals("java") && !decode.equals("torch")) {
            throw new IllegalArgumentException(DECODE_PROPERTY + " must be java or torch, got \"" + decode + "\"");
        }
        String threadsValue = System.getProperty(THREADS_PROPERTY, "1").trim();
        int threads;
        try {
            threads = Integer.parseInt(threadsValue);
        } catch (NumberFormatException e) {
            threads = 0;
        }
        if (threads < 1) {
            throw new IllegalArgumentException(THREADS_PROPERTY + " must be a whole number of at least 1, got \""
                    + threadsValue + "\"");
        }
        if (!decode.equals("java") || !vectorOn()) {
            return Optional.empty();
        }
        return Optional.ofNullable(loadPanama(threads));
    }

    /**
     * The format the Java decode step holds the weights in: {@value #WEIGHTS_PROPERTY}, float32 by default.
     *
     * @throws IllegalArgumentException if {@value #WEIGHTS_PROPERTY} names no format
     */
    public static WeightFormat decodeWeights() {
        String chosen = System.getProperty(WEIGHTS_PROPERTY, "f32").trim();
        try {
            return WeightFormat.parse(chosen);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(WEIGHTS_PROPERTY + " must be f32, f16, bf16 or q8_0, got \"" + chosen
                    + "\"", e);
        }
    }

    /**
     * Whether the incubator module was added at startup, which the Vector API paths need; on Java 19–21 they may
     * still decline to load (see {@code NativeVectors}).
     */
    public static boolean available() {
        return ModuleLayer.boot().findModule(MODULE).isPresent();
    }

    private static boolean vectorOn() {
        return Boolean.parseBoolean(System.getProperty(SWITCH_PROPERTY, "true"));
    }

    private static DecodeKernels loadPanama(int threads) {
        if (!available()) {
            log.debug("{} is not in the boot layer (start the JVM with --add-modules {}): decode runs on PyTorch",
                    MODULE, MODULE);
            return null;
        }
        try {
            // reflectively, so that the class, which links against the incubator module, is never loaded without it
            return (DecodeKernels) Class.forName(VectorKernels.class.getPackageName() + ".PanamaDecodeKernels")
                    .getDeclaredConstructor(int.class).newInstance(threads);
        } catch (ReflectiveOperationException | LinkageError e) {
            // the constructor's own refusal (no vector loads on this JVM) arrives wrapped
            Throwable why = e instanceof InvocationTargetException && e.getCause() != null ? e.getCause() : e;
            log.warn("The Vector API decode path could not be loaded, decode runs on PyTorch: {}", why.toString());
            return null;
        }
    }

    @Override
    public NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        Shape shape = x.getShape();
        Shape w = weight.getShape();
        if (shape.dimension() == 0 || shape.size() != shape.get(shape.dimension() - 1) || w.dimension() != 2
                || w.get(1) != shape.get(shape.dimension() - 1) || x.getDataType() != DataType.FLOAT32
                || (bias != null && (bias.getDataType() != DataType.FLOAT32 || bias.isReleased()))) {
            return torch.linear(x, weight, bias);
        }
        Matrix matrix = view(weight);
        if (matrix == null) {
            return torch.linear(x, weight, bias);
        }
        float[] y = new float[matrix.rows()];
        loops.matVec(matrix, x.toFloatArray(), y);
        if (bias != null) {
            float[] b = bias.toFloatArray();
            for (int r = 0; r < y.length; r++) {
                y[r] += b[r];
            }
        }
        // a copy: getShape() hands out the array the input's Shape (cached by DJL) is built on
        long[] out = shape.getShape().clone();
        out[out.length - 1] = matrix.rows();
        return x.getManager().create(y, new Shape(out));
    }

    /** The weight's memory read in place, or null (then kept on PyTorch without asking again). */
    private Matrix view(NDArray weight) {
        synchronized (views) {
            if (!views.containsKey(weight)) {
                views.put(weight, Matrix.of(weight));
            }
            return views.get(weight);
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
    public MemoryIncrement memoryIncrement(NDArray memory, NDArray normalizer, NDArray sigmaK, NDArray v,
                                           boolean delta, boolean memoryIsEmpty) {
        return torch.memoryIncrement(memory, normalizer, sigmaK, v, delta, memoryIsEmpty);
    }
}
