package dev.jacreg.stats;

/**
 * A Student-t confidence interval for a mean: mean ± t(1 − α/2, n − 1) · s / √n, with s the sample standard
 * deviation. With one value the mean is known but the interval is not: the half-width is NaN.
 *
 * @param mean      sample mean
 * @param halfWidth half the interval's width (NaN when n = 1)
 * @param n         number of values
 * @param level     confidence level, e.g. 0.95
 */
public record ConfidenceInterval(double mean, double halfWidth, int n, double level) {
    /** {@return the lower end, mean − halfWidth (NaN when n = 1)} */
    public double lower() {
        return mean - halfWidth;
    }

    /** {@return the upper end, mean + halfWidth (NaN when n = 1)} */
    public double upper() {
        return mean + halfWidth;
    }

    /**
     * The interval for the mean of {@code values} at confidence {@code level} (in (0, 1)).
     *
     * @param values the sample, at least one value
     * @param level the confidence level, e.g. 0.95
     * @return the interval, centred on the sample mean
     */
    public static ConfidenceInterval of(double[] values, double level) {
        if (values.length == 0) throw new IllegalArgumentException("a confidence interval needs at least one value");
        if (!(level > 0 && level < 1)) throw new IllegalArgumentException("confidence level must be in (0, 1), got " + level);
        int n = values.length;
        double mean = 0;
        for (double v : values) mean += v;
        mean /= n;
        if (n == 1) return new ConfidenceInterval(mean, Double.NaN, 1, level);
        double squares = 0;
        for (double v : values) squares += (v - mean) * (v - mean);
        double sd = Math.sqrt(squares / (n - 1));
        double t = StudentT.quantile(1 - (1 - level) / 2, n - 1);
        return new ConfidenceInterval(mean, t * sd / Math.sqrt(n), n, level);
    }

    /**
     * The interval for the mean of the paired differences {@code a[i] − b[i]}: the paired t interval, narrower
     * than comparing two separate intervals when a and b move together (e.g. two nets evaluated on the same
     * noisy images).
     *
     * @param a the first measurement of each pair
     * @param b the second measurement of each pair, as many as {@code a}
     * @param level the confidence level, e.g. 0.95
     * @return the interval for the mean difference a − b
     */
    public static ConfidenceInterval paired(double[] a, double[] b, double level) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("paired values need equal lengths, got " + a.length + " and " + b.length);
        }
        double[] d = new double[a.length];
        for (int i = 0; i < d.length; i++) d[i] = a[i] - b[i];
        return of(d, level);
    }
}
