package dev.infini.tools.bench;

import com.google.gson.JsonObject;

import java.util.Arrays;

/** Order statistics of a sample of latencies, in milliseconds. */
public final class Stats {

    private Stats() {
    }

    /** The q-quantile (0..1) by the nearest-rank method, which never invents a value that was not measured. */
    public static double quantile(double[] values, double q) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    public static double median(double[] values) {
        return quantile(values, 0.5);
    }

    public static double max(double[] values) {
        return Arrays.stream(values).max().orElse(Double.NaN);
    }

    public static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    /** p50, p95, p99, max and count as a JSON object. */
    public static JsonObject summary(double[] millis) {
        JsonObject json = new JsonObject();
        json.addProperty("count", millis.length);
        json.addProperty("p50_ms", round(quantile(millis, 0.50)));
        json.addProperty("p95_ms", round(quantile(millis, 0.95)));
        json.addProperty("p99_ms", round(quantile(millis, 0.99)));
        json.addProperty("max_ms", round(max(millis)));
        json.addProperty("mean_ms", round(mean(millis)));
        return json;
    }

    /** Four significant decimals are more than any of these measurements can carry. */
    public static double round(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return value;
        }
        return Math.round(value * 1e4) / 1e4;
    }

    public static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }
}
