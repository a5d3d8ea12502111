package dev.jacreg.experiment;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/** How numbers appear in reports, CSV files and the CLI (locale-independent). */
public final class Formats {
    private Formats() {}

    /** A plain decimal with at most 6 decimals and no trailing zeros: 0.05, 0.9712, 1, 0. */
    public static String number(double v) {
        if (!Double.isFinite(v)) return Double.toString(v);
        String s = BigDecimal.valueOf(v).setScale(6, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
        return s.equals("-0") ? "0" : s;
    }

    /** An accuracy as a fraction with at least 4 decimals (0.9000, 0.9712) and at most 6. */
    public static String fraction(double v) {
        if (!Double.isFinite(v)) return "";
        String s = number(v);
        int dot = s.indexOf('.');
        int decimals = dot < 0 ? 0 : s.length() - dot - 1;
        if (decimals >= 4) return s;
        return (dot < 0 ? s + "." : s) + "0".repeat(4 - decimals);
    }

    public static String cell(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v).trim() : "";
    }

    public static String percent(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f %%", value);
    }

    public static String signed(double points) {
        String s = String.format(Locale.ROOT, "%+.1f", points);
        return s.equals("-0.0") || s.equals("+0.0") ? "0.0" : s.replace('-', '−');
    }

    public static String scientific(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "n/a";
    }

    public static String ratio(double v) {
        return String.format(Locale.ROOT, v >= 10 ? "%.0f×" : "%.1f×", v);
    }

    public static String millis(double ms) {
        return Double.isFinite(ms) ? String.format(Locale.ROOT, "%.1f ms", ms) : "–";
    }

    public static String seconds(double s) {
        return String.format(Locale.ROOT, "%.1f s", s);
    }

    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
