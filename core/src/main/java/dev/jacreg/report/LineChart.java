package dev.jacreg.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYPolygonAnnotation;
import org.jfree.chart.annotations.XYTitleAnnotation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.TickType;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.Size2D;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A line chart drawn by JFreeChart into a {@link BufferedImage} or a PNG file; works headless and uses only the
 * logical font "SansSerif". This class keeps jacreg's look (palette, fonts scaled with the image, white plot with a
 * dark frame, legend inside the plot) and its strict input checks; JFreeChart does the layout and drawing.
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
        return draw(width, height).image;
    }

    /** The plot area (inside the axes) in an image of the given size. */
    public Rectangle2D plotArea(int width, int height) {
        return (Rectangle2D) draw(width, height).plotArea.clone();
    }

    /** Where the data point {@code (x, y)} is drawn in an image of the given size (pixel coordinates). */
    public Point2D toPixel(double x, double y, int width, int height) {
        return draw(width, height).toPixel(x, y);
    }

    /**
     * Centred moving average: element i is the mean of the finite values among {@code y[i - window/2 ..
     * i - window/2 + window - 1]}, the window being cut at the ends of the array; NaN where that window holds no
     * finite value. No lag, so the smoothed curve lines up with the raw one (JFreeChart's MovingAverage trails).
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

    /** A step of 1, 2, 2.5 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / mag;
        double nice = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 2.5 + 1e-9 ? 2.5 : f <= 5 + 1e-9 ? 5 : 10;
        return nice * mag;
    }

    // ---------------------------------------------------------------- building the JFreeChart

    /** A rendered chart with the geometry the tests and {@link PanelRow} callers ask about. */
    private record Drawn(BufferedImage image, Rectangle2D plotArea, XYPlot plot) {
        Point2D toPixel(double x, double y) {
            return new Point2D.Double(plot.getDomainAxis().valueToJava2D(x, plotArea, RectangleEdge.BOTTOM),
                    plot.getRangeAxis().valueToJava2D(y, plotArea, RectangleEdge.LEFT));
        }
    }

    private Drawn draw(int width, int height) {
        checkSize(width, height);
        float s = (float) Math.max(0.5, Math.min(4.0, Math.min(width / REFERENCE_WIDTH, height / REFERENCE_HEIGHT)));
        float fs = Math.max(s, 0.8f); // text shrinks less than the rest, to stay readable in small images
        Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        Font tickFont = base.deriveFont(14f * fs);

        XYPlot plot = new XYPlot();
        plot.setDomainAxis(linearAxis("x", xLabel, xData(), xMin, xMax, xTick, base, fs, s));
        plot.setRangeAxis(logY ? logAxis(yData(), base, fs, s)
                : linearAxis("y", yLabel, yData(), yMin, yMax, yTick, base, fs, s));
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlinePaint(FRAME);
        plot.setOutlineStroke(new BasicStroke(Math.max(1f, 1.2f * s)));
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        BasicStroke gridStroke = new BasicStroke(Math.max(1f, s));
        plot.setDomainGridlinesVisible(grid);
        plot.setRangeGridlinesVisible(grid);
        plot.setRangeMinorGridlinesVisible(grid && logY);
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        plot.setRangeMinorGridlinePaint(MINOR_GRID);
        plot.setDomainGridlineStroke(gridStroke);
        plot.setRangeGridlineStroke(gridStroke);
        plot.setRangeMinorGridlineStroke(gridStroke);
        XYLineAndShapeRenderer renderer = addSeries(plot, s);

        JFreeChart chart = new JFreeChart(null, base, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        double pad = 14 * s;
        chart.setPadding(new RectangleInsets(pad, pad, pad, Math.max(pad * 1.5, tickFont.getSize2D() * 1.5)));
        if (!blank(title)) {
            TextTitle t = new TextTitle(title, base.deriveFont(Font.BOLD, 20f * fs));
            t.setPaint(TEXT);
            t.setPadding(new RectangleInsets(0, 0, 9 * s, 0));
            chart.setTitle(t);
        }

        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            ChartRenderingInfo info = new ChartRenderingInfo();
            Rectangle2D bounds = new Rectangle2D.Double(0, 0, width, height);
            chart.draw(g, bounds, info);
            Rectangle2D area = (Rectangle2D) info.getPlotInfo().getDataArea().clone();
            if (area.getWidth() < 20 || area.getHeight() < 20) {
                throw new IllegalArgumentException("image " + width + "x" + height
                        + " is too small for the chart's labels (plot area would be " + (int) area.getWidth() + "x"
                        + (int) area.getHeight() + ")");
            }
            Drawn drawn = new Drawn(img, area, plot);
            if (legend != LegendPosition.NONE && series.stream().anyMatch(sr -> sr.inLegend)) {
                // The legend sits inside the plot area, so adding it does not move anything drawn before.
                LegendTitle box = legendBox(renderer, base.deriveFont(14f * fs), s);
                Size2D size = box.arrange(g);
                double inset = 10 * s;
                RectangleAnchor corner = corner(drawn, size.getWidth() + inset, size.getHeight() + inset);
                double rx = corner == RectangleAnchor.TOP_LEFT || corner == RectangleAnchor.BOTTOM_LEFT
                        ? inset / area.getWidth() : 1 - inset / area.getWidth();
                double ry = corner == RectangleAnchor.BOTTOM_LEFT || corner == RectangleAnchor.BOTTOM_RIGHT
                        ? inset / area.getHeight() : 1 - inset / area.getHeight();
                plot.addAnnotation(new XYTitleAnnotation(rx, ry, box, corner));
                chart.draw(g, bounds, info);
            }
            return drawn;
        } finally {
            g.dispose();
        }
    }

    /** One dataset series per line: faint raw lines of smoothed series first, so every main line covers them. */
    private XYLineAndShapeRenderer addSeries(XYPlot plot, float s) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        r.setDrawSeriesLineAsPath(false); // segment by segment, so a NaN point breaks the line
        List<Color> colors = colors();
        for (int k = 0; k < series.size(); k++) {
            Series sr = series.get(k);
            if (sr.bandLower != null) {
                Color c = colors.get(k);
                for (Path2D.Double polygon : bandPolygons(sr)) {
                    r.addAnnotation(new XYPolygonAnnotation(polygonCoordinates(polygon), null, null,
                            withAlpha(c, sr.bandAlpha)), Layer.BACKGROUND);
                }
            }
        }
        for (int k = 0; k < series.size(); k++) {
            Series sr = series.get(k);
            if (!sr.smoothed()) continue;
            int i = addData(data, "raw " + k, sr.x, sr.y);
            r.setSeriesPaint(i, withAlpha(colors.get(k), sr.rawAlpha));
            r.setSeriesStroke(i, new BasicStroke(Math.max(1f, sr.lineWidth * 0.6f) * s, BasicStroke.CAP_ROUND,
                    BasicStroke.JOIN_ROUND));
            r.setSeriesVisibleInLegend(i, false);
        }
        for (int k = 0; k < series.size(); k++) {
            Series sr = series.get(k);
            int i = addData(data, sr.name, sr.x, sr.smoothed() ? movingAverage(sr.y, sr.smoothingWindow) : sr.y);
            r.setSeriesPaint(i, colors.get(k));
            r.setSeriesLinesVisible(i, sr.lineWidth > 0);
            r.setSeriesStroke(i, lineStroke(sr, s));
            r.setSeriesShapesVisible(i, sr.marker != Marker.NONE);
            r.setSeriesShape(i, markerShape(sr.marker, sr.markerSize * s));
            r.setSeriesVisibleInLegend(i, sr.inLegend);
        }
        plot.setDataset(data);
        plot.setRenderer(r);
        return r;
    }

    /** Adds the drawable points (others as NaN, which break the line) and returns the series index. */
    private int addData(XYSeriesCollection data, String key, double[] x, double[] y) {
        XYSeries xy = new XYSeries(new SeriesKey(data.getSeriesCount(), key), false, true);
        for (int i = 0; i < x.length; i++) {
            boolean ok = Double.isFinite(x[i]) && drawableY(y[i]);
            xy.add(ok ? x[i] : Double.NaN, ok ? y[i] : Double.NaN);
        }
        data.addSeries(xy);
        return data.getSeriesCount() - 1;
    }

    /** A unique dataset key that shows as the series name in the legend (names may repeat). */
    private record SeriesKey(int index, String name) implements Comparable<SeriesKey> {
        @Override
        public int compareTo(SeriesKey o) {
            return Integer.compare(index, o.index);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Closed polygons (upper bound left to right, lower bound back) over each run of drawable band points. */
    private List<Path2D.Double> bandPolygons(Series sr) {
        List<Path2D.Double> out = new ArrayList<>();
        int i = 0;
        while (i < sr.x.length) {
            int start = i;
            while (i < sr.x.length && Double.isFinite(sr.x[i]) && drawableY(sr.bandLower[i])
                    && drawableY(sr.bandUpper[i])) {
                i++;
            }
            if (i > start) {
                Path2D.Double p = new Path2D.Double();
                p.moveTo(sr.x[start], sr.bandUpper[start]);
                for (int j = start + 1; j < i; j++) p.lineTo(sr.x[j], sr.bandUpper[j]);
                for (int j = i - 1; j >= start; j--) p.lineTo(sr.x[j], sr.bandLower[j]);
                out.add(p);
            } else {
                i++;
            }
        }
        return out;
    }

    private static double[] polygonCoordinates(Path2D.Double p) {
        List<Double> xy = new ArrayList<>();
        double[] c = new double[6];
        for (var it = p.getPathIterator(null); !it.isDone(); it.next()) {
            it.currentSegment(c);
            xy.add(c[0]);
            xy.add(c[1]);
        }
        return xy.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private LegendTitle legendBox(XYLineAndShapeRenderer renderer, Font font, float s) {
        LegendTitle box = new LegendTitle(renderer);
        box.setItemFont(font);
        box.setItemPaint(TEXT);
        box.setBackgroundPaint(new Color(255, 255, 255, 235));
        box.setFrame(new BlockBorder(new Color(0xbbbbbb)));
        box.setPadding(new RectangleInsets(6 * s, 8 * s, 6 * s, 8 * s));
        box.setItemLabelPadding(new RectangleInsets(2 * s, 8 * s, 2 * s, 2 * s));
        box.setLegendItemGraphicPadding(new RectangleInsets(2 * s, 2 * s, 2 * s, 2 * s));
        box.setPosition(RectangleEdge.RIGHT); // one entry per row
        return box;
    }

    private RectangleAnchor corner(Drawn d, double w, double h) {
        Rectangle2D p = d.plotArea;
        Rectangle2D ur = new Rectangle2D.Double(p.getMaxX() - w, p.getY(), w, h);
        Rectangle2D ul = new Rectangle2D.Double(p.getX(), p.getY(), w, h);
        Rectangle2D ll = new Rectangle2D.Double(p.getX(), p.getMaxY() - h, w, h);
        Rectangle2D lr = new Rectangle2D.Double(p.getMaxX() - w, p.getMaxY() - h, w, h);
        return switch (legend) {
            case UPPER_RIGHT -> RectangleAnchor.TOP_RIGHT;
            case UPPER_LEFT -> RectangleAnchor.TOP_LEFT;
            case LOWER_LEFT -> RectangleAnchor.BOTTOM_LEFT;
            case LOWER_RIGHT -> RectangleAnchor.BOTTOM_RIGHT;
            default -> {
                RectangleAnchor best = RectangleAnchor.TOP_RIGHT;
                long bestHits = hits(d, ur);
                if (hits(d, ul) < bestHits) { best = RectangleAnchor.TOP_LEFT; bestHits = hits(d, ul); }
                if (hits(d, ll) < bestHits) { best = RectangleAnchor.BOTTOM_LEFT; bestHits = hits(d, ll); }
                if (hits(d, lr) < bestHits) best = RectangleAnchor.BOTTOM_RIGHT;
                yield best;
            }
        };
    }

    /** How much data a legend box at {@code r} would hide: segments crossing it and points inside it. */
    private long hits(Drawn d, Rectangle2D r) {
        long hits = 0;
        for (Series sr : series) {
            double[] y = sr.smoothed() ? movingAverage(sr.y, sr.smoothingWindow) : sr.y;
            Point2D last = null;
            for (int i = 0; i < sr.x.length; i++) {
                if (!Double.isFinite(sr.x[i]) || !drawableY(y[i])) {
                    last = null;
                    continue;
                }
                Point2D p = d.toPixel(sr.x[i], y[i]);
                if (r.contains(p)) {
                    hits += 2;
                } else if (last != null && r.intersectsLine(last.getX(), last.getY(), p.getX(), p.getY())) {
                    hits += 1;
                }
                last = p;
            }
        }
        return hits;
    }

    // ---------------------------------------------------------------- axes

    private static void styleAxis(ValueAxis axis, Font base, float fs, float s) {
        axis.setLabelFont(base.deriveFont(16f * fs));
        axis.setLabelPaint(TEXT);
        axis.setTickLabelFont(base.deriveFont(14f * fs));
        axis.setTickLabelPaint(TEXT);
        axis.setTickMarkPaint(FRAME);
        axis.setTickMarkStroke(new BasicStroke(Math.max(1f, 1.2f * s)));
        axis.setTickMarkOutsideLength(5 * s);
        axis.setTickMarkInsideLength(0);
        axis.setTickLabelInsets(new RectangleInsets(4 * s, 4 * s, 4 * s, 4 * s));
        axis.setLabelInsets(new RectangleInsets(4 * s, 4 * s, 4 * s, 4 * s));
        axis.setAxisLineVisible(false); // the plot outline is the frame
    }

    /** Fixed or data range (extended to whole tick steps), ticks at multiples of the step. */
    private static NumberAxis linearAxis(String name, String label, double[] data, double fixedMin, double fixedMax,
                                         double spacing, Font base, float fs, float s) {
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
        double ticks = Math.floor(max / step + 1e-9) - Math.ceil(min / step - 1e-9) + 1;
        if (ticks > MAX_TICKS) {
            throw new IllegalArgumentException(name + " tick spacing " + step + " gives " + (long) ticks
                    + " ticks on [" + min + ", " + max + "] (at most " + MAX_TICKS + ")");
        }
        NumberAxis axis = new NumberAxis(blank(label) ? null : label);
        styleAxis(axis, base, fs, s);
        axis.setAutoRangeIncludesZero(false);
        axis.setRange(min, max);
        boolean scientific = Math.max(Math.abs(min), Math.abs(max)) >= 1e7 || step < 1e-6;
        axis.setTickUnit(new NumberTickUnit(step, new TickFormat(scientific ? null : decimals(step), step)), false,
                true);
        axis.setMinorTickCount(0);
        return axis;
    }

    /** Fixed or data range snapped to 1, 2 or 5 times a power of ten; labelled ticks at each power of ten. */
    private LogAxis logAxis(double[] data, Font base, float fs, float s) {
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
        if (Math.log10(max) - Math.log10(min) > MAX_TICKS) {
            throw new IllegalArgumentException("log y axis [" + min + ", " + max + "] spans too many decades");
        }
        LogAxis axis = new DecadeAxis(blank(yLabel) ? null : yLabel);
        styleAxis(axis, base, fs, s);
        axis.setBase(10);
        axis.setSmallestValue(Double.MIN_NORMAL);
        axis.setRange(min, max);
        return axis;
    }

    /**
     * A log axis with labelled ticks at powers of ten, plus 2 and 5 (or 2, 3 and 5) times them when fewer than three
     * powers of ten are in range, and faint grid lines at the other multiples when the axis spans at most 8 decades.
     */
    private static final class DecadeAxis extends LogAxis {
        private static final long serialVersionUID = 1L;

        DecadeAxis(String label) {
            super(label);
        }

        @Override
        protected List refreshTicksVertical(Graphics2D g, Rectangle2D dataArea, RectangleEdge edge) {
            double min = getLowerBound();
            double max = getUpperBound();
            int eFirst = (int) Math.floor(Math.log10(min));
            int eLast = (int) Math.ceil(Math.log10(max));
            List<Double> major = new ArrayList<>();
            for (int e = eFirst; e <= eLast; e++) {
                double v = Double.parseDouble("1e" + e);
                if (inRange(v)) major.add(v);
            }
            List<Integer> promoted = major.size() >= 3 ? List.of() : major.size() == 2 ? List.of(2, 5) : List.of(2, 3, 5);
            List<NumberTick> ticks = new ArrayList<>();
            for (int e = eFirst - 1; e <= eLast; e++) {
                for (int m = 2; m <= 9; m++) {
                    double v = Double.parseDouble(m + "e" + e);
                    if (!inRange(v)) continue;
                    if (promoted.contains(m)) major.add(v);
                    else if (eLast - eFirst <= 8) ticks.add(tick(TickType.MINOR, v, ""));
                }
            }
            TickFormat format = new TickFormat(null, 0);
            for (double v : major) ticks.add(tick(TickType.MAJOR, v, format.format(v)));
            return ticks;
        }

        private boolean inRange(double v) {
            return v >= getLowerBound() * (1 - 1e-9) && v <= getUpperBound() * (1 + 1e-9);
        }

        private static NumberTick tick(TickType type, double v, String label) {
            return new NumberTick(type, v, label, TextAnchor.CENTER_RIGHT, TextAnchor.CENTER, 0);
        }
    }

    /** The nearest value of the form {1, 2, 5} x 10^k at or below (or, with {@code up}, at or above) v > 0. */
    private static double snapLog(double v, boolean up) {
        int e = (int) Math.floor(Math.log10(v));
        double best = up ? Double.parseDouble("1e" + (e + 2)) : Double.parseDouble("1e" + (e - 1));
        for (int k = e - 1; k <= e + 1; k++) {
            for (int m : new int[] {1, 2, 5}) {
                double c = Double.parseDouble(m + "e" + k);
                if (up ? c >= v * (1 - 1e-12) && c < best : c <= v * (1 + 1e-12) && c > best) {
                    best = c;
                }
            }
        }
        return best;
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

    /**
     * Tick labels independent of the default locale: a fixed number of decimals, or (null) plain for 1e-4..1e6 and
     * "1.5e-5" style beyond; values within a billionth of a step of zero print as "0", never "-0".
     */
    private static final class TickFormat extends NumberFormat {
        private static final long serialVersionUID = 1L;
        private final Integer decimals;
        private final double step;

        TickFormat(Integer decimals, double step) {
            this.decimals = decimals;
            this.step = step;
        }

        @Override
        public StringBuffer format(double v, StringBuffer out, FieldPosition pos) {
            if (Math.abs(v) <= step * 1e-9) v = 0; // never "-0" or "1e-17"
            if (decimals != null) return out.append(String.format(Locale.ROOT, "%." + decimals + "f", v));
            if (v == 0) return out.append('0');
            if (Math.abs(v) >= 1e-4 && Math.abs(v) < 1e6) {
                return out.append(new DecimalFormat("0.######", DecimalFormatSymbols.getInstance(Locale.ROOT))
                        .format(v));
            }
            String sci = String.format(Locale.ROOT, "%.3e", v); // e.g. 1.500e-05
            int e = sci.indexOf('e');
            return out.append(sci.substring(0, e).replaceAll("\\.?0+$", "")).append('e')
                    .append(Integer.parseInt(sci.substring(e + 1)));
        }

        @Override
        public StringBuffer format(long v, StringBuffer out, FieldPosition pos) {
            return format((double) v, out, pos);
        }

        @Override
        public Number parse(String source, ParsePosition pos) {
            throw new UnsupportedOperationException("tick labels are only formatted");
        }
    }

    // ---------------------------------------------------------------- data and styling helpers

    /** Finite x values of points with a drawable y. */
    private double[] xData() {
        List<Double> out = new ArrayList<>();
        for (Series sr : series) {
            for (int i = 0; i < sr.x.length; i++) {
                if (Double.isFinite(sr.x[i]) && drawableY(sr.y[i])) out.add(sr.x[i]);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Drawable y values (band bounds included) of points whose x lies in a fixed x range, if any. */
    private double[] yData() {
        List<Double> out = new ArrayList<>();
        for (Series sr : series) {
            for (int i = 0; i < sr.x.length; i++) {
                if (!Double.isFinite(sr.x[i]) || !inXRange(sr.x[i])) continue;
                if (drawableY(sr.y[i])) out.add(sr.y[i]);
                if (sr.bandLower != null) {
                    if (drawableY(sr.bandLower[i])) out.add(sr.bandLower[i]);
                    if (drawableY(sr.bandUpper[i])) out.add(sr.bandUpper[i]);
                }
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private boolean inXRange(double x) {
        if (Double.isNaN(xMin)) return true;
        double eps = 1e-9 * (xMax - xMin);
        return x >= xMin - eps && x <= xMax + eps;
    }

    private boolean drawableY(double v) {
        return Double.isFinite(v) && (!logY || v > 0);
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

    private static Color withAlpha(Color c, float alpha) {
        return new Color(c.getRed(), c.getGreen(), c.getBlue(), Math.round(alpha * 255));
    }

    private static BasicStroke lineStroke(Series sr, float s) {
        float w = Math.max(sr.lineWidth, 0.01f) * s;
        return sr.dashed
                ? new BasicStroke(w, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
                        new float[] {6 * s + 2 * w, 3 * s + 2 * w}, 0f)
                : new BasicStroke(w, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    }

    /** A marker centred on (0, 0), as JFreeChart places series shapes. */
    private static Shape markerShape(Marker m, double size) {
        double r = size / 2;
        return switch (m) {
            case CIRCLE, NONE -> new Ellipse2D.Double(-r, -r, size, size);
            case SQUARE -> new Rectangle2D.Double(-r * 0.9, -r * 0.9, size * 0.9, size * 0.9);
            case TRIANGLE -> polygon(0, -r * 1.15, r * 1.05, r * 0.75, -r * 1.05, r * 0.75);
            case DIAMOND -> polygon(0, -r * 1.2, r * 0.9, 0, 0, r * 1.2, -r * 0.9, 0);
        };
    }

    private static Path2D polygon(double... xy) {
        Path2D p = new Path2D.Double();
        p.moveTo(xy[0], xy[1]);
        for (int i = 2; i < xy.length; i += 2) p.lineTo(xy[i], xy[i + 1]);
        p.closePath();
        return p;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
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
