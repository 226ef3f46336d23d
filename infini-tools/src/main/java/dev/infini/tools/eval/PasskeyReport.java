package dev.infini.tools.eval;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.infini.tools.plot.Charts;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.style.HeatMapStyler;

import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The results of a passkey grid: exact-match accuracy per (length, depth) cell, as a text table, JSON (with every
 * trial) and a heatmap image.
 *
 * @param memoryMode    the engine's memory mode (on, off, zeroed)
 * @param segmentLength N of the model
 */
public record PasskeyReport(PasskeyEvaluator.Settings settings, String memoryMode, int segmentLength,
                            List<PasskeyEvaluator.Trial> trials) {

    public PasskeyReport {
        trials = List.copyOf(trials);
    }

    /** Exact-match accuracy of one cell. */
    public double accuracy(long length, double depth) {
        long total = 0;
        long correct = 0;
        for (PasskeyEvaluator.Trial t : trials) {
            if (t.length() == length && t.depth() == depth) {
                total++;
                correct += t.correct() ? 1 : 0;
            }
        }
        return total == 0 ? Double.NaN : correct / (double) total;
    }

    /** Mean answer NLL per token of one cell. */
    public double answerNll(long length, double depth) {
        return trials.stream().filter(t -> t.length() == length && t.depth() == depth)
                .mapToDouble(PasskeyEvaluator.Trial::answerNll).average().orElse(Double.NaN);
    }

    /** The answer-NLL grid as a Markdown table (nats per answer token; lower is better, a guess is about 2). */
    public String nllTable() {
        StringBuilder s = new StringBuilder("| depth \\ length |");
        for (long length : settings.lengths()) {
            s.append(' ').append(formatLength(length)).append(" |");
        }
        s.append("\n|---|").append("---:|".repeat(settings.lengths().size())).append('\n');
        for (double depth : settings.depths()) {
            s.append(String.format(Locale.ROOT, "| %.0f%% |", depth * 100));
            for (long length : settings.lengths()) {
                s.append(String.format(Locale.ROOT, " %.2f |", answerNll(length, depth)));
            }
            s.append('\n');
        }
        return s.toString();
    }

    /** Accuracy over all depths of one length. */
    public double accuracy(long length) {
        return trials.stream().filter(t -> t.length() == length).mapToDouble(t -> t.correct() ? 1 : 0).average()
                .orElse(Double.NaN);
    }

    /** A Markdown table: one row per depth, one column per length, cells in percent. */
    public String table() {
        StringBuilder s = new StringBuilder("| depth \\ length |");
        for (long length : settings.lengths()) {
            s.append(' ').append(formatLength(length)).append(" |");
        }
        s.append("\n|---|");
        s.append("---:|".repeat(settings.lengths().size()));
        s.append('\n');
        for (double depth : settings.depths()) {
            s.append(String.format(Locale.ROOT, "| %.0f%% |", depth * 100));
            for (long length : settings.lengths()) {
                s.append(String.format(Locale.ROOT, " %.0f%% |", 100 * accuracy(length, depth)));
            }
            s.append('\n');
        }
        s.append("| **all** |");
        for (long length : settings.lengths()) {
            s.append(String.format(Locale.ROOT, " **%.0f%%** |", 100 * accuracy(length)));
        }
        return s.append('\n').toString();
    }

    /** "1K", "32K", "1M" for powers of 1024, the number otherwise. */
    public static String formatLength(long length) {
        if (length >= 1 << 20 && length % (1 << 20) == 0) {
            return (length >> 20) + "M";
        }
        if (length >= 1024 && length % 1024 == 0) {
            return (length >> 10) + "K";
        }
        return Long.toString(length);
    }

    /** Parses "1K", "32k", "1M" or a plain number of tokens. */
    public static long parseLength(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        long factor = 1;
        if (t.endsWith("K")) {
            factor = 1024;
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("M")) {
            factor = 1024 * 1024;
            t = t.substring(0, t.length() - 1);
        }
        try {
            long value = Long.parseLong(t) * factor;
            if (value < 1) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a length is a positive number of tokens, optionally with K or M, got \""
                    + text + "\"");
        }
    }

    /** Writes the report as JSON: settings, the accuracy grid and every trial. */
    public void writeJson(Path file) throws IOException {
        JsonObject json = new JsonObject();
        json.addProperty("memory_mode", memoryMode);
        json.addProperty("segment_length", segmentLength);
        json.addProperty("trials_per_cell", settings.trials());
        json.addProperty("seed", settings.seed());
        json.addProperty("key_digits", settings.keyDigits());
        json.addProperty("align", settings.align().name().toLowerCase(java.util.Locale.ROOT));
        json.addProperty("filler", settings.filler() == null ? "paper" : settings.filler().toString());
        JsonArray grid = new JsonArray();
        for (long length : settings.lengths()) {
            for (double depth : settings.depths()) {
                JsonObject cell = new JsonObject();
                cell.addProperty("length", length);
                cell.addProperty("depth", depth);
                cell.addProperty("accuracy", accuracy(length, depth));
                cell.addProperty("answer_nll", answerNll(length, depth));
                grid.add(cell);
            }
        }
        json.add("grid", grid);
        JsonArray all = new JsonArray();
        for (PasskeyEvaluator.Trial t : trials) {
            JsonObject o = new JsonObject();
            o.addProperty("length", t.length());
            o.addProperty("depth", t.depth());
            o.addProperty("trial", t.trial());
            o.addProperty("key", t.key());
            o.addProperty("prompt_tokens", t.promptTokens());
            o.addProperty("output", t.output());
            o.addProperty("correct", t.correct());
            o.addProperty("answer_nll", t.answerNll());
            o.addProperty("needle_segment", t.needleSegment());
            o.addProperty("question_segment", t.questionSegment());
            all.add(o);
        }
        json.add("trials", all);
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(json), StandardCharsets.UTF_8);
    }

    /** Draws the grid as a heatmap (depth rows × length columns, red 0% to green 100%) in a PNG, with XChart. */
    public void writeHeatmap(Path file, String title) throws IOException {
        List<String> lengths = settings.lengths().stream().map(PasskeyReport::formatLength).toList();
        List<String> depths = settings.depths().stream()
                .map(depth -> String.format(Locale.ROOT, "%.0f%%", 100 * depth)).toList();
        List<Number[]> cells = new ArrayList<>();
        for (int c = 0; c < lengths.size(); c++) {
            for (int r = 0; r < depths.size(); r++) {
                double a = accuracy(settings.lengths().get(c), settings.depths().get(r));
                cells.add(new Number[] {c, r, Double.isNaN(a) ? 0 : 100 * a});
            }
        }
        HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(360, 200 + 64 * lengths.size()))
                .height(140 + 64 * depths.size()).title(title).xAxisTitle("context length (tokens)")
                .yAxisTitle("depth").build();
        HeatMapStyler styler = chart.getStyler();
        Charts.whiteBackground(styler);
        styler.setMin(0).setMax(100).setShowValue(true).setHeatMapValueDecimalPattern("0'%'");
        // red at 0 %, through yellow, to green at 100 %
        styler.setRangeColors(new Color[] {Color.getHSBColor(0f, 0.65f, 0.95f),
                Color.getHSBColor(1f / 6, 0.65f, 0.95f), Color.getHSBColor(1f / 3, 0.65f, 0.95f)});
        styler.setLegendVisible(false);
        chart.addSeries("exact match", lengths, depths, cells);
        Charts.writePng(chart, file);
    }
}
