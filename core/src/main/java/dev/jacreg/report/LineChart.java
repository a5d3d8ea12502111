package dev.jacreg.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.font.FontRenderContext;
import java.awt.font.LineMetrics;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A line chart rendered with Java2D into a {@link BufferedImage} or a PNG file; works headless and uses only the
 * logical font "SansSerif".
 *
 * <p>Builder style: {@code new LineChart().title(..).xLabel(..).yLabel(..).xRange(0, 0.5).yRange(0, 100)
 * .add(LineChart.Series.of("Reference", x, y).marker(Marker.CIRCLE)).writePng(path)}.
 *
 * <p>Axes: a range that is not fixed with {@link #xRange}/{@link #yRange} is chosen automatically from the data
 * (extended to whole tick steps); tick spacing is automatic ("nice" steps of 1, 2, 2.5 or 5 times a power of ten)
 * unless set. With {@link #logY(boolean)} the y axis is logarithmic, with ticks at powers of ten (tick spacing is then
 * ignored).
 *
 * <p>Missing values: points whose x or y is NaN or infinite (or, on a log axis, y &lt;= 0) are skipped, and the line
 * is broken there rather than joined across the gap. Parts of lines outside the axis ranges are clipped; markers are
 * drawn only for points inside the ranges.
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
    public static final List<Color> PALETTE = List.of(
            new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
            new Color(0xbcbd22), new Color(0x17becf));

    private static final double REFERENCE_WIDTH = 900;
    private static final double REFERENCE_HEIGHT = 600;
    private static final int MAX_TICKS = 200;
    private static final Color TEXT = new Color(0x222222);
    private static final Color FRAME = new Color(0x444444);
    private static final Color GRID = new Color(0xdddddd);
    private static final Color MINOR_GRID = new Color(0xf0f0f0);

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

        private boolean smoothed() {
            return smoothingWindow > 1;
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
    private int width = 900;
    private int height = 600;
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
        checkSize(width, height);
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
        Png.write(render(width, height), path);
    }

    /**
     * Renders the chart into a new {@code width x height} RGB image.
     *
     * @throws IllegalArgumentException when the size is too small for the labels, a log axis gets a range that is not
     *                                  positive, or tick spacing would give more than 200 ticks
     */
    public BufferedImage render(int width, int height) {
        checkSize(width, height);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            applyHints(g);
            Layout L = layout(width, height, g.getFontRenderContext());
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            drawGrid(g, L);
            drawSeries(g, L);
            drawAxes(g, L);
            drawLegend(g, L);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** The plot area (inside the axes) in an image of the given size. */
    public Rectangle2D plotArea(int width, int height) {
        checkSize(width, height);
        return (Rectangle2D) layout(width, height, scratchFrc()).plot.clone();
    }

    /** Where the data point {@code (x, y)} is drawn in an image of the given size (pixel coordinates). */
    public Point2D toPixel(double x, double y, int width, int height) {
        checkSize(width, height);
        Layout l = layout(width, height, scratchFrc());
        return new Point2D.Double(l.px(x), l.py(y));
    }

    /**
     * Centred moving average: element i is the mean of the finite values among {@code y[i - window/2 ..
     * i - window/2 + window - 1]}, the window being cut at the ends of the array; NaN where that window holds no
     * finite value. No lag, so the smoothed curve lines up with the raw one.
     */
    public static double[] movingAverage(double[] y, int window) {
        Objects.requireNonNull(y, "y");
        if (window < 1) {
            throw new IllegalArgumentException("moving average window must be >= 1, got " + window);
        }
        int n = y.length;
        double[] sum = new double[n + 1];
        int[] count = new int[n + 1];
        for (int i = 0; i < n; i++) {
            boolean ok = Double.isFinite(y[i]);
            sum[i + 1] = sum[i] + (ok ? y[i] : 0);
            count[i + 1] = count[i] + (ok ? 1 : 0);
        }
        double[] out = new double[n];
        int before = window / 2;
        for (int i = 0; i < n; i++) {
            int lo = Math.max(0, i - before);
            int hi = Math.min(n, i - before + window);
            int c = count[hi] - count[lo];
            out[i] = c == 0 ? Double.NaN : (sum[hi] - sum[lo]) / c;
        }
        return out;
    }

    // ---------------------------------------------------------------- layout

    private record Axis(double min, double max, boolean log, double[] ticks, String[] labels, double[] minor) {
        double fraction(double v) {
            return log ? (Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))
                    : (v - min) / (max - min);
        }

        boolean contains(double v) {
            double eps = log ? 1e-9 * v : 1e-9 * (max - min);
            return v >= min - eps && v <= max + eps;
        }
    }

    private record Layout(int width, int height, Rectangle2D plot, Axis x, Axis y, float s, Font titleFont,
                          Font labelFont, Font tickFont, Font legendFont, FontRenderContext frc) {
        double px(double v) {
            return plot.getX() + x.fraction(v) * plot.getWidth();
        }

        double py(double v) {
            return plot.getMaxY() - y.fraction(v) * plot.getHeight();
        }
    }

    private Layout layout(int width, int height, FontRenderContext frc) {
        float s = (float) Math.max(0.5, Math.min(4.0, Math.min(width / REFERENCE_WIDTH, height / REFERENCE_HEIGHT)));
        float fs = Math.max(s, 0.8f); // text shrinks less than the rest, to stay readable in small images
        Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        Font titleFont = base.deriveFont(Font.BOLD, 20f * fs);
        Font labelFont = base.deriveFont(16f * fs);
        Font tickFont = base.deriveFont(14f * fs);
        Font legendFont = base.deriveFont(14f * fs);

        Axis xa = linearAxis("x", xData(), xMin, xMax, xTick);
        Axis ya = logY ? logAxis(yData(xa)) : linearAxis("y", yData(xa), yMin, yMax, yTick);

        double pad = 14 * s;
        double gap = 6 * s;
        double tickLen = 5 * s;
        double tickH = lineHeight(tickFont, frc);
        double maxYTickW = 0;
        for (String l : ya.labels) {
            maxYTickW = Math.max(maxYTickW, textWidth(tickFont, l, frc));
        }
        double left = pad + (blank(yLabel) ? 0 : lineHeight(labelFont, frc) + gap) + maxYTickW + gap + tickLen;
        double top = blank(title) ? Math.max(pad, tickH / 2 + gap)
                : pad + lines(title).length * lineHeight(titleFont, frc) + 1.5 * gap;
        double bottom = tickLen + gap + tickH + (blank(xLabel) ? 0 : gap + lineHeight(labelFont, frc)) + pad;
        double lastXTickW = xa.labels.length == 0 ? 0 : textWidth(tickFont, xa.labels[xa.labels.length - 1], frc);
        double right = Math.max(pad * 1.5, lastXTickW / 2 + pad / 2);
        double pw = width - left - right;
        double ph = height - top - bottom;
        if (pw < 20 || ph < 20) {
            throw new IllegalArgumentException("image " + width + "x" + height
                    + " is too small for the chart's labels (plot area would be " + (int) pw + "x" + (int) ph + ")");
        }
        Rectangle2D plot = new Rectangle2D.Double(Math.round(left), Math.round(top), Math.round(pw), Math.round(ph));
        return new Layout(width, height, plot, xa, ya, s, titleFont, labelFont, tickFont, legendFont, frc);
    }

    /** Finite x values of points with a drawable y. */
    private double[] xData() {
        List<Double> out = new ArrayList<>();
        for (Series sr : series) {
            for (int i = 0; i < sr.x.length; i++) {
                if (Double.isFinite(sr.x[i]) && drawableY(sr.y[i])) {
                    out.add(sr.x[i]);
                }
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Drawable y values (band bounds included) of points whose x lies on the axis. */
    private double[] yData(Axis xa) {
        List<Double> out = new ArrayList<>();
        for (Series sr : series) {
            for (int i = 0; i < sr.x.length; i++) {
                if (Double.isFinite(sr.x[i]) && drawableY(sr.y[i]) && xa.contains(sr.x[i])) {
                    out.add(sr.y[i]);
                }
                if (sr.bandLower != null && Double.isFinite(sr.x[i]) && xa.contains(sr.x[i])) {
                    if (drawableY(sr.bandLower[i])) out.add(sr.bandLower[i]);
                    if (drawableY(sr.bandUpper[i])) out.add(sr.bandUpper[i]);
                }
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private boolean drawableY(double v) {
        return Double.isFinite(v) && (!logY || v > 0);
    }

    private static Axis linearAxis(String name, double[] data, double fixedMin, double fixedMax, double spacing) {
        double min;
        double max;
        boolean fixed = !Double.isNaN(fixedMin);
        if (fixed) {
            min = fixedMin;
            max = fixedMax;
        } else {
            min = Double.POSITIVE_INFINITY;
            max = Double.NEGATIVE_INFINITY;
            for (double v : data) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            if (data.length == 0) {
                min = 0;
                max = 1;
            } else if (min == max) {
                double d = min == 0 ? 1 : Math.abs(min) * 0.1;
                min -= d;
                max += d;
            }
        }
        double step = Double.isNaN(spacing) ? niceStep((max - min) / 6) : spacing;
        if (!fixed) {
            min = Math.floor(min / step + 1e-9) * step;
            max = Math.ceil(max / step - 1e-9) * step;
        }
        double kLo = Math.ceil(min / step - 1e-9);
        double kHi = Math.floor(max / step + 1e-9);
        if (kHi - kLo + 1 > MAX_TICKS) {
            throw new IllegalArgumentException(name + " tick spacing " + step + " gives " + (long) (kHi - kLo + 1)
                    + " ticks on [" + min + ", " + max + "] (at most " + MAX_TICKS + ")");
        }
        int n = (int) Math.max(0, kHi - kLo + 1);
        double[] ticks = new double[n];
        String[] labels = new String[n];
        int decimals = decimals(step);
        boolean scientific = Math.max(Math.abs(min), Math.abs(max)) >= 1e7 || step < 1e-6;
        for (int i = 0; i < n; i++) {
            double v = (kLo + i) * step;
            v = v == 0 ? 0.0 : v; // no "-0"
            ticks[i] = v;
            labels[i] = scientific ? sci(v) : String.format(Locale.ROOT, "%." + decimals + "f", v);
        }
        return new Axis(min, max, false, ticks, labels, new double[0]);
    }

    private Axis logAxis(double[] data) {
        double min;
        double max;
        if (!Double.isNaN(yMin)) {
            if (yMin <= 0) {
                throw new IllegalArgumentException("log y axis needs a positive range, got [" + yMin + ", " + yMax
                        + "]");
            }
            min = yMin;
            max = yMax;
        } else if (data.length == 0) {
            min = 1;
            max = 10;
        } else {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double v : data) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            min = snapLog(lo, false);
            max = snapLog(hi, true);
            if (max <= min) {
                max = snapLog(min * 1.0001, true);
            }
        }
        int eFirst = (int) Math.floor(Math.log10(min));
        int eLast = (int) Math.ceil(Math.log10(max));
        if (eLast - eFirst > MAX_TICKS) {
            throw new IllegalArgumentException("log y axis [" + min + ", " + max + "] spans too many decades");
        }
        Axis probe = new Axis(min, max, true, new double[0], new String[0], new double[0]);
        List<Double> major = new ArrayList<>();
        for (int e = eFirst; e <= eLast; e++) {
            double v = Double.parseDouble("1e" + e);
            if (probe.contains(v)) {
                major.add(v);
            }
        }
        int[] mantissas = major.size() >= 3 ? new int[0] : major.size() == 2 ? new int[] {2, 5} : new int[] {2, 3, 5};
        List<Double> minor = new ArrayList<>();
        for (int e = eFirst - 1; e <= eLast; e++) {
            for (int m = 2; m <= 9; m++) {
                double v = Double.parseDouble(m + "e" + e);
                if (!probe.contains(v)) {
                    continue;
                }
                boolean promoted = false;
                for (int pm : mantissas) {
                    promoted |= pm == m;
                }
                if (promoted) {
                    major.add(v);
                } else if (eLast - eFirst <= 8) {
                    minor.add(v);
                }
            }
        }
        major.sort(null);
        double[] ticks = major.stream().mapToDouble(Double::doubleValue).toArray();
        String[] labels = new String[ticks.length];
        for (int i = 0; i < ticks.length; i++) {
            double v = ticks[i];
            labels[i] = v >= 1e-4 && v < 1e6
                    ? new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros().toPlainString()
                    : sci(v);
        }
        return new Axis(min, max, true, ticks, labels, minor.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** The nearest value of the form {1, 2, 5} x 10^k at or below (or, with {@code up}, at or above) v > 0. */
    private static double snapLog(double v, boolean up) {
        int e = (int) Math.floor(Math.log10(v));
        double[] candidates = new double[12];
        int n = 0;
        for (int k = e - 1; k <= e + 1; k++) {
            for (int m : new int[] {1, 2, 5}) {
                candidates[n++] = Double.parseDouble(m + "e" + k);
            }
        }
        double best = up ? Double.parseDouble("1e" + (e + 2)) : Double.parseDouble("1e" + (e - 1));
        for (int i = 0; i < n; i++) {
            double c = candidates[i];
            if (up ? c >= v * (1 - 1e-12) && c < best : c <= v * (1 + 1e-12) && c > best) {
                best = c;
            }
        }
        return best;
    }

    /** A step of 1, 2, 2.5 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / mag;
        double nice = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 2.5 + 1e-9 ? 2.5 : f <= 5 + 1e-9 ? 5 : 10;
        return nice * mag;
    }

    /** Decimal places needed to print multiples of {@code step} exactly. */
    private static int decimals(double step) {
        for (int d = 0; d < 12; d++) {
            double scaled = step * Math.pow(10, d);
            if (Math.abs(scaled - Math.rint(scaled)) < 1e-6 * Math.max(1, scaled)) {
                return d;
            }
        }
        return 12;
    }

    private static String sci(double v) {
        if (v == 0) {
            return "0";
        }
        String s = String.format(Locale.ROOT, "%.3e", v); // e.g. 1.500e-05
        int e = s.indexOf('e');
        String mant = s.substring(0, e).replaceAll("\\.?0+$", "");
        int exp = Integer.parseInt(s.substring(e + 1));
        return mant + "e" + exp;
    }

    // ---------------------------------------------------------------- drawing

    private void drawGrid(Graphics2D g, Layout L) {
        if (!grid) {
            return;
        }
        Rectangle2D p = L.plot;
        g.setStroke(new BasicStroke(Math.max(1f, L.s)));
        g.setColor(MINOR_GRID);
        for (double v : L.y.minor) {
            double yy = L.py(v);
            g.draw(new Line2D.Double(p.getX(), yy, p.getMaxX(), yy));
        }
        g.setColor(GRID);
        for (double v : L.x.ticks) {
            double xx = L.px(v);
            g.draw(new Line2D.Double(xx, p.getY(), xx, p.getMaxY()));
        }
        for (double v : L.y.ticks) {
            double yy = L.py(v);
            g.draw(new Line2D.Double(p.getX(), yy, p.getMaxX(), yy));
        }
    }

    /** The colour of each series: its own or the next palette colour. */
    private List<Color> colors() {
        List<Color> out = new ArrayList<>();
        int next = 0;
        for (Series sr : series) {
            out.add(sr.color != null ? sr.color : PALETTE.get(next++ % PALETTE.size()));
        }
        return out;
    }

    /** Polylines (in pixels) through the drawable points, broken at skipped points. */
    private List<Path2D> paths(Layout L, double[] x, double[] y) {
        List<Path2D> out = new ArrayList<>();
        Path2D cur = null;
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i]) || !drawableY(y[i])) {
                cur = null;
                continue;
            }
            double px = L.px(x[i]);
            double py = L.py(y[i]);
            if (cur == null) {
                cur = new Path2D.Double();
                cur.moveTo(px, py);
                out.add(cur);
            } else {
                cur.lineTo(px, py);
            }
        }
        return out;
    }

    /** Closed polygons (upper bound left to right, lower bound back) over each run of drawable band points. */
    private List<Path2D> bands(Layout L, Series sr) {
        List<Path2D> out = new ArrayList<>();
        int i = 0;
        while (i < sr.x.length) {
            int start = i;
            while (i < sr.x.length && Double.isFinite(sr.x[i]) && drawableY(sr.bandLower[i])
                    && drawableY(sr.bandUpper[i])) {
                i++;
            }
            if (i > start) {
                Path2D p = new Path2D.Double();
                p.moveTo(L.px(sr.x[start]), L.py(sr.bandUpper[start]));
                for (int j = start + 1; j < i; j++) p.lineTo(L.px(sr.x[j]), L.py(sr.bandUpper[j]));
                for (int j = i - 1; j >= start; j--) p.lineTo(L.px(sr.x[j]), L.py(sr.bandLower[j]));
                p.closePath();
                out.add(p);
            } else {
                i++;
            }
        }
        return out;
    }

    private BasicStroke lineStroke(Series sr, float s, float width) {
        float w = width * s;
        return sr.dashed
                ? new BasicStroke(w, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
                        new float[] {6 * s + 2 * w, 3 * s + 2 * w}, 0f)
                : new BasicStroke(w, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    }

    private void drawSeries(Graphics2D g, Layout L) {
        List<Color> colors = colors();
        Shape oldClip = g.getClip();
        g.clip(L.plot);
        // bands under everything
        for (int k = 0; k < series.size(); k++) {
            Series sr = series.get(k);
            if (sr.bandLower == null) {
                continue;
            }
            Color c = colors.get(k);
            g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), Math.round(sr.bandAlpha * 255)));
            for (Path2D p : bands(L, sr)) {
                g.fill(p);
            }
        }
        // raw lines under smoothed series first, so every main line is drawn over all faint ones
        for (int k = 0; k < series.size(); k++) {
            Series sr = series.get(k);
            if (sr.smoothed()) {
                Color c = colors.get(k);
                g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), Math.round(sr.rawAlpha * 255)));
                g.setStroke(new BasicStroke(Math.max(1f, sr.lineWidth * 0.6f) * L.s, BasicStroke.CAP_ROUND,
                        BasicStroke.JOIN_ROUND));
                for (Path2D p : paths(L, sr.x, sr.y)) {
                    g.draw(p);
                }
            }
        }
        for (int k = 0; k < series.size(); k++) {
            Series sr = series.get(k);
            if (sr.lineWidth <= 0) {
                continue;
            }
            g.setColor(colors.get(k));
            g.setStroke(lineStroke(sr, L.s, sr.lineWidth));
            for (Path2D p : paths(L, sr.x, mainY(sr))) {
                g.draw(p);
            }
        }
        g.setClip(oldClip);
        for (int k = 0; k < series.size(); k++) {
            Series sr = series.get(k);
            if (sr.marker == Marker.NONE) {
                continue;
            }
            double[] y = mainY(sr);
            g.setColor(colors.get(k));
            for (int i = 0; i < sr.x.length; i++) {
                if (Double.isFinite(sr.x[i]) && drawableY(y[i]) && L.x.contains(sr.x[i]) && L.y.contains(y[i])) {
                    drawMarker(g, sr.marker, L.px(sr.x[i]), L.py(y[i]), sr.markerSize * L.s);
                }
            }
        }
    }

    private double[] mainY(Series sr) {
        return sr.smoothed() ? movingAverage(sr.y, sr.smoothingWindow) : sr.y;
    }

    private static void drawMarker(Graphics2D g, Marker m, double cx, double cy, double size) {
        double r = size / 2;
        Shape shape = switch (m) {
            case CIRCLE -> new Ellipse2D.Double(cx - r, cy - r, size, size);
            case SQUARE -> new Rectangle2D.Double(cx - r * 0.9, cy - r * 0.9, size * 0.9, size * 0.9);
            case TRIANGLE -> {
                Path2D t = new Path2D.Double();
                t.moveTo(cx, cy - r * 1.15);
                t.lineTo(cx + r * 1.05, cy + r * 0.75);
                t.lineTo(cx - r * 1.05, cy + r * 0.75);
                t.closePath();
                yield t;
            }
            case DIAMOND -> {
                Path2D d = new Path2D.Double();
                d.moveTo(cx, cy - r * 1.2);
                d.lineTo(cx + r * 0.9, cy);
                d.lineTo(cx, cy + r * 1.2);
                d.lineTo(cx - r * 0.9, cy);
                d.closePath();
                yield d;
            }
            case NONE -> null;
        };
        if (shape != null) {
            g.fill(shape);
        }
    }

    private void drawAxes(Graphics2D g, Layout L) {
        Rectangle2D p = L.plot;
        float s = L.s;
        double tickLen = 5 * s;
        double gap = 6 * s;
        double pad = 14 * s;
        g.setColor(FRAME);
        g.setStroke(new BasicStroke(Math.max(1f, 1.2f * s), BasicStroke.CAP_SQUARE, BasicStroke.JOIN_MITER));
        g.draw(p);
        g.setFont(L.tickFont);
        LineMetrics tm = L.tickFont.getLineMetrics("0123456789", L.frc);
        for (int i = 0; i < L.x.ticks.length; i++) {
            double xx = L.px(L.x.ticks[i]);
            g.setColor(FRAME);
            g.draw(new Line2D.Double(xx, p.getMaxY(), xx, p.getMaxY() + tickLen));
            g.setColor(TEXT);
            double w = textWidth(L.tickFont, L.x.labels[i], L.frc);
            g.drawString(L.x.labels[i], (float) (xx - w / 2), (float) (p.getMaxY() + tickLen + gap + tm.getAscent()));
        }
        for (int i = 0; i < L.y.ticks.length; i++) {
            double yy = L.py(L.y.ticks[i]);
            g.setColor(FRAME);
            g.draw(new Line2D.Double(p.getX() - tickLen, yy, p.getX(), yy));
            g.setColor(TEXT);
            double w = textWidth(L.tickFont, L.y.labels[i], L.frc);
            g.drawString(L.y.labels[i], (float) (p.getX() - tickLen - gap - w),
                    (float) (yy + (tm.getAscent() - tm.getDescent()) / 2));
        }
        g.setColor(TEXT);
        if (!blank(xLabel)) {
            g.setFont(L.labelFont);
            LineMetrics lm = L.labelFont.getLineMetrics(xLabel, L.frc);
            double w = textWidth(L.labelFont, xLabel, L.frc);
            double base = p.getMaxY() + tickLen + gap + lineHeight(L.tickFont, L.frc) + gap + lm.getAscent();
            g.drawString(xLabel, (float) (p.getCenterX() - w / 2), (float) base);
        }
        if (!blank(yLabel)) {
            g.setFont(L.labelFont);
            LineMetrics lm = L.labelFont.getLineMetrics(yLabel, L.frc);
            double w = textWidth(L.labelFont, yLabel, L.frc);
            AffineTransform old = g.getTransform();
            g.translate(pad + lm.getAscent(), p.getCenterY());
            g.rotate(-Math.PI / 2);
            g.drawString(yLabel, (float) (-w / 2), 0f);
            g.setTransform(old);
        }
        if (!blank(title)) {
            g.setFont(L.titleFont);
            double lh = lineHeight(L.titleFont, L.frc);
            LineMetrics lm = L.titleFont.getLineMetrics(title, L.frc);
            String[] lines = lines(title);
            for (int i = 0; i < lines.length; i++) {
                double w = textWidth(L.titleFont, lines[i], L.frc);
                // centred over the plot area, shifted as needed to stay inside the image
                double cx = p.getCenterX();
                cx = Math.min(cx, L.width - pad - w / 2);
                cx = Math.max(cx, pad + w / 2);
                g.drawString(lines[i], (float) (cx - w / 2), (float) (pad + i * lh + lm.getAscent()));
            }
        }
    }

    private void drawLegend(Graphics2D g, Layout L) {
        if (legend == LegendPosition.NONE) {
            return;
        }
        List<Color> colors = colors();
        List<Integer> entries = new ArrayList<>();
        for (int k = 0; k < series.size(); k++) {
            if (series.get(k).inLegend) {
                entries.add(k);
            }
        }
        if (entries.isEmpty()) {
            return;
        }
        float s = L.s;
        double inset = 10 * s;
        double innerPad = 8 * s;
        double sampleW = 32 * s;
        double gap = 8 * s;
        double rowH = lineHeight(L.legendFont, L.frc) + 3 * s;
        double maxName = 0;
        for (int k : entries) {
            maxName = Math.max(maxName, textWidth(L.legendFont, series.get(k).name, L.frc));
        }
        double bw = innerPad * 2 + sampleW + gap + maxName;
        double bh = innerPad * 2 + rowH * entries.size();
        Rectangle2D p = L.plot;
        Rectangle2D ur = new Rectangle2D.Double(p.getMaxX() - inset - bw, p.getY() + inset, bw, bh);
        Rectangle2D ul = new Rectangle2D.Double(p.getX() + inset, p.getY() + inset, bw, bh);
        Rectangle2D ll = new Rectangle2D.Double(p.getX() + inset, p.getMaxY() - inset - bh, bw, bh);
        Rectangle2D lr = new Rectangle2D.Double(p.getMaxX() - inset - bw, p.getMaxY() - inset - bh, bw, bh);
        Rectangle2D box = switch (legend) {
            case UPPER_RIGHT -> ur;
            case UPPER_LEFT -> ul;
            case LOWER_LEFT -> ll;
            case LOWER_RIGHT -> lr;
            default -> {
                Rectangle2D best = ur;
                long bestHits = Long.MAX_VALUE;
                for (Rectangle2D c : List.of(ur, ul, ll, lr)) {
                    long hits = hits(L, c);
                    if (hits < bestHits) {
                        bestHits = hits;
                        best = c;
                    }
                }
                yield best;
            }
        };
        RoundRectangle2D frame = new RoundRectangle2D.Double(box.getX(), box.getY(), bw, bh, 6 * s, 6 * s);
        g.setColor(new Color(255, 255, 255, 235));
        g.fill(frame);
        g.setColor(new Color(0xbbbbbb));
        g.setStroke(new BasicStroke(Math.max(1f, s)));
        g.draw(frame);
        g.setFont(L.legendFont);
        LineMetrics lm = L.legendFont.getLineMetrics("Ag", L.frc);
        for (int i = 0; i < entries.size(); i++) {
            Series sr = series.get(entries.get(i));
            Color c = colors.get(entries.get(i));
            double cy = box.getY() + innerPad + rowH * (i + 0.5);
            double x0 = box.getX() + innerPad;
            g.setColor(c);
            if (sr.lineWidth > 0) {
                g.setStroke(lineStroke(sr, s, sr.lineWidth));
                g.draw(new Line2D.Double(x0 + sr.lineWidth * s / 2, cy, x0 + sampleW - sr.lineWidth * s / 2, cy));
            }
            if (sr.marker != Marker.NONE) {
                drawMarker(g, sr.marker, x0 + sampleW / 2, cy, sr.markerSize * s);
            }
            g.setColor(TEXT);
            g.drawString(sr.name, (float) (x0 + sampleW + gap), (float) (cy + (lm.getAscent() - lm.getDescent()) / 2));
        }
    }

    /** How much data a legend box at {@code r} would hide: segments crossing it and points inside it. */
    private long hits(Layout L, Rectangle2D r) {
        long hits = 0;
        for (Series sr : series) {
            double[] y = mainY(sr);
            double lastX = Double.NaN;
            double lastY = Double.NaN;
            for (int i = 0; i < sr.x.length; i++) {
                if (!Double.isFinite(sr.x[i]) || !drawableY(y[i])) {
                    lastX = Double.NaN;
                    continue;
                }
                double px = L.px(sr.x[i]);
                double py = L.py(y[i]);
                if (r.contains(px, py)) {
                    hits += 2;
                } else if (!Double.isNaN(lastX) && r.intersectsLine(lastX, lastY, px, py)) {
                    hits += 1;
                }
                lastX = px;
                lastY = py;
            }
        }
        return hits;
    }

    // ---------------------------------------------------------------- helpers

    private static void applyHints(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
    }

    private static FontRenderContext scratchFrc() {
        BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            applyHints(g);
            return g.getFontRenderContext();
        } finally {
            g.dispose();
        }
    }

    private static double textWidth(Font f, String s, FontRenderContext frc) {
        return f.getStringBounds(s, frc).getWidth();
    }

    private static double lineHeight(Font f, FontRenderContext frc) {
        LineMetrics m = f.getLineMetrics("Ag", frc);
        return m.getAscent() + m.getDescent();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String[] lines(String s) {
        return s.split("\n", -1);
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

    private static void checkSize(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
    }
}
