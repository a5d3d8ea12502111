package dev.jacreg.report;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a line chart shows, as immutable data: a title, the two axes, the lines in drawing order and where the legend
 * goes. {@link ChartRenderer} turns a spec into a JFreeChart image; {@link LineChart} is the builder that makes one.
 *
 * @param title  chart title (null for none; '\n' starts a new line)
 * @param x      the horizontal axis (always linear)
 * @param y      the vertical axis
 * @param lines  the series, drawn in this order
 * @param legend legend placement
 * @param grid   whether grid lines are drawn at the ticks
 */
public record ChartSpec(String title, Axis x, Axis y, List<Line> lines, LineChart.LegendPosition legend,
                        boolean grid) {

    /** Axis scale. */
    public enum Scale {
        LINEAR,
        /** Base 10, labelled at powers of ten; values &lt;= 0 are not drawn. */
        LOG
    }

    /**
     * One axis.
     *
     * @param label       axis label (null or blank for none)
     * @param scale       linear or logarithmic
     * @param min         fixed lower bound, or NaN for a range chosen from the data
     * @param max         fixed upper bound (NaN with {@code min})
     * @param tickSpacing distance between linear ticks, or NaN for a "nice" step; ignored on a log scale
     */
    public record Axis(String label, Scale scale, double min, double max, double tickSpacing) {
        public Axis {
            Objects.requireNonNull(scale, "scale");
        }

        /** Whether the range is fixed rather than chosen from the data. */
        public boolean fixed() {
            return !Double.isNaN(min);
        }

        /** Whether a value can be drawn on this axis: finite, and positive on a log scale. */
        public boolean drawable(double v) {
            return Double.isFinite(v) && (scale == Scale.LINEAR || v > 0);
        }

        /** Whether {@code v} lies in the fixed range (always true for a range chosen from the data). */
        boolean covers(double v) {
            if (!fixed()) return true;
            double eps = 1e-9 * (max - min);
            return v >= min - eps && v <= max + eps;
        }
    }

    /**
     * One series with its look. Arrays are copied on creation and by their accessors.
     *
     * @param name            legend text
     * @param x               x values; NaN or infinite ones are skipped and break the line
     * @param y               y values, same length; undrawable ones are skipped and break the line
     * @param color           line, marker and band colour
     * @param width           line width in pixels at 900 x 600; 0 draws markers only
     * @param marker          marker at each point
     * @param markerSize      marker size in pixels at 900 x 600
     * @param dashed          dashed instead of solid line
     * @param smoothingWindow moving-average window; above 1 the raw values are drawn faint under their average
     * @param rawAlpha        opacity of the faint raw line of a smoothed series
     * @param inLegend        whether the series has a legend entry
     * @param bandLower       lower bounds of a shaded band, or null for no band
     * @param bandUpper       upper bounds of the band (null with {@code bandLower})
     * @param bandAlpha       opacity of the band
     */
    public record Line(String name, double[] x, double[] y, Color color, float width, LineChart.Marker marker,
                       float markerSize, boolean dashed, int smoothingWindow, float rawAlpha, boolean inLegend,
                       double[] bandLower, double[] bandUpper, float bandAlpha) {
        public Line {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(color, "color");
            Objects.requireNonNull(marker, "marker");
            if (x.length != y.length || (bandLower != null && (bandLower.length != x.length
                    || bandUpper.length != x.length))) {
                throw new IllegalArgumentException("series '" + name + "': x, y and band need equal lengths");
            }
            x = x.clone();
            y = y.clone();
            bandLower = bandLower == null ? null : bandLower.clone();
            bandUpper = bandUpper == null ? null : bandUpper.clone();
        }

        @Override
        public double[] x() {
            return x.clone();
        }

        @Override
        public double[] y() {
            return y.clone();
        }

        @Override
        public double[] bandLower() {
            return bandLower == null ? null : bandLower.clone();
        }

        @Override
        public double[] bandUpper() {
            return bandUpper == null ? null : bandUpper.clone();
        }

        /** Whether the line shows a moving average over faint raw values. */
        public boolean smoothed() {
            return smoothingWindow > 1;
        }

        /** The y values of the main line: the moving average when smoothed, else the raw values. */
        public double[] shownY() {
            return smoothed() ? MovingAverage.centred(y, smoothingWindow) : y();
        }

        boolean hasBand() {
            return bandLower != null;
        }
    }

    public ChartSpec {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        Objects.requireNonNull(legend, "legend");
        if (x.scale() != Scale.LINEAR) {
            throw new IllegalArgumentException("the x axis must be linear");
        }
        lines = List.copyOf(lines);
    }

    /** Whether a legend is drawn: it is asked for and some line has an entry. */
    public boolean hasLegend() {
        return legend != LineChart.LegendPosition.NONE && lines.stream().anyMatch(Line::inLegend);
    }

    /** Finite x values of points with a drawable y: what an automatic x range covers. */
    double[] xData() {
        List<Double> out = new ArrayList<>();
        for (Line l : lines) {
            for (int i = 0; i < l.x.length; i++) {
                if (Double.isFinite(l.x[i]) && y.drawable(l.y[i])) out.add(l.x[i]);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Drawable y values (band bounds included) of points in the x range: what an automatic y range covers. */
    double[] yData() {
        List<Double> out = new ArrayList<>();
        for (Line l : lines) {
            for (int i = 0; i < l.x.length; i++) {
                if (!Double.isFinite(l.x[i]) || !x.covers(l.x[i])) continue;
                if (y.drawable(l.y[i])) out.add(l.y[i]);
                if (l.hasBand()) {
                    if (y.drawable(l.bandLower[i])) out.add(l.bandLower[i]);
                    if (y.drawable(l.bandUpper[i])) out.add(l.bandUpper[i]);
                }
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
