package dev.infini.tools.plot;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** What every chart of the tools shares: a white background and PNG files written whole or not at all. */
public final class Charts {

    private Charts() {
    }

    /** White behind the chart and the plot, as on paper. */
    public static void whiteBackground(Styler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
    }

    /** Writes a chart as a PNG, headless, through a temporary file beside the target. */
    public static void writePng(Chart<?, ?> chart, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
        Files.move(tmp, parent.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }
}
