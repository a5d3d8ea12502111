package dev.jacreg.report;

import dev.jacreg.report.LineChart.LegendPosition;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYPolygonAnnotation;
import org.jfree.chart.annotations.XYTitleAnnotation;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.Size2D;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws a {@link ChartSpec} with JFreeChart into an RGB image, in {@link ChartStyle}'s look: white plot with a dark
 * frame, legend inside the plot area. Works headless. Lines are clipped to the plot area; undrawable points break them.
 */
public final class ChartRenderer {
    private ChartRenderer() {
    }

    /**
     * A rendered chart and where its plot area landed.
     *
     * @param image    the picture
     * @param plotArea the plot area (inside the axes) in image pixels
     * @param plot     the JFreeChart plot, whose axes map data to pixels
     */
    public record Drawn(BufferedImage image, Rectangle2D plotArea, XYPlot plot) {
        /** Where the data point {@code (x, y)} is drawn, in image pixels. */
        public Point2D toPixel(double x, double y) {
            return new Point2D.Double(plot.getDomainAxis().valueToJava2D(x, plotArea, RectangleEdge.BOTTOM),
                    plot.getRangeAxis().valueToJava2D(y, plotArea, RectangleEdge.LEFT));
        }
    }

    /** Writes the chart as a {@code width x height} PNG, atomically (see {@link Png#write}). */
    public static void writePng(ChartSpec spec, Path path, int width, int height) throws IOException {
        Png.write(render(spec, width, height).image(), path);
    }

    /**
     * Renders the chart into a new {@code width x height} RGB image.
     *
     * @throws IllegalArgumentException when the size is not positive or too small for the labels, a log axis gets a
     *                                  range that is not positive, or tick spacing would give more than 200 ticks
     */
    public static Drawn render(ChartSpec spec, int width, int height) {
        checkSize(width, height);
        float s = ChartStyle.scale(width, height);
        float fs = ChartStyle.fontScale(s);
        XYPlot plot = plot(spec, s);
        XYLineAndShapeRenderer renderer = addLines(plot, spec, s);

        JFreeChart chart = new JFreeChart(null, ChartStyle.BASE_FONT, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        double pad = 14 * s;
        // extra room on the right for the last x tick label, which is centred on the frame
        chart.setPadding(new RectangleInsets(pad, pad, pad,
                Math.max(pad * 1.5, ChartAxes.tickFont(s).getSize2D() * 1.5)));
        if (spec.title() != null && !spec.title().isBlank()) {
            TextTitle t = new TextTitle(spec.title(), ChartStyle.BASE_FONT.deriveFont(Font.BOLD, 20f * fs));
            t.setPaint(ChartStyle.TEXT);
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
            if (spec.hasLegend()) {
                // The legend needs the plot area to choose its corner and sits inside it, so adding it and drawing
                // again moves nothing drawn before.
                plot.addAnnotation(legend(spec, drawn, renderer, g, s));
                chart.draw(g, bounds, info);
            }
            return drawn;
        } finally {
            g.dispose();
        }
    }

    static void checkSize(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
    }

    private static XYPlot plot(ChartSpec spec, float s) {
        XYPlot plot = new XYPlot();
        plot.setDomainAxis(ChartAxes.of("x", spec.x(), spec.xData(), s));
        plot.setRangeAxis(ChartAxes.of("y", spec.y(), spec.yData(), s));
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlinePaint(ChartStyle.FRAME);
        plot.setOutlineStroke(new BasicStroke(Math.max(1f, 1.2f * s)));
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        BasicStroke gridStroke = new BasicStroke(Math.max(1f, s));
        plot.setDomainGridlinesVisible(spec.grid());
        plot.setRangeGridlinesVisible(spec.grid());
        plot.setRangeMinorGridlinesVisible(spec.grid() && spec.y().scale() == ChartSpec.Scale.LOG);
        plot.setDomainGridlinePaint(ChartStyle.GRID);
        plot.setRangeGridlinePaint(ChartStyle.GRID);
        plot.setRangeMinorGridlinePaint(ChartStyle.MINOR_GRID);
        plot.setDomainGridlineStroke(gridStroke);
        plot.setRangeGridlineStroke(gridStroke);
        plot.setRangeMinorGridlineStroke(gridStroke);
        return plot;
    }

    /**
     * Bands first (behind everything), then the faint raw lines of smoothed series, then one main line per series,
     * so every main line covers every band and raw line.
     */
    private static XYLineAndShapeRenderer addLines(XYPlot plot, ChartSpec spec, float s) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        r.setDrawSeriesLineAsPath(false); // segment by segment, so a NaN point breaks the line
        for (ChartSpec.Line line : spec.lines()) {
            if (!line.hasBand()) continue;
            for (double[] polygon : bandPolygons(line, spec.y())) {
                r.addAnnotation(new XYPolygonAnnotation(polygon, null, null,
                        ChartStyle.withAlpha(line.color(), line.bandAlpha())), Layer.BACKGROUND);
            }
        }
        for (int k = 0; k < spec.lines().size(); k++) {
            ChartSpec.Line line = spec.lines().get(k);
            if (!line.smoothed()) continue;
            int i = addData(data, "raw " + k, line.x(), line.y(), spec.y());
            r.setSeriesPaint(i, ChartStyle.withAlpha(line.color(), line.rawAlpha()));
            r.setSeriesStroke(i, new BasicStroke(Math.max(1f, line.width() * 0.6f) * s, BasicStroke.CAP_ROUND,
                    BasicStroke.JOIN_ROUND));
            r.setSeriesVisibleInLegend(i, false);
        }
        for (ChartSpec.Line line : spec.lines()) {
            int i = addData(data, line.name(), line.x(), line.shownY(), spec.y());
            r.setSeriesPaint(i, line.color());
            r.setSeriesLinesVisible(i, line.width() > 0);
            r.setSeriesStroke(i, ChartStyle.lineStroke(line.width(), line.dashed(), s));
            r.setSeriesShapesVisible(i, line.marker() != LineChart.Marker.NONE);
            r.setSeriesShape(i, ChartStyle.markerShape(line.marker(), line.markerSize() * s));
            r.setSeriesVisibleInLegend(i, line.inLegend());
        }
        plot.setDataset(data);
        plot.setRenderer(r);
        return r;
    }

