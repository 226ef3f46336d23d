package dev.infini.tools.train;

import dev.infini.tools.plot.Charts;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Draws the training loss (left axis) and the validation passkey accuracy (right axis) of a loss.csv as a PNG, with
 * XChart, headless.
 */
public final class LossCurve {

    private static final Color LOSS = new Color(31, 119, 180);
    private static final Color ACCURACY = new Color(255, 127, 14);

    private LossCurve() {
    }

    /** Reads {@code csv} (as {@link Trainer} writes it) and writes the plot to {@code png}. */
    public static void write(Path csv, Path png) throws IOException {
        List<double[]> loss = new ArrayList<>();
        List<double[]> accuracy = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            double step = Double.parseDouble(f[0]);
            loss.add(new double[] {step, Double.parseDouble(f[1])});
            if (!f[5].isEmpty()) {
                accuracy.add(new double[] {step, Double.parseDouble(f[5])});
            }
        }
        XYChart chart = new XYChartBuilder().width(900).height(500)
                .title("Training loss (blue, left axis) and validation passkey accuracy (orange, right axis)")
                .xAxisTitle("optimizer step").build();
        XYStyler styler = chart.getStyler();
        Charts.whiteBackground(styler);
        styler.setLegendVisible(false); // the title names the lines
        styler.setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        styler.setYAxisMin(1, 0.0);
        styler.setYAxisMax(1, 1.0);
        styler.setYAxisDecimalPattern("0.00");
        line(chart, "loss", loss, LOSS, 0);
        line(chart, "passkey accuracy", accuracy, ACCURACY, 1);
        Charts.writePng(chart, png);
    }

    private static void line(XYChart chart, String name, List<double[]> points, Color color, int axis) {
        if (points.isEmpty()) {
            return; // no accuracy yet before the first validation: a chart needs data per line
        }
        double[] x = points.stream().mapToDouble(p -> p[0]).toArray();
        double[] y = points.stream().mapToDouble(p -> p[1]).toArray();
        XYSeries series = chart.addSeries(name, x, y);
        series.setLineColor(color);
        series.setMarker(SeriesMarkers.NONE);
        series.setLineStyle(new BasicStroke(2f));
        series.setYAxisGroup(axis);
    }
}
