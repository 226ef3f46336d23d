package dev.infini.tools.eval;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** Draws the grid as a heatmap (depth rows × length columns, red 0% to green 100%) in a PNG. */
    public void writeHeatmap(Path file, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int cell = 64;
        int left = 70;
        int top = 50;
        int columns = settings.lengths().size();
        int rows = settings.depths().size();
        int width = left + columns * cell + 20;
        int height = top + rows * cell + 50;
        BufferedImage image = new BufferedImage(Math.max(width, 360), height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(title, 10, 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("depth", 10, top - 8);
        g.drawString("context length (tokens)", left, height - 10);
        FontMetrics metrics = g.getFontMetrics();
        for (int c = 0; c < columns; c++) {
            long length = settings.lengths().get(c);
            String label = formatLength(length);
            g.setColor(Color.BLACK);
            g.drawString(label, left + c * cell + (cell - metrics.stringWidth(label)) / 2, top + rows * cell + 16);
            for (int r = 0; r < rows; r++) {
                double depth = settings.depths().get(r);
                double a = accuracy(length, depth);
                float hue = (float) (Double.isNaN(a) ? 0 : a) / 3f; // 0 red, 1/3 green
                g.setColor(Color.getHSBColor(hue, 0.65f, 0.95f));
                g.fillRect(left + c * cell, top + r * cell, cell - 2, cell - 2);
                g.setColor(Color.BLACK);
                String text = String.format(Locale.ROOT, "%.0f%%", 100 * a);
                g.drawString(text, left + c * cell + (cell - metrics.stringWidth(text)) / 2, top + r * cell + cell / 2 + 4);
            }
        }
        for (int r = 0; r < rows; r++) {
            g.drawString(String.format(Locale.ROOT, "%.0f%%", 100 * settings.depths().get(r)), 20,
                    top + r * cell + cell / 2 + 4);
        }
        g.dispose();
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        ImageIO.write(image, "png", file.toFile());
    }
}
