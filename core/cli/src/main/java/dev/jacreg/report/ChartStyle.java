package dev.jacreg.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.util.List;

/**
 * jacreg's figure look, declared once (charts; image grids and panel rows share the text colour): palette, text and frame colours, the font, and how sizes scale with the image
 * (reference size 900 x 600, so a larger render is a sharper version of the same figure).
 */
final class ChartStyle {
    private ChartStyle() {
    }

    /** Default series colours (the "tab10" palette), used in order for series without an explicit colour. */
    static final List<Color> PALETTE = List.of(
            new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
            new Color(0xbcbd22), new Color(0x17becf));

    static final Color TEXT = new Color(0x222222);
    static final Color FRAME = new Color(0x444444);
    static final Color GRID = new Color(0xdddddd);
    static final Color MINOR_GRID = new Color(0xf0f0f0);
    static final Color LEGEND_BACKGROUND = new Color(255, 255, 255, 235);
    static final Color LEGEND_FRAME = new Color(0xbbbbbb);

    static final int DEFAULT_WIDTH = 900;
    static final int DEFAULT_HEIGHT = 600;

    /** The font every text is derived from (a logical font, so rendering works headless anywhere). */
    static final Font BASE_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

    /** Factor for line widths, margins and marker sizes: the image size relative to 900 x 600, within [0.5, 4]. */
    static float scale(int width, int height) {
        return (float) Math.max(0.5, Math.min(4.0, Math.min(width / (double) DEFAULT_WIDTH,
                height / (double) DEFAULT_HEIGHT)));
    }

    /** Factor for font sizes: text shrinks less than the rest, to stay readable in small images. */
    static float fontScale(float scale) {
        return Math.max(scale, 0.8f);
    }

    static Color withAlpha(Color c, float alpha) {
        return new Color(c.getRed(), c.getGreen(), c.getBlue(), Math.round(alpha * 255));
    }

    /** Solid or dashed line of {@code width} reference pixels (at least a hairline). */
    static BasicStroke lineStroke(float width, boolean dashed, float scale) {
        float w = Math.max(width, 0.01f) * scale;
        return dashed
                ? new BasicStroke(w, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
                        new float[] {6 * scale + 2 * w, 3 * scale + 2 * w}, 0f)
                : new BasicStroke(w, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    }

    /** A marker centred on (0, 0), as JFreeChart places series shapes. */
    static Shape markerShape(LineChart.Marker m, double size) {
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
}
