package dev.jacreg.report;

import java.awt.BasicStroke;
import java.awt.Font;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.ui.RectangleInsets;

/**
 * JFreeChart axes for a {@link ChartSpec.Axis}: the range (fixed, or chosen from the data), the ticks and the look.
 */
final class ChartAxes {
    private ChartAxes() {
    }

    /** At most this many ticks, so a tiny spacing gives a clear error instead of an unreadable (and slow) axis. */
    private static final int MAX_TICKS = 200;

    /**
     * The axis for {@code spec}, covering {@code data} when its range is not fixed.
     *
     * @param name "x" or "y", for error messages
     */
    static ValueAxis of(String name, ChartSpec.Axis spec, double[] data, float scale) {
        ValueAxis axis = spec.scale() == ChartSpec.Scale.LOG ? logAxis(name, spec, data) : linearAxis(name, spec, data);
        style(axis, scale);
        return axis;
    }

    /** A step of 1, 2, 2.5 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / mag;
        double nice = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 2.5 + 1e-9 ? 2.5 : f <= 5 + 1e-9 ? 5 : 10;
        return nice * mag;
    }

    /** Fixed or data range (extended to whole tick steps), ticks at multiples of the step. */
    private static NumberAxis linearAxis(String name, ChartSpec.Axis spec, double[] data) {
        double min;
        double max;
        if (spec.fixed()) {
            min = spec.min();
            max = spec.max();
        } else if (data.length == 0) {
            min = 0;
            max = 1;
        } else {
            min = Double.POSITIVE_INFINITY;
            max = Double.NEGATIVE_INFINITY;
            for (double v : data) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            if (min == max) {
                double d = min == 0 ? 1 : Math.abs(min) * 0.1;
                min -= d;
                max += d;
            }
        }
        double step = Double.isNaN(spec.tickSpacing()) ? niceStep((max - min) / 6) : spec.tickSpacing();
        if (!spec.fixed()) {
            min = Math.floor(min / step + 1e-9) * step;
            max = Math.ceil(max / step - 1e-9) * step;
        }
        double ticks = Math.floor(max / step + 1e-9) - Math.ceil(min / step - 1e-9) + 1;
        if (ticks > MAX_TICKS) {
            throw new IllegalArgumentException(name + " tick spacing " + step + " gives " + (long) ticks
                    + " ticks on [" + min + ", " + max + "] (at most " + MAX_TICKS + ")");
        }
        NumberAxis axis = new NumberAxis(label(spec));
        axis.setAutoRangeIncludesZero(false);
        axis.setRange(min, max);
        boolean scientific = Math.max(Math.abs(min), Math.abs(max)) >= 1e7 || step < 1e-6;
        axis.setTickUnit(new NumberTickUnit(step,
                new TickFormat(scientific ? null : TickFormat.decimals(step), step)), false, true);
        axis.setMinorTickCount(0);
        return axis;
    }

    /** Fixed or data range snapped to 1, 2 or 5 times a power of ten, with {@link LogTicks}. */
    private static LogAxis logAxis(String name, ChartSpec.Axis spec, double[] data) {
        double min;
        double max;
        if (spec.fixed()) {
            if (spec.min() <= 0) {
                throw new IllegalArgumentException("log " + name + " axis needs a positive range, got [" + spec.min()
                        + ", " + spec.max() + "]");
            }
            min = spec.min();
            max = spec.max();
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
            min = LogTicks.snap(lo, false);
            max = LogTicks.snap(hi, true);
            if (max <= min) {
                max = LogTicks.snap(min * 1.0001, true);
            }
        }
        if (Math.log10(max) - Math.log10(min) > MAX_TICKS) {
            throw new IllegalArgumentException("log " + name + " axis [" + min + ", " + max
                    + "] spans too many decades");
        }
        LogAxis axis = new LogTicks.Axis(label(spec));
        axis.setBase(10);
        axis.setSmallestValue(Double.MIN_NORMAL);
        axis.setRange(min, max);
        return axis;
    }

    private static String label(ChartSpec.Axis spec) {
        return spec.label() == null || spec.label().isBlank() ? null : spec.label();
    }

    private static void style(ValueAxis axis, float s) {
        float fs = ChartStyle.fontScale(s);
        axis.setLabelFont(ChartStyle.BASE_FONT.deriveFont(16f * fs));
        axis.setLabelPaint(ChartStyle.TEXT);
        axis.setTickLabelFont(tickFont(s));
        axis.setTickLabelPaint(ChartStyle.TEXT);
        axis.setTickMarkPaint(ChartStyle.FRAME);
        axis.setTickMarkStroke(new BasicStroke(Math.max(1f, 1.2f * s)));
        axis.setTickMarkOutsideLength(5 * s);
        axis.setTickMarkInsideLength(0);
        axis.setTickLabelInsets(new RectangleInsets(4 * s, 4 * s, 4 * s, 4 * s));
        axis.setLabelInsets(new RectangleInsets(4 * s, 4 * s, 4 * s, 4 * s));
        axis.setAxisLineVisible(false); // the plot outline is the frame
    }

    /** Font of the tick labels, which also sets the chart's right padding. */
    static Font tickFont(float scale) {
        return ChartStyle.BASE_FONT.deriveFont(14f * ChartStyle.fontScale(scale));
    }
}
