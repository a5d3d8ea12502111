package dev.jacreg.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineChartTest {
    private static final Color RED = new Color(200, 40, 40);

    @TempDir
    Path dir;

    private static LineChart accuracyChart() {
        double[] p = {0, 0.1, 0.2, 0.3, 0.4, 0.5};
        return new LineChart().title("Accuracy vs noise").xLabel("Noise proportion p").yLabel("Accuracy (%)")
                .xRange(0, 0.5).yRange(0, 100)
                .add(LineChart.Series.of("Jacobian regularization", p, new double[] {99, 97, 93, 85, 75, 62})
                        .marker(LineChart.Marker.CIRCLE))
                .add(LineChart.Series.of("Reference", p, new double[] {99, 90, 78, 66, 58, 53})
                        .marker(LineChart.Marker.SQUARE).dashed(true))
                .legend(LineChart.LegendPosition.LOWER_LEFT);
    }

    @Test
    void rendersAtTheRequestedSize() {
        BufferedImage img = accuracyChart().render(640, 480);
        assertEquals(640, img.getWidth());
        assertEquals(480, img.getHeight());
        BufferedImage def = accuracyChart().render();
        assertEquals(900, def.getWidth());
        assertEquals(600, def.getHeight());
        BufferedImage big = accuracyChart().size(1800, 1200).render();
        assertEquals(1800, big.getWidth());
        assertEquals(1200, big.getHeight());
    }

    @Test
    void seriesIsDrawnInItsColourWhereItsPointsMap() {
        double[] x = {0, 1, 2, 3, 4};
        double[] y = {0, 2, 1, 3, 2};
        // ranges with room around the data, so no point sits on the axis frame
        LineChart chart = new LineChart().grid(false).legend(LineChart.LegendPosition.NONE).xRange(-1, 5)
                .yRange(-1, 4).add(LineChart.Series.of("s", x, y).color(RED).lineWidth(8));
        int w = 800;
        int h = 500;
        BufferedImage img = chart.render(w, h);
        for (int i = 0; i < x.length; i++) {
            Point2D p = chart.toPixel(x[i], y[i], w, h);
            assertTrue(chart.plotArea(w, h).contains(p), "point " + i + " " + p);
            assertColor(RED, img, p, "data point " + i);
        }
        // far from the line the plot area is white
        Point2D empty = chart.toPixel(0.5, 2.8, w, h);
        assertColor(Color.WHITE, img, empty, "empty area");
    }

    private static boolean onBorder(Rectangle2D r, Point2D p) {
        return p.getX() >= r.getX() - 0.5 && p.getX() <= r.getMaxX() + 0.5
                && p.getY() >= r.getY() - 0.5 && p.getY() <= r.getMaxY() + 0.5;
    }

    @Test
    void markersAreDrawnAtDataPoints() {
        double[] x = {1, 2, 3};
        double[] y = {5, 7, 6};
        LineChart chart = new LineChart().xRange(0, 4).yRange(0, 10).legend(LineChart.LegendPosition.NONE)
                .add(LineChart.Series.of("m", x, y).color(RED).lineWidth(0).marker(LineChart.Marker.SQUARE)
                        .markerSize(12));
        BufferedImage img = chart.render(600, 400);
        for (int i = 0; i < x.length; i++) {
            assertColor(RED, img, chart.toPixel(x[i], y[i], 600, 400), "marker " + i);
        }
        // no line between markers (y = 5 avoids the grid line at 6)
        assertColor(Color.WHITE, img, chart.toPixel(1.5, 5, 600, 400), "between markers");
    }

    @Test
    void nanPointsAreSkippedAndBreakTheLine() {
        double[] x = {0, 1, 2, 3, 4};
        double[] y = {1, 1, Double.NaN, 1, 1};
        LineChart chart = new LineChart().grid(false).xRange(0, 4).yRange(0, 2)
                .legend(LineChart.LegendPosition.NONE)
                .add(LineChart.Series.of("gap", x, y).color(RED).lineWidth(6));
        BufferedImage img = chart.render(600, 400);
        assertColor(RED, img, chart.toPixel(0.5, 1, 600, 400), "before the gap");
        assertColor(RED, img, chart.toPixel(3.5, 1, 600, 400), "after the gap");
        assertColor(Color.WHITE, img, chart.toPixel(2, 1, 600, 400), "inside the gap");
        // x NaN and infinities are skipped too; an all-NaN series renders nothing but is fine
        new LineChart().add(LineChart.Series.of("odd", new double[] {Double.NaN, 1, Double.POSITIVE_INFINITY},
                new double[] {1, Double.NEGATIVE_INFINITY, 2})).render(300, 200);
        new LineChart().add(LineChart.Series.of("none", new double[] {Double.NaN})).render(300, 200);
    }

    @Test
    void autoRangeCoversTheData() {
        double[] y = new double[2340];
        for (int i = 0; i < y.length; i++) {
            y[i] = 2.3 * Math.exp(-i / 300.0) + 0.05;
        }
        LineChart chart = new LineChart().add(LineChart.Series.of("loss", y).smoothing(25));
        Rectangle2D plot = chart.plotArea(900, 600);
        for (int i : new int[] {0, 100, 2339}) {
            Point2D p = chart.toPixel(i + 1, y[i], 900, 600);
            assertTrue(onBorder(plot, p), "point " + i + " at " + p + " outside " + plot);
        }
        assertNotNull(chart.logY(true).render(900, 600));
        Point2D top = chart.toPixel(1, y[0], 900, 600);
        assertTrue(onBorder(chart.plotArea(900, 600), top));
    }

    @Test
    void logAxisSpacesDecadesEvenly() {
        LineChart chart = new LineChart().logY(true).yRange(0.1, 100)
                .add(LineChart.Series.of("l", new double[] {0.5, 5, 50}));
        double y1 = chart.toPixel(1, 1, 800, 600).getY();
        double y10 = chart.toPixel(1, 10, 800, 600).getY();
        double y100 = chart.toPixel(1, 100, 800, 600).getY();
        assertEquals(y1 - y10, y10 - y100, 1e-9);
        assertTrue(y1 > y10, "larger values are higher up");
    }

    @Test
    void logAxisHasGridLinesAtDecadesAndFaintOnesBetween() {
        LineChart chart = new LineChart().logY(true).yRange(0.01, 100).xRange(0, 4).xTickSpacing(1)
                .legend(LineChart.LegendPosition.NONE).add(LineChart.Series.of("l", new double[] {0, 4},
                        new double[] {0.01, 0.01}).color(RED));
        BufferedImage img = chart.render(800, 600);
        for (double decade : new double[] {0.1, 1, 10}) {
            assertColor(new Color(0xdddddd), img, darkest(img, chart.toPixel(0.5, decade, 800, 600)), "decade " + decade);
        }
        for (double minor : new double[] {0.2, 5, 30}) {
            assertColor(new Color(0xf0f0f0), img, darkest(img, chart.toPixel(0.5, minor, 800, 600)), "minor " + minor);
        }
        assertColor(Color.WHITE, img, chart.toPixel(0.5, 1.5, 800, 600), "between grid lines");
    }

    /** The darkest pixel of the 5 around {@code at} in its column: where a thin horizontal line crosses it. */
    private static Point2D darkest(BufferedImage img, Point2D at) {
        Point2D best = at;
        int bestSum = Integer.MAX_VALUE;
        for (int dy = -2; dy <= 2; dy++) {
            Point2D p = new Point2D.Double(at.getX(), Math.floor(at.getY()) + dy);
            Color c = new Color(img.getRGB((int) p.getX(), (int) p.getY()));
            if (c.getRed() + c.getGreen() + c.getBlue() < bestSum) {
                bestSum = c.getRed() + c.getGreen() + c.getBlue();
                best = p;
            }
        }
        return best;
    }

    @Test
    void nonPositiveValuesOnALogAxisAreSkippedAndBreakTheLine() {
        double[] x = {0, 1, 2, 3, 4};
        LineChart chart = new LineChart().logY(true).grid(false).xRange(0, 4).yRange(0.1, 10)
                .legend(LineChart.LegendPosition.NONE)
                .add(LineChart.Series.of("l", x, new double[] {1, 1, -1, 0, 1}).color(RED).lineWidth(6));
        BufferedImage img = chart.render(600, 400);
        assertColor(RED, img, chart.toPixel(0.5, 1, 600, 400), "before the gap");
        assertColor(Color.WHITE, img, chart.toPixel(2, 1, 600, 400), "inside the gap");
        assertColor(Color.WHITE, img, chart.toPixel(3.5, 1, 600, 400), "no segment to the 0 at x = 3");
        // auto range from the positive values only; a series with none still renders (an empty log plot)
        new LineChart().logY(true).add(LineChart.Series.of("l", new double[] {0.5, -2, 50})).render(300, 200);
        new LineChart().logY(true).add(LineChart.Series.of("none", new double[] {0, -1})).render(300, 200);
    }

    @Test
    void bestLegendAvoidsTheData() {
        // data fills the upper half, so the legend must go to a lower corner
        double[] x = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        double[] hi = {9, 9.5, 9, 9.5, 9, 9.5, 9, 9.5, 9, 9.5, 9};
        double[] mid = {7, 6.5, 7, 6.5, 7, 6.5, 7, 6.5, 7, 6.5, 7};
        LineChart none = new LineChart().xRange(0, 10).yRange(0, 10).legend(LineChart.LegendPosition.NONE)
                .add(LineChart.Series.of("high", x, hi)).add(LineChart.Series.of("middle", x, mid));
        LineChart best = new LineChart().xRange(0, 10).yRange(0, 10).legend(LineChart.LegendPosition.BEST)
                .add(LineChart.Series.of("high", x, hi)).add(LineChart.Series.of("middle", x, mid));
        BufferedImage a = none.render(800, 600);
        BufferedImage b = best.render(800, 600);
        double midY = best.toPixel(0, 5, 800, 600).getY();
        int differing = 0;
        for (int py = 0; py < 600; py++) {
            for (int px = 0; px < 800; px++) {
                if (a.getRGB(px, py) != b.getRGB(px, py)) {
                    differing++;
                    assertTrue(py > midY, "legend pixel at y=" + py + " is in the upper half");
                }
            }
        }
        assertTrue(differing > 100, "legend was drawn");
    }

    @Test
    void badInputIsRejectedWithClearMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LineChart.Series.of("acc", new double[3], new double[4]));
        assertEquals("series 'acc': x has 3 values but y has 4", e.getMessage());
        assertEquals("series 'acc' is empty", assertThrows(IllegalArgumentException.class,
                () -> LineChart.Series.of("acc", new double[0], new double[0])).getMessage());
        assertThrows(IllegalArgumentException.class, () -> LineChart.Series.of("acc", null, new double[1]));
        assertThrows(IllegalArgumentException.class, () -> LineChart.Series.of("acc", (double[]) null));
        assertThrows(IllegalArgumentException.class, () -> LineChart.Series.of("acc", new double[0]));
        assertThrows(IllegalArgumentException.class, () -> LineChart.Series.of("a", new double[1]).lineWidth(-1));
        assertThrows(IllegalArgumentException.class, () -> LineChart.Series.of("a", new double[1]).smoothing(-2));
        String range = assertThrows(IllegalArgumentException.class, () -> new LineChart().xRange(1, 1)).getMessage();
        assertTrue(range.contains("x range") && range.contains("min < max"), range);
        assertThrows(IllegalArgumentException.class, () -> new LineChart().yRange(0, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new LineChart().xTickSpacing(0));
        assertThrows(IllegalArgumentException.class, () -> new LineChart().size(0, 100));
        String ticks = assertThrows(IllegalArgumentException.class,
                () -> new LineChart().xRange(0, 1).xTickSpacing(1e-6).render(400, 300)).getMessage();
        assertTrue(ticks.contains("ticks"), ticks);
        String log = assertThrows(IllegalArgumentException.class,
                () -> new LineChart().logY(true).yRange(0, 10).render(400, 300)).getMessage();
        assertTrue(log.contains("positive"), log);
        String small = assertThrows(IllegalArgumentException.class,
                () -> accuracyChart().render(60, 40)).getMessage();
        assertTrue(small.contains("too small"), small);
    }

    @Test
    void movingAverageIsCentredAndSkipsNaN() {
        assertArrayEquals(new double[] {1.5, 2, 3, 4, 4.5}, LineChart.movingAverage(new double[] {1, 2, 3, 4, 5}, 3),
                1e-12);
        assertArrayEquals(new double[] {1, 2, 3, 3}, LineChart.movingAverage(new double[] {1, Double.NaN, 3, 3}, 3),
                1e-12);
        double[] allNan = LineChart.movingAverage(new double[] {Double.NaN, Double.NaN}, 1);
        assertTrue(Double.isNaN(allNan[0]) && Double.isNaN(allNan[1]));
        assertArrayEquals(new double[] {1, 2}, LineChart.movingAverage(new double[] {1, 2}, 1), 0);
        // even window: one more point before than after (y[i-1], y[i])
        assertArrayEquals(new double[] {1, 1.5, 2.5, 3.5}, LineChart.movingAverage(new double[] {1, 2, 3, 4}, 2),
                1e-12);
        assertThrows(IllegalArgumentException.class, () -> LineChart.movingAverage(new double[1], 0));
    }

    @Test
    void niceSteps() {
        assertEquals(0.1, ChartAxes.niceStep(0.5 / 6), 1e-15);
        assertEquals(20, ChartAxes.niceStep(100 / 6.0), 1e-12);
        assertEquals(500, ChartAxes.niceStep(2340 / 6.0), 1e-9);
        assertEquals(2.5, ChartAxes.niceStep(2.2), 1e-12);
    }

    @Test
    void writePngProducesAReadableImage() throws IOException {
        Path p = dir.resolve("chart.png");
        accuracyChart().writePng(p, 700, 450);
        BufferedImage back = ImageIO.read(p.toFile());
        assertNotNull(back, "ImageIO could not read the PNG");
        assertEquals(700, back.getWidth());
        assertEquals(450, back.getHeight());
        accuracyChart().size(500, 400).writePng(p); // overwrite
        assertEquals(500, ImageIO.read(p.toFile()).getWidth());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(p), s.toList(), "no temp files left");
        }
    }

    static void assertColor(Color expected, BufferedImage img, Point2D at, String what) {
        int x = (int) Math.floor(at.getX());
        int y = (int) Math.floor(at.getY());
        Color c = new Color(img.getRGB(x, y));
        int d = Math.abs(c.getRed() - expected.getRed()) + Math.abs(c.getGreen() - expected.getGreen())
                + Math.abs(c.getBlue() - expected.getBlue());
        assertTrue(d <= 12, what + ": expected " + expected + " at (" + x + ", " + y + "), found " + c);
    }
}
