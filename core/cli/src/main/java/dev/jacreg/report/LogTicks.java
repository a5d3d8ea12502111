package dev.jacreg.report;

import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.axis.TickType;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;

/**
 * Ticks of a logarithmic axis: labelled ticks at powers of ten, plus 2 and 5 (or 2, 3 and 5) times them when fewer
 * than three powers of ten are in range, and faint unlabelled ones at the other multiples when the axis spans at most
 * 8 decades; an automatic range snaps outwards to 1, 2 or 5 times a power of ten.
 */
final class LogTicks {
    private LogTicks() {
    }

    /** Tick values of a log axis over [min, max]: labelled (major) and faint (minor) ones. */
    record Ticks(List<Double> major, List<Double> minor) {
    }

    static Ticks of(double min, double max) {
        int eFirst = (int) Math.floor(Math.log10(min));
        int eLast = (int) Math.ceil(Math.log10(max));
        List<Double> major = new ArrayList<>();
        for (int e = eFirst; e <= eLast; e++) {
            double v = Double.parseDouble("1e" + e); // exact, unlike Math.pow(10, e)
            if (inRange(v, min, max)) major.add(v);
        }
        List<Integer> promoted = major.size() >= 3 ? List.of() : major.size() == 2 ? List.of(2, 5) : List.of(2, 3, 5);
        List<Double> minor = new ArrayList<>();
        for (int e = eFirst - 1; e <= eLast; e++) {
            for (int m = 2; m <= 9; m++) {
                double v = Double.parseDouble(m + "e" + e);
                if (!inRange(v, min, max)) continue;
                if (promoted.contains(m)) major.add(v);
                else if (eLast - eFirst <= 8) minor.add(v);
            }
        }
        return new Ticks(List.copyOf(major), List.copyOf(minor));
    }

    /** The nearest value of the form {1, 2, 5} x 10^k at or below (or, with {@code up}, at or above) v > 0. */
    static double snap(double v, boolean up) {
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

    private static boolean inRange(double v, double min, double max) {
        return v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9);
    }

    /** A vertical JFreeChart log axis drawing {@link LogTicks#of} instead of its own ticks. */
    static final class Axis extends LogAxis {
        private static final long serialVersionUID = 1L;

        Axis(String label) {
            super(label);
        }

        @Override
        protected List refreshTicksVertical(Graphics2D g, Rectangle2D dataArea, RectangleEdge edge) {
            Ticks t = of(getLowerBound(), getUpperBound());
            List<NumberTick> ticks = new ArrayList<>();
            for (double v : t.minor()) ticks.add(tick(TickType.MINOR, v, ""));
            TickFormat format = new TickFormat(null, 0);
            for (double v : t.major()) ticks.add(tick(TickType.MAJOR, v, format.format(v)));
            return ticks;
        }

        private static NumberTick tick(TickType type, double v, String label) {
            return new NumberTick(type, v, label, TextAnchor.CENTER_RIGHT, TextAnchor.CENTER, 0);
        }
    }
}
