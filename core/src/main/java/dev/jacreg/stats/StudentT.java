package dev.jacreg.stats;

/**
 * Student's t distribution: its CDF through the regularized incomplete beta function, and its quantiles by
 * bisection on the CDF. Exact (to ~1e-12) for every number of degrees of freedom, so small replicate counts get
 * the right, wide intervals.
 */
public final class StudentT {
    private StudentT() {}

    /**
     * P(T ≤ t) for T with {@code df} degrees of freedom (df > 0, not necessarily an integer).
     *
     * @param t the point
     * @param df the degrees of freedom, &gt; 0
     * @return the probability, in [0, 1]
     */
    public static double cdf(double t, double df) {
        checkDf(df);
        if (Double.isNaN(t)) return Double.NaN;
        if (Double.isInfinite(t)) return t > 0 ? 1 : 0;
        // P(|T| > |t|) = I_x(df/2, 1/2) with x = df / (df + t²)
        double tail = 0.5 * Beta.regularizedIncomplete(df / (df + t * t), df / 2, 0.5);
        return t >= 0 ? 1 - tail : tail;
    }

    /**
     * The t with {@code cdf(t, df) = p}, for p in (0, 1).
     *
     * @param p the probability, in (0, 1)
     * @param df the degrees of freedom, &gt; 0
     * @return the quantile t
     */
    public static double quantile(double p, double df) {
        checkDf(df);
        if (!(p > 0 && p < 1)) throw new IllegalArgumentException("probability must be in (0, 1), got " + p);
        if (p == 0.5) return 0;
        if (p < 0.5) return -quantile(1 - p, df);
        double lo = 0, hi = 1;
        while (cdf(hi, df) < p) {
            lo = hi;
            hi *= 2;
        }
        // The CDF is increasing: halve the bracket until it no longer shrinks in floating point.
        for (int i = 0; i < 200; i++) {
            double mid = 0.5 * (lo + hi);
            if (mid <= lo || mid >= hi) break;
            if (cdf(mid, df) < p) lo = mid;
            else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    private static void checkDf(double df) {
        if (!(df > 0) || Double.isInfinite(df)) {
            throw new IllegalArgumentException("degrees of freedom must be positive and finite, got " + df);
        }
    }
}
