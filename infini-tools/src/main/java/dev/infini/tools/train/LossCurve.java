package dev.infini.tools.train;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Draws the training loss (and validation passkey accuracy) of a loss.csv as a PNG, headless, with java.awt. */
public final class LossCurve {

    private LossCurve() {
    }

    /** Reads {@code csv} (as {@link Trainer} writes it) and writes the plot to {@code png}. */
    public static void write(Path csv, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
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
        int w = 900;
        int h = 500;
        int left = 70;
        int right = 70;
        int top = 40;
        int bottom = 50;
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.setColor(Color.BLACK);
        g.drawString("Training loss (blue, left axis) and validation passkey accuracy (orange, right axis)", left, 25);
        g.drawRect(left, top, w - left - right, h - top - bottom);
        if (!loss.isEmpty()) {
            double maxStep = loss.get(loss.size() - 1)[0];
            double maxLoss = loss.stream().mapToDouble(p -> p[1]).max().orElse(1);
            double minLoss = Math.min(0, loss.stream().mapToDouble(p -> p[1]).min().orElse(0));
            plot(g, loss, maxStep, minLoss, maxLoss, new Color(31, 119, 180), left, top, w - left - right, h - top - bottom);
            plot(g, accuracy, maxStep, 0, 1, new Color(255, 127, 14), left, top, w - left - right, h - top - bottom);
            g.setColor(Color.BLACK);
            for (int i = 0; i <= 4; i++) {
                int y = top + (h - top - bottom) * i / 4;
                g.drawString(String.format("%.2f", maxLoss - (maxLoss - minLoss) * i / 4), 10, y + 5);
                g.drawString(String.format("%.2f", 1 - i / 4.0), w - right + 8, y + 5);
            }
            for (int i = 0; i <= 4; i++) {
                int x = left + (w - left - right) * i / 4;
                g.drawString(String.format("%.0f", maxStep * i / 4), x - 10, h - bottom + 18);
            }
            g.drawString("optimizer step", w / 2 - 40, h - 12);
        }
        g.dispose();
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        ImageIO.write(image, "png", tmp.toFile());
        Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static void plot(Graphics2D g, List<double[]> points, double maxX, double minY, double maxY, Color color,
                             int left, int top, int width, int height) {
        g.setColor(color);
        g.setStroke(new BasicStroke(2f));
        int px = -1;
        int py = -1;
        for (double[] p : points) {
            int x = left + (int) (width * p[0] / Math.max(maxX, 1));
            int y = top + (int) (height * (1 - (p[1] - minY) / Math.max(maxY - minY, 1e-9)));
            if (px >= 0) {
                g.drawLine(px, py, x, y);
            } else {
                g.fillOval(x - 2, y - 2, 4, 4);
            }
            px = x;
            py = y;
        }
    }
}
