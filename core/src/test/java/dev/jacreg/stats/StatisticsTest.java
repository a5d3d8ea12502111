package dev.jacreg.stats;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Student t quantiles and intervals against published table values and hand-computed examples. */
class StatisticsTest {
    @Test
    void tQuantilesMatchTheTables() {
        // Two-sided 95 % critical values from any t table.
        assertEquals(12.706, StudentT.quantile(0.975, 1), 5e-4);
        assertEquals(4.303, StudentT.quantile(0.975, 2), 5e-4);
        assertEquals(2.776, StudentT.quantile(0.975, 4), 5e-4);
        assertEquals(2.262, StudentT.quantile(0.975, 9), 5e-4);
        assertEquals(2.042, StudentT.quantile(0.975, 30), 5e-4);
        assertEquals(63.657, StudentT.quantile(0.995, 1), 5e-3);
        assertEquals(3.365, StudentT.quantile(0.99, 5), 5e-4);
        // df = 1 is the Cauchy distribution: closed form tan(π(p − 1/2)).
        assertEquals(Math.tan(Math.PI * 0.4), StudentT.quantile(0.9, 1), 1e-9);
        // Large df approaches the normal quantile 1.959964.
        assertEquals(1.959964, StudentT.quantile(0.975, 1e7), 1e-5);
        assertEquals(-2.776, StudentT.quantile(0.025, 4), 5e-4);
        assertEquals(0, StudentT.quantile(0.5, 3));
    }

    @Test
    void cdfHasClosedFormsForSmallDf() {
        // df = 2: F(t) = 1/2 + t / (2 √(2 + t²)).
        for (double t : new double[]{-3, -0.5, 0, 0.7, 4}) {
            assertEquals(0.5 + t / (2 * Math.sqrt(2 + t * t)), StudentT.cdf(t, 2), 1e-12);
            assertEquals(0.5 + Math.atan(t) / Math.PI, StudentT.cdf(t, 1), 1e-12);
        }
        assertEquals(0.975, StudentT.cdf(StudentT.quantile(0.975, 7), 7), 1e-12);
    }

    @Test
    void intervalOfKnownSample() {
        // 1..5: mean 3, s = √2.5, half-width t(0.975, 4) · s / √5 = 2.776445 · 0.707107 = 1.963243.
        ConfidenceInterval ci = ConfidenceInterval.of(new double[]{1, 2, 3, 4, 5}, 0.95);
        assertEquals(3, ci.mean(), 1e-12);
        assertEquals(1.963243, ci.halfWidth(), 1e-5);
        assertEquals(3 - 1.963243, ci.lower(), 1e-5);
        assertEquals(5, ci.n());
    }

    @Test
    void pairedIntervalUsesTheDifferences() {
        double[] a = {0.90, 0.85, 0.80};
        double[] b = {0.88, 0.82, 0.79};
        // differences 0.02, 0.03, 0.01: mean 0.02, s = 0.01, half-width 4.302653 · 0.01 / √3 = 0.024842.
        ConfidenceInterval d = ConfidenceInterval.paired(a, b, 0.95);
        assertEquals(0.02, d.mean(), 1e-12);
        assertEquals(0.024842, d.halfWidth(), 1e-5);
        assertTrue(d.lower() < 0 && d.upper() > 0);
    }

    @Test
    void singleValueHasNoInterval() {
        ConfidenceInterval ci = ConfidenceInterval.of(new double[]{0.5}, 0.95);
        assertEquals(0.5, ci.mean());
        assertTrue(Double.isNaN(ci.halfWidth()));
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ConfidenceInterval.of(new double[0], 0.95));
        assertThrows(IllegalArgumentException.class, () -> ConfidenceInterval.of(new double[]{1, 2}, 1.5));
        assertThrows(IllegalArgumentException.class, () -> ConfidenceInterval.paired(new double[]{1}, new double[]{1, 2}, 0.95));
        assertThrows(IllegalArgumentException.class, () -> StudentT.quantile(1, 3));
        assertThrows(IllegalArgumentException.class, () -> StudentT.quantile(0.9, 0));
    }
}
