package dev.jacreg.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jacreg.report.LineChart.LegendPosition;
import java.awt.Color;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The pieces behind {@link ChartSpec}: moving average, log ticks, legend placement, tick labels, the spec itself. */
class ChartSpecTest {

    @Test
    void movingAverageMatchesAHandComputation() {
        // window 4 covers y[i-2 .. i+1]; NaN is left out of both sum and count
        double[] y = {4, 8, Double.NaN, 2, 6, 10};
        double[] expected = {(4 + 8) / 2.0, (4 + 8) / 2.0, (4 + 8 + 2) / 3.0, (8 + 2 + 6) / 3.0, (2 + 6 + 10) / 3.0,
                (2 + 6 + 10) / 3.0};
        assertArrayEquals(expected, MovingAverage.centred(y, 4), 1e-12);
    }

    @Test
    void movingAverageMatchesADirectSumOverEachWindow() {
        Random rnd = new Random(7);
        double[] y = new double[200];
        for (int i = 0; i < y.length; i++) y[i] = rnd.nextInt(10) == 0 ? Double.NaN : rnd.nextGaussian() * 100;
        for (int window : new int[] {1, 2, 3, 10, 25, 199, 200, 500}) {
            double[] got = MovingAverage.centred(y, window);
            for (int i = 0; i < y.length; i++) {
                double sum = 0;
                int n = 0;
                for (int j = i - window / 2; j < i - window / 2 + window; j++) {
                    if (j >= 0 && j < y.length && !Double.isNaN(y[j])) {
                        sum += y[j];
                        n++;
                    }
                }
                assertEquals(sum / n, got[i], 1e-9, "window " + window + ", point " + i);
            }
        }
    }

    @Test
    void logTicksOverManyDecadesAreThePowersOfTenWithFaintMultiples() {
        LogTicks.Ticks t = LogTicks.of(0.01, 100);
        assertEquals(List.of(0.01, 0.1, 1.0, 10.0, 100.0), t.major());
        assertEquals(32, t.minor().size()); // 2..9 times 0.01, 0.1, 1 and 10
        assertEquals(List.of(0.02, 0.03, 0.04), t.minor().subList(0, 3));
        assertEquals(90.0, t.minor().get(31));
        // beyond 8 decades the faint lines would be a grey wash: none
        LogTicks.Ticks wide = LogTicks.of(1e-5, 1e5);
        assertEquals(11, wide.major().size());
        assertEquals(List.of(), wide.minor());
    }

    @Test
    void logTicksOverFewDecadesLabelMultiplesToo() {
        // two powers of ten in range: 2 and 5 times them get labels as well
        LogTicks.Ticks two = LogTicks.of(0.5, 50);
        assertEquals(List.of(1.0, 10.0, 0.5, 2.0, 5.0, 20.0, 50.0), two.major());
        assertEquals(List.of(0.6, 0.7, 0.8, 0.9, 3.0, 4.0, 6.0, 7.0, 8.0, 9.0, 30.0, 40.0), two.minor());
        // one power of ten: 2, 3 and 5 times
        LogTicks.Ticks one = LogTicks.of(2, 50);
        assertEquals(List.of(10.0, 2.0, 3.0, 5.0, 20.0, 30.0, 50.0), one.major());
        assertEquals(List.of(4.0, 6.0, 7.0, 8.0, 9.0, 40.0), one.minor());
    }

    @Test
    void logRangesSnapOutwardsToOneTwoOrFiveTimesAPowerOfTen() {
        assertEquals(0.02, LogTicks.snap(0.037, false), 0);
        assertEquals(0.05, LogTicks.snap(0.037, true), 0);
        assertEquals(10, LogTicks.snap(7, true), 0);
        assertEquals(5, LogTicks.snap(7, false), 0);
        assertEquals(1, LogTicks.snap(1, false), 0);
        assertEquals(1, LogTicks.snap(1, true), 0);
        assertEquals(200, LogTicks.snap(130, true), 0);
    }

    private static final Rectangle2D PLOT = new Rectangle2D.Double(0, 0, 100, 100);

    private static LegendPosition best(Point2D... line) {
        return LegendPlacement.corner(LegendPosition.BEST, PLOT, 30, 20, List.<Point2D[]>of(line));
    }

    private static Point2D p(double x, double y) {
        return new Point2D.Double(x, y);
    }

    @Test
    void bestLegendCornerHidesTheLeastData() {
        // pixel y grows downwards: y = 10 is near the top
        assertEquals(LegendPosition.UPPER_RIGHT, best(), "no data: the first corner");
        assertEquals(LegendPosition.LOWER_LEFT, best(p(5, 5), p(95, 5)), "points in both upper corners");
        assertEquals(LegendPosition.UPPER_RIGHT, best(p(5, 5), p(5, 95)), "points in both left corners");
        assertEquals(LegendPosition.UPPER_LEFT, best(p(95, 5), p(50, 50), p(5, 95)), "upper right and lower left used");
        // a segment crossing a box counts even without a point inside it; a break (null) removes the segment
        assertEquals(LegendPosition.LOWER_LEFT, best(p(-5, 10), p(105, 10)));
        assertEquals(LegendPosition.UPPER_RIGHT, best(p(-5, 10), null, p(105, 10)));
        // a point inside (upper right) weighs more than a segment crossing (upper left); the lower corners are
        // crossed twice
        assertEquals(LegendPosition.UPPER_LEFT, LegendPlacement.corner(LegendPosition.BEST, PLOT, 30, 20,
                List.of(new Point2D[] {p(90, 5)}, new Point2D[] {p(-5, 10), p(35, 10)},
                        new Point2D[] {p(-5, 90), p(105, 90)}, new Point2D[] {p(-5, 95), p(105, 95)})));
    }