    /** Adds the drawable points (others as NaN, which break the line) and returns the series index. */
    private static int addData(XYSeriesCollection data, String key, double[] x, double[] y, ChartSpec.Axis yAxis) {
        XYSeries xy = new XYSeries(new SeriesKey(data.getSeriesCount(), key), false, true);
        for (int i = 0; i < x.length; i++) {
            boolean ok = Double.isFinite(x[i]) && yAxis.drawable(y[i]);
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

    /**
     * Closed polygons (upper bound left to right, lower bound back) over each run of drawable band points, as the
     * x, y, x, y, ... coordinates {@link XYPolygonAnnotation} takes.
     */
    private static List<double[]> bandPolygons(ChartSpec.Line line, ChartSpec.Axis yAxis) {
        double[] x = line.x();
        double[] lower = line.bandLower();
        double[] upper = line.bandUpper();
        List<double[]> out = new ArrayList<>();
        int i = 0;
        while (i < x.length) {
            int start = i;
            while (i < x.length && Double.isFinite(x[i]) && yAxis.drawable(lower[i]) && yAxis.drawable(upper[i])) {
                i++;
            }
            if (i == start) {
                i++;
                continue;
            }
            double[] xy = new double[4 * (i - start)];
            int c = 0;
            for (int j = start; j < i; j++) {
                xy[c++] = x[j];
                xy[c++] = upper[j];
            }
            for (int j = i - 1; j >= start; j--) {
                xy[c++] = x[j];
                xy[c++] = lower[j];
            }
            out.add(xy);
        }
        return out;
    }

    /** The legend box, one entry per row, in the corner {@link LegendPlacement} picks. */
    private static XYTitleAnnotation legend(ChartSpec spec, Drawn drawn, XYLineAndShapeRenderer renderer,
                                            Graphics2D g, float s) {
        LegendTitle box = new LegendTitle(renderer);
        box.setItemFont(ChartStyle.BASE_FONT.deriveFont(14f * ChartStyle.fontScale(s)));
        box.setItemPaint(ChartStyle.TEXT);
        box.setBackgroundPaint(ChartStyle.LEGEND_BACKGROUND);
        box.setFrame(new BlockBorder(ChartStyle.LEGEND_FRAME));
        box.setPadding(new RectangleInsets(6 * s, 8 * s, 6 * s, 8 * s));
        box.setItemLabelPadding(new RectangleInsets(2 * s, 8 * s, 2 * s, 2 * s));
        box.setLegendItemGraphicPadding(new RectangleInsets(2 * s, 2 * s, 2 * s, 2 * s));
        box.setPosition(RectangleEdge.RIGHT); // one entry per row
        Size2D size = box.arrange(g);
        double inset = 10 * s;
        Rectangle2D area = drawn.plotArea();
        LegendPosition corner = LegendPlacement.corner(spec.legend(), area, size.getWidth() + inset,
                size.getHeight() + inset, pixelLines(spec, drawn));
        boolean left = corner == LegendPosition.UPPER_LEFT || corner == LegendPosition.LOWER_LEFT;
        boolean lower = corner == LegendPosition.LOWER_LEFT || corner == LegendPosition.LOWER_RIGHT;
        double rx = left ? inset / area.getWidth() : 1 - inset / area.getWidth();
        double ry = lower ? inset / area.getHeight() : 1 - inset / area.getHeight();
        RectangleAnchor anchor = lower ? (left ? RectangleAnchor.BOTTOM_LEFT : RectangleAnchor.BOTTOM_RIGHT)
                : (left ? RectangleAnchor.TOP_LEFT : RectangleAnchor.TOP_RIGHT);
        return new XYTitleAnnotation(rx, ry, box, anchor);
    }

    /** The main lines in pixels, null where a point is not drawn: what the legend should not hide. */
    private static List<Point2D[]> pixelLines(ChartSpec spec, Drawn drawn) {
        List<Point2D[]> out = new ArrayList<>();
        for (ChartSpec.Line line : spec.lines()) {
            double[] x = line.x();
            double[] y = line.shownY();
            Point2D[] pixels = new Point2D[x.length];
            for (int i = 0; i < x.length; i++) {
                if (Double.isFinite(x[i]) && spec.y().drawable(y[i])) pixels[i] = drawn.toPixel(x[i], y[i]);
            }
            out.add(pixels);
        }
        return out;
    }
}
