package dev.infini.tools.plot;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A line chart of the benchmarks, drawn by XChart and written as PNG (headless). */
public final class LinePlot {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 540;
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

    /** Writes the chart as a PNG, replacing the file only once it is written. */
    public void write(Path file) throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel + (logY ? " (log scale)" : "")).build();
        XYStyler styler = chart.getStyler();
        styler.setYAxisLogarithmic(logY);
        styler.setLegendPosition(Styler.LegendPosition.InsideNW);
        Charts.whiteBackground(styler);
        styler.setMarkerSize(8);
        for (Series s : series) {
            double[][] points = usable(s);
            if (points[0].length == 0) {
                continue; // nothing drawable (all NaN, or not positive on a log axis): a chart needs data per line
            }
            XYSeries line = chart.addSeries(s.name, points[0], points[1]);
            line.setLineColor(s.color);
            line.setMarkerColor(s.color);
            line.setMarker(s.markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            line.setLineStyle(new BasicStroke(s.markers ? 2f : 1.3f));
        }
        Charts.writePng(chart, file);
    }

    /** The points a chart can draw: finite, and positive on a log axis. */
    private double[][] usable(Series s) {
        List<double[]> kept = new ArrayList<>();
        for (int i = 0; i < s.x.length; i++) {
            if (Double.isFinite(s.y[i]) && (!logY || s.y[i] > 0)) {
                kept.add(new double[] {s.x[i], s.y[i]});
            }
        }
        double[][] points = new double[2][kept.size()];
        for (int i = 0; i < kept.size(); i++) {
            points[0][i] = kept.get(i)[0];
            points[1][i] = kept.get(i)[1];
        }
        return points;
    }
}
