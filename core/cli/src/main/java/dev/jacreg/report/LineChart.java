package dev.jacreg.report;

import java.awt.Color;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A line chart built step by step and drawn by {@link ChartRenderer} (JFreeChart) into a {@link BufferedImage} or a
 * PNG file. Each call sets one field of the {@link ChartSpec} that rendering takes a snapshot of, after this class's
 * strict input checks.
 *
 * <p>Builder style: {@code new LineChart().title(..).xLabel(..).yLabel(..).xRange(0, 0.5).yRange(0, 100)
 * .add(LineChart.Series.of("Reference", x, y).marker(Marker.CIRCLE)).writePng(path)}.
 *
 * <p>Axes: a range that is not fixed with {@link #xRange}/{@link #yRange} is chosen from the data (extended to whole
 * tick steps); tick spacing is a "nice" step of 1, 2, 2.5 or 5 times a power of ten unless set. With
 * {@link #logY(boolean)} the y axis is logarithmic, with labelled ticks at powers of ten and a faint grid line at
 * each 2..9 multiple (tick spacing is then ignored).
 *
 * <p>Missing values: points whose x or y is NaN or infinite (or, on a log axis, y &lt;= 0) are skipped, and the line
 * is broken there rather than joined across the gap. Lines are clipped to the plot area.
 *
 * <p>Fonts, line widths and margins scale with the image size (reference size 900 x 600), so a larger render is a
 * sharper version of the same figure.
 */
public final class LineChart {

    /** Where the legend goes inside the plot area. */
    public enum LegendPosition {
        /** The inner corner where the legend covers the fewest data points and line segments. */
        BEST,
        UPPER_RIGHT,
        UPPER_LEFT,
        LOWER_LEFT,
        LOWER_RIGHT,
        /** No legend. */
        NONE
    }

    /** Marker drawn at each data point. */
    public enum Marker {
        NONE, CIRCLE, SQUARE, TRIANGLE, DIAMOND
    }

    /** Default series colours (the "tab10" palette) used in order for series without an explicit colour. */
    public static final List<Color> PALETTE = ChartStyle.PALETTE;

    /** One named data series. Values are copied on creation; styling methods return this series. */
    public static final class Series {
        private final String name;
        private final double[] x;
        private final double[] y;
        private Color color;
        private float lineWidth = 2f;
        private Marker marker = Marker.NONE;
        private float markerSize = 7f;
        private boolean dashed;
        private int smoothingWindow;
        private float rawAlpha = 0.25f;
        private boolean inLegend = true;
        private double[] bandLower;
        private double[] bandUpper;
        private float bandAlpha = 0.2f;

        private Series(String name, double[] x, double[] y) {
            this.name = Objects.requireNonNull(name, "series name");
            if (x == null || y == null) {
                throw new IllegalArgumentException("series '" + name + "': x and y must not be null");
            }
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "': x has " + x.length + " values but y has "
                        + y.length);
            }
            if (x.length == 0) {
                throw new IllegalArgumentException("series '" + name + "' is empty");
            }
            this.x = x.clone();
            this.y = y.clone();
        }

        /**
         * A series of points {@code (x[i], y[i])}. NaN or infinite values are allowed and skipped when drawing.
         *
         * @throws IllegalArgumentException when the arrays differ in length or are empty
         */
        public static Series of(String name, double[] x, double[] y) {
            return new Series(name, x, y);
        }

        /** A series of points {@code (i + 1, y[i])}, e.g. one value per training iteration counted from 1. */
        public static Series of(String name, double[] y) {
            if (y == null) {
                throw new IllegalArgumentException("series '" + name + "': y must not be null");
            }
            double[] x = new double[y.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = i + 1;
            }
            return new Series(name, x, y);
        }

        /** Line and marker colour; by default the next unused {@link #PALETTE} colour. */
        public Series color(Color color) {
            this.color = Objects.requireNonNull(color, "color");
            return this;
        }

        /** Line width in pixels at the reference size 900 x 600 (default 2); 0 draws markers only. */
        public Series lineWidth(float width) {
            if (!(width >= 0) || !Float.isFinite(width)) {
                throw new IllegalArgumentException("series '" + name + "': line width must be >= 0, got " + width);
            }
            this.lineWidth = width;
            return this;
        }

        /** Marker drawn at every point (default none). */
        public Series marker(Marker marker) {
            this.marker = Objects.requireNonNull(marker, "marker");
            return this;
        }

        /** Marker size in pixels at the reference size (default 7). */
        public Series markerSize(float size) {
            if (!(size > 0) || !Float.isFinite(size)) {
                throw new IllegalArgumentException("series '" + name + "': marker size must be > 0, got " + size);
            }
            this.markerSize = size;
            return this;
        }

        /** Dashed instead of solid line. */
        public Series dashed(boolean dashed) {
            this.dashed = dashed;
            return this;
        }

        /**
         * Draws the raw values as a thin faint line and, over it, their centred moving average over {@code window}
         * points (see {@link LineChart#movingAverage}). 0 or 1 turns smoothing off.
         */
        public Series smoothing(int window) {
            if (window < 0) {
                throw new IllegalArgumentException("series '" + name + "': smoothing window must be >= 0, got "
                        + window);
            }
            this.smoothingWindow = window;
            return this;
        }

        /** Opacity of the raw line under a smoothed series, in [0, 1] (default 0.25). */
        public Series rawAlpha(float alpha) {
            if (!(alpha >= 0 && alpha <= 1)) {
                throw new IllegalArgumentException("series '" + name + "': alpha must be in [0, 1], got " + alpha);
            }
            this.rawAlpha = alpha;
            return this;
        }

        /**
         * A shaded band from {@code lower[i]} to {@code upper[i]} at each x, drawn under every line in the series'
         * colour (e.g. a confidence interval around a mean). Points where either bound is not finite break the band.
         */
        public Series band(double[] lower, double[] upper) {
            if (lower == null || upper == null || lower.length != x.length || upper.length != x.length) {
                throw new IllegalArgumentException("series '" + name + "': band bounds need " + x.length + " values each");
            }
            this.bandLower = lower.clone();
            this.bandUpper = upper.clone();
            return this;
        }

        /** Opacity of the band, in [0, 1] (default 0.2). */
        public Series bandAlpha(float alpha) {
            if (!(alpha >= 0 && alpha <= 1)) {
                throw new IllegalArgumentException("series '" + name + "': alpha must be in [0, 1], got " + alpha);
            }
            this.bandAlpha = alpha;
            return this;
        }

        /** Whether the series gets a legend entry (default true). */
        public Series showInLegend(boolean show) {
            this.inLegend = show;
            return this;
        }

        public String name() {
            return name;
        }

        /** Number of points. */
        public int size() {
            return x.length;
        }

        /** This series as spec data, drawn in {@code color}. */
        private ChartSpec.Line toLine(Color color) {
            return new ChartSpec.Line(name, x, y, color, lineWidth, marker, markerSize, dashed, smoothingWindow,
                    rawAlpha, inLegend, bandLower, bandUpper, bandAlpha);
        }
    }

    private String title;
    private String xLabel;
    private String yLabel;
    private double xMin = Double.NaN;
    private double xMax = Double.NaN;
    private double yMin = Double.NaN;
    private double yMax = Double.NaN;
    private double xTick = Double.NaN;
    private double yTick = Double.NaN;
    private boolean grid = true;
    private boolean logY;
    private LegendPosition legend = LegendPosition.BEST;
    private int width = ChartStyle.DEFAULT_WIDTH;
    private int height = ChartStyle.DEFAULT_HEIGHT;
    private final List<Series> series = new ArrayList<>();

    /** Chart title above the plot (null for none; '\n' starts a new line). */
    public LineChart title(String title) {
        this.title = title;
        return this;
    }

    /** Label under the x axis (null for none). */
    public LineChart xLabel(String label) {
        this.xLabel = label;
        return this;
    }

    /** Label left of the y axis, drawn rotated (null for none). */
    public LineChart yLabel(String label) {
        this.yLabel = label;
        return this;
    }

    /** Fixes the x axis range; {@code min < max}, both finite. */
    public LineChart xRange(double min, double max) {
        checkRange("x", min, max);
        this.xMin = min;
        this.xMax = max;
        return this;
    }

    /** Fixes the y axis range; {@code min < max}, both finite (and {@code min > 0} on a log axis). */
    public LineChart yRange(double min, double max) {
        checkRange("y", min, max);
        this.yMin = min;
        this.yMax = max;
        return this;
    }

    /** Chooses the x range from the data again (the default). */
    public LineChart autoXRange() {
        xMin = xMax = Double.NaN;
        return this;
    }

    /** Chooses the y range from the data again (the default). */
    public LineChart autoYRange() {
        yMin = yMax = Double.NaN;
        return this;
    }

    /** Distance between x ticks (finite, > 0); ticks sit at whole multiples of it. */
    public LineChart xTickSpacing(double spacing) {
        checkSpacing("x", spacing);
        this.xTick = spacing;
        return this;
    }

    /** Distance between y ticks (finite, > 0); ignored on a log axis. */
    public LineChart yTickSpacing(double spacing) {
        checkSpacing("y", spacing);
        this.yTick = spacing;
        return this;
    }

    /** Grid lines at the ticks (default on). */
    public LineChart grid(boolean grid) {
        this.grid = grid;
        return this;
    }

    /** Logarithmic y axis (default off). */
    public LineChart logY(boolean logY) {
        this.logY = logY;
        return this;
    }

    /** Legend placement (default {@link LegendPosition#BEST}). */
    public LineChart legend(LegendPosition position) {
        this.legend = Objects.requireNonNull(position, "position");
        return this;
    }

    /** Size used by {@link #render()} and {@link #writePng(Path)} (default 900 x 600). */
    public LineChart size(int width, int height) {
        ChartRenderer.checkSize(width, height);
        this.width = width;
        this.height = height;
        return this;
    }

    /** Adds a series; series are drawn in the order added. */
    public LineChart add(Series s) {
        series.add(Objects.requireNonNull(s, "series"));
        return this;
    }

    /** Adds {@code Series.of(name, x, y).color(color)}. */
    public LineChart add(String name, double[] x, double[] y, Color color) {
        return add(Series.of(name, x, y).color(color));
    }

    /** The series added so far (unmodifiable). */
    public List<Series> series() {
        return List.copyOf(series);
    }

    /** Renders at the configured size. */
    public BufferedImage render() {
        return render(width, height);
    }

    /** Writes a PNG at the configured size, atomically (see {@link Png#write}). */
    public void writePng(Path path) throws IOException {
        writePng(path, width, height);
    }

    /** Writes a PNG of the given size, atomically (see {@link Png#write}). */
    public void writePng(Path path, int width, int height) throws IOException {
        ChartRenderer.writePng(spec(), path, width, height);
    }

    /**
     * Renders the chart into a new {@code width x height} RGB image.
     *
     * @throws IllegalArgumentException when the size is too small for the labels, a log axis gets a range that is not
     *                                  positive, or tick spacing would give more than 200 ticks
     */
    public BufferedImage render(int width, int height) {
        return ChartRenderer.render(spec(), width, height).image();
    }

    /** The plot area (inside the axes) in an image of the given size. */
    public Rectangle2D plotArea(int width, int height) {
        return ChartRenderer.render(spec(), width, height).plotArea();
    }

    /** Where the data point {@code (x, y)} is drawn in an image of the given size (pixel coordinates). */
    public Point2D toPixel(double x, double y, int width, int height) {
        return ChartRenderer.render(spec(), width, height).toPixel(x, y);
    }

    /** What the chart shows now, as immutable data; series without a colour get the next {@link #PALETTE} colour. */
    public ChartSpec spec() {
        List<ChartSpec.Line> lines = new ArrayList<>();
        int nextColor = 0;
        for (Series s : series) {
            lines.add(s.toLine(s.color != null ? s.color : PALETTE.get(nextColor++ % PALETTE.size())));
        }
        ChartSpec.Axis x = new ChartSpec.Axis(xLabel, ChartSpec.Scale.LINEAR, xMin, xMax, xTick);
        ChartSpec.Axis y = new ChartSpec.Axis(yLabel, logY ? ChartSpec.Scale.LOG : ChartSpec.Scale.LINEAR, yMin, yMax,
                yTick);
        return new ChartSpec(title, x, y, lines, legend, grid);
    }

    /**
     * Centred moving average, as smoothed series show it: element i is the mean of the finite values among
     * {@code y[i - window/2 .. i - window/2 + window - 1]}, the window being cut at the ends of the array; NaN where
     * that window holds no finite value.
     *
     * @throws IllegalArgumentException when {@code window < 1}
     */
    public static double[] movingAverage(double[] y, int window) {
        return MovingAverage.centred(y, window);
    }

    private static void checkRange(String axis, double min, double max) {
        if (!Double.isFinite(min) || !Double.isFinite(max) || !(min < max)) {
            throw new IllegalArgumentException(axis + " range must be finite with min < max, got [" + min + ", " + max
                    + "]");
        }
    }

    private static void checkSpacing(String axis, double spacing) {
        if (!Double.isFinite(spacing) || !(spacing > 0)) {
            throw new IllegalArgumentException(axis + " tick spacing must be finite and > 0, got " + spacing);
        }
    }

}
