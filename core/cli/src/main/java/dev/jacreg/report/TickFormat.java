package dev.jacreg.report;

import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.Locale;

/**
 * Tick labels independent of the default locale: a fixed number of decimals, or (null) plain for 1e-4..1e6 and
 * "1.5e-5" style beyond; values within a billionth of a step of zero print as "0", never "-0".
 */
final class TickFormat extends NumberFormat {
    private static final long serialVersionUID = 1L;
    private final Integer decimals;
    private final double step;

    TickFormat(Integer decimals, double step) {
        this.decimals = decimals;
        this.step = step;
    }

    /** Decimal places needed to print multiples of {@code step} exactly. */
    static int decimals(double step) {
        for (int d = 0; d < 12; d++) {
            double scaled = step * Math.pow(10, d);
            if (Math.abs(scaled - Math.rint(scaled)) < 1e-6 * Math.max(1, scaled)) {
                return d;
            }
        }
        return 12;
    }

    @Override
    public StringBuffer format(double v, StringBuffer out, FieldPosition pos) {
        if (Math.abs(v) <= step * 1e-9) v = 0; // never "-0" or "1e-17"
        if (decimals != null) return out.append(String.format(Locale.ROOT, "%." + decimals + "f", v));
        if (v == 0) return out.append('0');
        if (Math.abs(v) >= 1e-4 && Math.abs(v) < 1e6) {
            return out.append(new DecimalFormat("0.######", DecimalFormatSymbols.getInstance(Locale.ROOT)).format(v));
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
