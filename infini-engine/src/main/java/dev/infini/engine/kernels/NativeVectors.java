package dev.infini.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Vector loads from native memory (a weight or state buffer in place, see {@link Matrix}) on every Java the engine
 * runs on. The Vector API read native memory through {@code ByteBuffer}s up to Java 18 and through
 * {@code MemorySegment}s since Java 19 ({@code fromByteBuffer} is gone there, so a loop that calls it stops at its
 * first token with a {@code NoSuchMethodError}). This class calls Java 17–18's loads directly, and Java 19+'s through
 * method handles held in static finals, which the JIT inlines down to the same vector load (measured on Java 25: the
 * same share of a plain heap-array read as a direct call), so the engine keeps compiling on Java 17.
 * <p>
 * {@link #memory} is what a loop reads from: the buffer itself, or a segment over it made once per matrix.
 * {@link #unavailable()} says why neither works (Java 19–21 keep {@code MemorySegment} as a preview API, which may
 * refuse to run without {@code --enable-preview}); the decode step then runs on PyTorch ops.
 */
final class NativeVectors {

    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    /** Ints in a vector as wide as {@link #FLOATS}: 16- and 8-bit weights are read as ints and unpacked in the lane. */
    static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, FLOATS.vectorShape());
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /** Java 17–18: the Vector API has {@code fromByteBuffer}. */
    private static final boolean BUFFERS = hasBufferLoads();
    /** Java 19+: {@code MemorySegment.ofBuffer}, and the two loads from a segment; null with {@link #BUFFERS}. */
    private static final MethodHandle SEGMENT_OF;
    private static final MethodHandle FLOAT_LOAD;
    private static final MethodHandle INT_LOAD;
    /** Why no load works on this JVM, or null. */
    private static final String UNAVAILABLE;

    static {
        MethodHandle segmentOf = null;
        MethodHandle floatLoad = null;
        MethodHandle intLoad = null;
        String unavailable = null;
        if (!BUFFERS) {
            try {
                Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                segmentOf = lookup.findStatic(segment, "ofBuffer", MethodType.methodType(segment, Buffer.class))
                        .asType(MethodType.methodType(Object.class, ByteBuffer.class));
                floatLoad = segmentLoad(lookup, FloatVector.class, segment);
                intLoad = segmentLoad(lookup, IntVector.class, segment);
                // a load now, so that a JVM that refuses the segment API (a preview API up to Java 21) says so
                // when the kernels are made, not in the middle of a conversation
                Object probe = (Object) segmentOf.invokeExact(ByteBuffer.allocateDirect(FLOATS.vectorByteSize()));
                FloatVector floats = (FloatVector) floatLoad.invokeExact(FLOATS, probe, 0L, ORDER);
                IntVector ints = (IntVector) intLoad.invokeExact(INTS, probe, 0L, ORDER);
                if (floats.reduceLanes(VectorOperators.ADD) != 0 || ints.reduceLanes(VectorOperators.ADD) != 0) {
                    throw new IllegalStateException("a load of zeroed memory read non-zero values");
                }
            } catch (Throwable e) {
                unavailable = "this JVM (Java " + Runtime.version().feature() + ") has no FloatVector.fromByteBuffer "
                        + "and its MemorySegment loads failed: " + e;
            }
        }
        SEGMENT_OF = segmentOf;
        FLOAT_LOAD = floatLoad;
        INT_LOAD = intLoad;
        UNAVAILABLE = unavailable;
    }

    private NativeVectors() {
    }

    /** Why the loads cannot run on this JVM, or null when they can. */
    static String unavailable() {
        return UNAVAILABLE;
    }

    /** What {@link #floats} and {@link #ints} read {@code buffer} (a direct, native-order buffer) through. */
    static Object memory(ByteBuffer buffer) {
        if (BUFFERS) {
            return buffer;
        }
        try {
            return (Object) SEGMENT_OF.invokeExact(buffer);
        } catch (Throwable e) {
            throw new IllegalStateException(UNAVAILABLE == null ? e.toString() : UNAVAILABLE, e);
        }
    }

    /** {@link #FLOATS}' lanes of floats from byte {@code at} of {@code memory}. */
    static FloatVector floats(Object memory, int at) {
        if (BUFFERS) {
            return FloatVector.fromByteBuffer(FLOATS, (ByteBuffer) memory, at, ORDER);
        }
        try {
            return (FloatVector) FLOAT_LOAD.invokeExact(FLOATS, memory, (long) at, ORDER);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /** {@link #INTS}' lanes of ints from byte {@code at} of {@code memory}. */
    static IntVector ints(Object memory, int at) {
        if (BUFFERS) {
            return IntVector.fromByteBuffer(INTS, (ByteBuffer) memory, at, ORDER);
        }
        try {
            return (IntVector) INT_LOAD.invokeExact(INTS, memory, (long) at, ORDER);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    private static boolean hasBufferLoads() {
        try {
            FloatVector.class.getMethod("fromByteBuffer", VectorSpecies.class, ByteBuffer.class, int.class,
                    ByteOrder.class);
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** {@code vector.fromMemorySegment(species, segment, offset, order)}, the segment typed as Object. */
    private static MethodHandle segmentLoad(MethodHandles.Lookup lookup, Class<?> vector, Class<?> segment)
            throws ReflectiveOperationException {
        return lookup.findStatic(vector, "fromMemorySegment",
                        MethodType.methodType(vector, VectorSpecies.class, segment, long.class, ByteOrder.class))
                .asType(MethodType.methodType(vector, VectorSpecies.class, Object.class, long.class, ByteOrder.class));
    }

    /** A load's own exceptions (out of bounds, a freed buffer) pass unchanged; nothing else is thrown. */
    private static RuntimeException rethrow(Throwable e) {
        if (e instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (e instanceof Error error) {
            throw error;
        }
        throw new IllegalStateException(e);
    }
}
