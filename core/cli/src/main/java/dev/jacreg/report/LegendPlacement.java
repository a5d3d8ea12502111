package dev.jacreg.report;

import dev.jacreg.report.LineChart.LegendPosition;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.util.List;

/** Which inner corner of the plot area the legend box goes to. */
final class LegendPlacement {
    private LegendPlacement() {
    }

    /** The corners in the order {@link LegendPosition#BEST} prefers them on a tie. */
    private static final List<LegendPosition> CORNERS = List.of(LegendPosition.UPPER_RIGHT,
            LegendPosition.UPPER_LEFT, LegendPosition.LOWER_LEFT, LegendPosition.LOWER_RIGHT);

    /**
     * The corner for a legend box of {@code w x h} pixels: the asked one, or for {@code BEST} the corner where the box
     * hides the least data (2 per point inside, 1 per segment crossing it; ties go to the earlier corner of upper
     * right, upper left, lower left, lower right).
     *
     * @param lines the drawn lines in pixel coordinates, a null entry where a line is broken
     */
    static LegendPosition corner(LegendPosition asked, Rectangle2D plot, double w, double h, List<Point2D[]> lines) {
        if (asked == LegendPosition.NONE) {
            throw new IllegalArgumentException("no legend to place");
        }
        if (asked != LegendPosition.BEST) return asked;
        LegendPosition best = null;
        long bestHits = Long.MAX_VALUE;
        for (LegendPosition c : CORNERS) {
            long hits = hits(box(c, plot, w, h), lines);
            if (hits < bestHits) {
                best = c;
                bestHits = hits;
            }
        }
        return best;
    }

    /** The box of {@code w x h} in corner {@code c} of the plot area. */
    static Rectangle2D box(LegendPosition c, Rectangle2D plot, double w, double h) {
        boolean left = c == LegendPosition.UPPER_LEFT || c == LegendPosition.LOWER_LEFT;
        boolean lower = c == LegendPosition.LOWER_LEFT || c == LegendPosition.LOWER_RIGHT;
        return new Rectangle2D.Double(left ? plot.getX() : plot.getMaxX() - w, lower ? plot.getMaxY() - h : plot.getY(),
                w, h);
    }

    private static long hits(Rectangle2D r, List<Point2D[]> lines) {
        long hits = 0;
        for (Point2D[] line : lines) {
            Point2D last = null;
            for (Point2D p : line) {
                if (p != null && r.contains(p)) {
                    hits += 2;
                } else if (p != null && last != null
                        && r.intersectsLine(last.getX(), last.getY(), p.getX(), p.getY())) {
                    hits += 1;
                }
                last = p;
            }
        }
        return hits;
    }
}
