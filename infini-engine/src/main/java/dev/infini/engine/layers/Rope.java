package dev.infini.engine.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.infini.engine.config.ModelConfig;

/**
 * Rotary position embedding tables. Positions restart at 0 in every segment, so the tables only span one segment:
 * N rows of cos and sin, computed once in double precision.
 */
public final class Rope {

    private final int headDim;
    /** The same tables as Java arrays, [N][d], for the Java decode step. */
    private final float[] cosTable;
    private final float[] sinTable;
    private final NDArray cos;
    private final NDArray sin;

    public Rope(NDManager manager, ModelConfig config, int segmentLength) {
        int d = config.headDim();
        double[] inverseFrequency = inverseFrequencies(config);
        this.headDim = d;
        this.cosTable = new float[segmentLength * d];
        this.sinTable = new float[segmentLength * d];
        for (int pos = 0; pos < segmentLength; pos++) {
            for (int i = 0; i < d / 2; i++) {
                double angle = pos * inverseFrequency[i];
                // Hugging Face layout: dimension i and i + d/2 share one frequency (rotate_half).
                cosTable[pos * d + i] = cosTable[pos * d + i + d / 2] = (float) Math.cos(angle);
                sinTable[pos * d + i] = sinTable[pos * d + i + d / 2] = (float) Math.sin(angle);
            }
        }
        this.cos = manager.create(cosTable, new Shape(segmentLength, d));
        this.sin = manager.create(sinTable, new Shape(segmentLength, d));
    }

    static double[] inverseFrequencies(ModelConfig config) {
        int d = config.headDim();
        double[] inv = new double[d / 2];
        for (int i = 0; i < d / 2; i++) {
            inv[i] = 1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / d);
        }
        ModelConfig.RopeScaling s = config.ropeScaling();
        if (s != null) {
            // Llama 3.1 frequency scaling: long wavelengths slowed by `factor`, short ones kept, smooth in between.
            double lowWavelength = s.originalMaxPositions() / s.lowFreqFactor();
            double highWavelength = s.originalMaxPositions() / s.highFreqFactor();
            for (int i = 0; i < inv.length; i++) {
                double wavelength = 2 * Math.PI / inv[i];
                if (wavelength > lowWavelength) {
                    inv[i] = inv[i] / s.factor();
                } else if (wavelength >= highWavelength) {
                    double smooth = (s.originalMaxPositions() / wavelength - s.lowFreqFactor())
                            / (s.highFreqFactor() - s.lowFreqFactor());
                    inv[i] = (1 - smooth) * inv[i] / s.factor() + smooth * inv[i];
                }
            }
        }
        return inv;
    }

    /** cos and sin rows for segment positions offset..offset+length-1, owned by {@code step}. */
    public NDArray[] rows(NDManager step, int offset, int length) {
        NDIndex rows = new NDIndex("{}:{}", offset, offset + length);
        NDArray c = cos.get(rows);
        NDArray s = sin.get(rows);
        c.attach(step);
        s.attach(step);
        return new NDArray[] {c, s};
    }

    /**
     * Rotates one head in place, {@code x[from..from+d)}, to segment position {@code position}: the Java decode
     * step's twin of the tensor path, x·cos + rotate_half(x)·sin with the same tables.
     */
    public void rotate(float[] x, int from, int position) {
        int half = headDim / 2;
        int row = position * headDim;
        for (int i = 0; i < half; i++) {
            float first = x[from + i];
            float second = x[from + i + half];
            x[from + i] = first * cosTable[row + i] - second * sinTable[row + i];
            x[from + i + half] = second * cosTable[row + i + half] + first * sinTable[row + i + half];
        }
    }
}