    @Test
    void askedLegendCornerIsKept() {
        Point2D[] crowded = {p(5, 95), p(95, 95)};
        assertEquals(LegendPosition.LOWER_RIGHT,
                LegendPlacement.corner(LegendPosition.LOWER_RIGHT, PLOT, 30, 20, List.<Point2D[]>of(crowded)));
        assertThrows(IllegalArgumentException.class,
                () -> LegendPlacement.corner(LegendPosition.NONE, PLOT, 30, 20, List.of()));
        assertEquals(new Rectangle2D.Double(70, 80, 30, 20), LegendPlacement.box(LegendPosition.LOWER_RIGHT, PLOT, 30, 20));
        assertEquals(new Rectangle2D.Double(0, 0, 30, 20), LegendPlacement.box(LegendPosition.UPPER_LEFT, PLOT, 30, 20));
    }

    @Test
    void tickLabelsIgnoreTheLocaleAndRoundingNoise() {
        assertEquals(1, TickFormat.decimals(0.1));
        assertEquals(2, TickFormat.decimals(0.05));
        assertEquals(0, TickFormat.decimals(500));
        assertEquals("0.0", new TickFormat(1, 0.1).format(-1e-17));
        assertEquals("0.30", new TickFormat(2, 0.05).format(0.1 + 0.2));
        assertEquals("1.5e-5", new TickFormat(null, 0).format(1.5e-5));
        assertEquals("2e6", new TickFormat(null, 0).format(2e6));
        assertEquals("0.001", new TickFormat(null, 0).format(0.001));
    }

    @Test
    void specTakesColoursFromThePaletteAndCopiesTheData() {
        double[] y = {1, 2, 3};
        LineChart chart = new LineChart().add(LineChart.Series.of("a", y))
                .add(LineChart.Series.of("b", y).color(Color.BLACK)).add(LineChart.Series.of("c", y)).logY(true);
        ChartSpec spec = chart.spec();
        // explicit colours do not use up palette entries
        assertEquals(List.of(LineChart.PALETTE.get(0), Color.BLACK, LineChart.PALETTE.get(1)),
                spec.lines().stream().map(ChartSpec.Line::color).toList());
        assertEquals(ChartSpec.Scale.LOG, spec.y().scale());
        assertEquals(LegendPosition.BEST, spec.legend());
        y[0] = 99;
        spec.lines().get(0).y()[1] = 99;
        assertArrayEquals(new double[] {1, 2, 3}, spec.lines().get(0).y(), 0);
        assertThrows(UnsupportedOperationException.class, () -> spec.lines().clear());
        chart.add(LineChart.Series.of("d", y));
        assertEquals(3, spec.lines().size(), "a spec is a snapshot");
    }

    @Test
    void specDataForAutomaticRanges() {
        ChartSpec spec = new LineChart().xRange(0, 2).logY(true)
                .add(LineChart.Series.of("s", new double[] {0, 1, 2, 3}, new double[] {5, -1, 7, 1000})
                        .band(new double[] {4, 0.5, Double.NaN, 1}, new double[] {6, 2, 8, 2000}))
                .spec();
        // y: drawable (positive) values and band bounds of points inside the fixed x range only
        assertArrayEquals(new double[] {5, 4, 6, 0.5, 2, 7, 8}, spec.yData(), 0);
        // x: points with a drawable y
        assertArrayEquals(new double[] {0, 2, 3}, spec.xData(), 0);
        assertThrows(IllegalArgumentException.class, () -> new ChartSpec(null,
                new ChartSpec.Axis(null, ChartSpec.Scale.LOG, Double.NaN, Double.NaN, Double.NaN), spec.y(),
                List.of(), LegendPosition.NONE, true));
    }

    @Test
    void aFigureCanBeDrawnStraightFromASpec() {
        ChartSpec.Axis x = new ChartSpec.Axis("x", ChartSpec.Scale.LINEAR, 0, 2, Double.NaN);
        ChartSpec.Axis y = new ChartSpec.Axis("y", ChartSpec.Scale.LINEAR, 0, 4, Double.NaN);
        ChartSpec.Line line = new ChartSpec.Line("l", new double[] {0, 1, 2}, new double[] {1, 3, 1}, Color.RED, 6,
                LineChart.Marker.NONE, 7, false, 0, 0.25f, true, null, null, 0.2f);
        ChartSpec spec = new ChartSpec("t", x, y, List.of(line), LegendPosition.NONE, false);
        ChartRenderer.Drawn d = ChartRenderer.render(spec, 600, 400);
        LineChartTest.assertColor(Color.RED, d.image(), d.toPixel(1, 3), "the peak");
        LineChartTest.assertColor(Color.WHITE, d.image(), d.toPixel(1, 1), "below the peak");
    }
}
