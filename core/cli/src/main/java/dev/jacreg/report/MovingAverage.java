package dev.jacreg.report;

import java.util.Objects;

/** The centred moving average that smoothed chart lines show. */
final class MovingAverage {
    private MovingAverage() {
    }

    /**
     * Element i is the mean of the finite values among {@code y[i - window/2 .. i - window/2 + window - 1]}, the
     * window being cut at the ends of the array; NaN where that window holds no finite value. No lag, so the smoothed
     * curve lines up with the raw one (JFreeChart's MovingAverage trails).
     */
    static double[] centred(double[] y, int window) {
        Objects.requireNonNull(y, "y");
        if (window < 1) {
            throw new IllegalArgumentException("moving average window must be >= 1, got " + window);
        }
        int n = y.length;
        // prefix sums of the finite values and of their count
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
}
