package dev.jacreg.report;

import static dev.jacreg.report.LineChartTest.assertColor;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/** Shaded bands around a series (confidence intervals of replicate means). */
class LineChartBandTest {
    private static final Color RED = new Color(200, 40, 40);

    @Test
    void bandIsShadedBetweenItsBoundsInTheSeriesColour() {
        double[] x = {0, 1, 2, 3};
        double[] y = {1, 1, 1, 1};
        LineChart chart = new LineChart().grid(false).legend(LineChart.LegendPosition.NONE).xRange(-1, 4).yRange(-2, 4)
                .add(LineChart.Series.of("mean", x, y).color(RED).lineWidth(6)
                        .band(new double[]{0, 0, 0, 0}, new double[]{2, 2, 2, 2}).bandAlpha(0.5f));
        int w = 800, h = 500;
        BufferedImage img = chart.render(w, h);
        // Inside the band, away from the line: red at half opacity over white.
        Color tint = new Color((255 + 200) / 2, (255 + 40) / 2, (255 + 40) / 2);
        assertColor(tint, img, chart.toPixel(1.5, 1.6, w, h), "inside the band");
        assertColor(tint, img, chart.toPixel(0.5, 0.3, w, h), "inside the band, below the line");
        assertColor(RED, img, chart.toPixel(1.5, 1, w, h), "the line over the band");
        assertColor(Color.WHITE, img, chart.toPixel(1.5, 3, w, h), "above the band");
        assertColor(Color.WHITE, img, chart.toPixel(1.5, -1, w, h), "below the band");
        assertColor(Color.WHITE, img, chart.toPixel(3.5, 1.5, w, h), "right of the last point");
    }

    @Test
    void autoRangeIncludesTheBand() {
        LineChart chart = new LineChart().legend(LineChart.LegendPosition.NONE)
                .add(LineChart.Series.of("mean", new double[]{0, 1}, new double[]{5, 5})
                        .band(new double[]{1, 1}, new double[]{9, 9}));
        int w = 600, h = 400;
        chart.render(w, h);
        java.awt.geom.Rectangle2D plot = chart.plotArea(w, h);
        plot.setRect(plot.getX() - 1, plot.getY() - 1, plot.getWidth() + 2, plot.getHeight() + 2);
        // Without the band the axis would hug y = 5; with it both bounds are on the plot.
        assertTrue(plot.contains(chart.toPixel(0.5, 1, w, h)), "lower bound on the plot");
        assertTrue(plot.contains(chart.toPixel(0.5, 9, w, h)), "upper bound on the plot");
    }

    @Test
    void badBandsAreRejected() {
        LineChart.Series s = LineChart.Series.of("s", new double[]{0, 1}, new double[]{0, 1});
        assertThrows(IllegalArgumentException.class, () -> s.band(new double[]{0}, new double[]{1, 1}));
        assertThrows(IllegalArgumentException.class, () -> s.band(null, new double[]{1, 1}));
        assertThrows(IllegalArgumentException.class, () -> s.bandAlpha(2));
    }
}
