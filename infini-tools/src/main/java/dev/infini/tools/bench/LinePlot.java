package dev.infini.tools.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A small line chart written as PNG with java.awt (headless), so the benchmark needs no plotting library. */
public final class LinePlot {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 540;
    private static final int LEFT = 90;
    private static final int RIGHT = 30;
    private static final int TOP = 50;
    private static final int BOTTOM = 70;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd)};

    private record Series(String name, double[] x, double[] y, boolean markers, Color color) {
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logY;
    private final List<Series> series = new ArrayList<>();

    public LinePlot(String title, String xLabel, String yLabel, boolean logY) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logY = logY;
    }

    /** Adds a line; {@code markers} draws a dot at every point (for sparse samples). */
    public LinePlot add(String name, double[] x, double[] y, boolean markers) {
        return add(name, x, y, markers, COLORS[series.size() % COLORS.length]);
    }

    /** Adds a line in a given colour, so that one approach keeps its colour across plots. */
    public LinePlot add(String name, double[] x, double[] y, boolean markers, Color color) {
        series.add(new Series(name, x.clone(), y.clone(), markers, color));
        return this;
    }

    public void write(Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            draw(g);
        } finally {
            g.dispose();
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(image, "png", file.toFile());
    }

    private void draw(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        double xMin = Double.MAX_VALUE;
        double xMax = -Double.MAX_VALUE;
        double yMin = Double.MAX_VALUE;
        double yMax = -Double.MAX_VALUE;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (!usable(s.y[i])) {
                    continue;
                }
                xMin = Math.min(xMin, s.x[i]);
                xMax = Math.max(xMax, s.x[i]);
                yMin = Math.min(yMin, s.y[i]);
                yMax = Math.max(yMax, s.y[i]);
            }
        }
        if (xMin > xMax) {
            xMin = 0;
            xMax = 1;
            yMin = 1;
            yMax = 2;
        }
        xMin = Math.min(xMin, 0);
        if (xMax == xMin) {
            xMax = xMin + 1;
        }
        double lo;
        double hi;
        if (logY) {
            lo = Math.floor(Math.log10(yMin));
            hi = Math.ceil(Math.log10(yMax));
            if (hi == lo) {
                hi = lo + 1;
            }
        } else {
            lo = 0;
            hi = niceCeiling(yMax * 1.05);
        }
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        final double fx0 = xMin;
        final double fx1 = xMax;
        final double fy0 = lo;
        final double fy1 = hi;
        java.util.function.DoubleUnaryOperator px = x -> LEFT + (x - fx0) / (fx1 - fx0) * plotW;
        java.util.function.DoubleUnaryOperator py = y -> TOP + plotH - ((logY ? Math.log10(y) : y) - fy0)
                / (fy1 - fy0) * plotH;

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        // grid and y ticks
        g.setStroke(new BasicStroke(1f));
        int yTicks = logY ? (int) (hi - lo) : 5;
        for (int i = 0; i <= yTicks; i++) {
            double value = logY ? Math.pow(10, lo + i) : lo + (hi - lo) * i / yTicks;
            int y = (int) Math.round(py.applyAsDouble(value));
            g.setColor(new Color(0xe0e0e0));
            g.drawLine(LEFT, y, LEFT + plotW, y);
            g.setColor(Color.DARK_GRAY);
            String label = format(value);
            g.drawString(label, LEFT - 8 - fm.stringWidth(label), y + fm.getAscent() / 2 - 1);
        }
        for (int i = 0; i <= 5; i++) {
            double value = xMin + (xMax - xMin) * i / 5;
            int x = (int) Math.round(px.applyAsDouble(value));
            g.setColor(new Color(0xe0e0e0));
            g.drawLine(x, TOP, x, TOP + plotH);
            g.setColor(Color.DARK_GRAY);
            String label = format(value);
            g.drawString(label, x - fm.stringWidth(label) / 2, TOP + plotH + fm.getHeight() + 2);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, plotW, plotH);
        // labels
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, LEFT, TOP - 18);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        fm = g.getFontMetrics();
        g.drawString(xLabel, LEFT + plotW / 2 - fm.stringWidth(xLabel) / 2, HEIGHT - 22);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString(yLabel + (logY ? " (log scale)" : ""), -(TOP + plotH / 2) - fm.stringWidth(yLabel) / 2, 22);
        rotated.dispose();
        // series
        int legendY = TOP + 18;
        for (int s = 0; s < series.size(); s++) {
            Series line = series.get(s);
            Color color = line.color;
            g.setColor(color);
            g.setStroke(new BasicStroke(line.markers ? 2f : 1.3f));
            Path2D path = new Path2D.Double();
            boolean started = false;
            for (int i = 0; i < line.x.length; i++) {
                if (!usable(line.y[i])) {
                    continue;
                }
                double x = px.applyAsDouble(line.x[i]);
                double y = py.applyAsDouble(line.y[i]);
                if (started) {
                    path.lineTo(x, y);
                } else {
                    path.moveTo(x, y);
                    started = true;
                }
                if (line.markers) {
                    g.fillOval((int) Math.round(x) - 4, (int) Math.round(y) - 4, 8, 8);
                }
            }
            g.draw(path);
            g.fillRect(LEFT + 14, legendY - 9, 18, 4);
            g.setColor(Color.BLACK);
            g.drawString(line.name, LEFT + 40, legendY - 2);
            legendY += 20;
        }
    }

    private boolean usable(double y) {
        return !Double.isNaN(y) && !Double.isInfinite(y) && (!logY || y > 0);
    }

    private static double niceCeiling(double value) {
        if (value <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String format(double value) {
        double a = Math.abs(value);
        if (a >= 1e9) {
            return trim(value / 1e9) + "G";
        }
        if (a >= 1e6) {
            return trim(value / 1e6) + "M";
        }
        if (a >= 1e4) {
            return trim(value / 1e3) + "k";
        }
        if (a >= 1 || a == 0) {
            return trim(value);
        }
        return String.format(Locale.ROOT, "%.3g", value);
    }

    private static String trim(double value) {
        String s = String.format(Locale.ROOT, "%.1f", value);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }
}
