package dev.jacreg.attack;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * FAB's projection onto a hyperplane within the box [0, 1], against independent answers: the closed-form distance to a
 * hyperplane where the box is inactive, a bisection on the KKT multiplier where it is active, and a fine search along
 * the line in 2 dimensions.
 */
class FabProjectionTest {
    private static final double TOL = 1e-9;

    /** A point strictly inside the box, a normal and an offset whose hyperplane passes near it (box inactive). */
    @Test
    void withoutTheBoxItIsTheClosedFormProjection() {
        SplittableRandom random = new SplittableRandom(1);
        int checked = 0;
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(30);
            double[] t = new double[n], w = new double[n];
            for (int j = 0; j < n; j++) {
                t[j] = random.nextDouble(0.3, 0.7);
                w[j] = random.nextDouble(-1, 1);
            }
            double c = random.nextDouble(-0.05, 0.05);  // w·t − b
            double b = LinearOptimum.dot(w, t) - c;
            double l1 = 0, l2 = 0;
            for (double v : w) {
                l1 += Math.abs(v);
                l2 += v * v;
            }
            double[] dInf = FabProjection.linf(t, w, b), d2 = FabProjection.l2(t, w, b);
            boolean inactiveInf = true, inactive2 = true;
            for (int j = 0; j < n; j++) {
                double expectInf = -Math.signum(w[j]) * c / l1, expect2 = -w[j] * c / l2;
                inactiveInf &= t[j] + expectInf >= 0 && t[j] + expectInf <= 1;
                inactive2 &= t[j] + expect2 >= 0 && t[j] + expect2 <= 1;
                if (inactiveInf) assertEquals(expectInf, dInf[j], TOL, "L∞ trial " + trial + " coordinate " + j);
                if (inactive2) assertEquals(expect2, d2[j], TOL, "L2 trial " + trial + " coordinate " + j);
            }
            if (inactiveInf && inactive2) checked++;
            // The L∞ distance to the hyperplane is |c|/‖w‖₁ and the L2 one |c|/‖w‖₂.
            if (inactiveInf) assertEquals(Math.abs(c) / l1, maxAbs(dInf), TOL);
            if (inactive2) assertEquals(Math.abs(c) / Math.sqrt(l2), Math.sqrt(LinearOptimum.dot(d2, d2)), TOL);
        }
        assertTrue(checked > 150, "the box should be inactive in most trials, was in " + checked);
    }

    /**
     * With the box active: the move lands on the hyperplane inside the box, and equals the optimum written with an
     * independent bisection: d_j = −sign(w_j)·min(λ, p_j) (L∞) or clip(−α·w_j, −t_j, 1 − t_j) (L2).
     */
    @Test
    void withTheBoxItIsTheKktPoint() {
        SplittableRandom random = new SplittableRandom(2);
        int clipped = 0;
        for (int trial = 0; trial < 300; trial++) {
            int n = 2 + random.nextInt(40);
            double[] t = new double[n], w = new double[n], s = new double[n];
            for (int j = 0; j < n; j++) {
                double u = random.nextDouble();
                t[j] = u < 0.2 ? 0 : u > 0.8 ? 1 : random.nextDouble();
                w[j] = random.nextDouble() < 0.1 ? 0 : random.nextDouble(-1, 1);
                s[j] = random.nextDouble();
            }
            double b = LinearOptimum.dot(w, s);  // through a point of the box, so reachable
            for (Norm norm : Norm.values()) {
                double[] d = FabProjection.project(norm, t, w, b);
                double[] x = new double[n];
                for (int j = 0; j < n; j++) {
                    x[j] = t[j] + d[j];
                    assertTrue(x[j] >= -TOL && x[j] <= 1 + TOL, norm + " trial " + trial + ": pixel " + x[j]);
                    if (w[j] == 0) assertEquals(0, d[j], norm + ": a coordinate with w_j = 0 moved");
                }
                assertEquals(b, LinearOptimum.dot(w, x), 1e-9, norm + " trial " + trial + ": not on the hyperplane");
                double[] expected = norm == Norm.LINF ? linfByBisection(t, w, b) : l2ByBisection(t, w, b);
                for (int j = 0; j < n; j++) {
                    assertEquals(expected[j], d[j], 1e-7, norm + " trial " + trial + " coordinate " + j);
                    if (Math.abs(d[j]) > 0 && (x[j] < TOL || x[j] > 1 - TOL)) clipped++;
                }
            }
        }
        assertTrue(clipped > 100, "the box should bind often, bound " + clipped + " times");
    }

    /** In 2 dimensions the feasible set is a segment of the line; a fine search along it finds the nearest point. */
    @Test
    void inTwoDimensionsItMatchesAFineSearchAlongTheLine() {
        SplittableRandom random = new SplittableRandom(3);
        for (int trial = 0; trial < 200; trial++) {
            double[] t = {random.nextDouble(), random.nextDouble()};
            double[] w = {random.nextDouble(-1, 1), random.nextDouble(-1, 1)};
            double[] s = {random.nextDouble(), random.nextDouble()};
            double b = LinearOptimum.dot(w, s);
            // The line through s along u ⟂ w, sampled where it is inside the box.
            double[] u = {-w[1], w[0]};
            double length = Math.hypot(u[0], u[1]);
            u[0] /= length;
            u[1] /= length;
            for (Norm norm : Norm.values()) {
                double best = Double.POSITIVE_INFINITY;
                int steps = 400_000;
                for (int k = 0; k <= steps; k++) {
                    double a = -1.5 + 3.0 * k / steps;  // the box's diagonal is √2 < 1.5
                    double x0 = s[0] + a * u[0], x1 = s[1] + a * u[1];
                    if (x0 < 0 || x0 > 1 || x1 < 0 || x1 > 1) continue;
                    double dx = x0 - t[0], dy = x1 - t[1];
                    double distance = norm == Norm.LINF ? Math.max(Math.abs(dx), Math.abs(dy)) : Math.hypot(dx, dy);
                    best = Math.min(best, distance);
                }
                double[] d = FabProjection.project(norm, t, w, b);
                double found = norm == Norm.LINF ? maxAbs(d) : Math.hypot(d[0], d[1]);
                // Samples are 3/400,000 apart along the line, so the search is within 1e-5 of the true minimum.
                assertTrue(found <= best + 1e-9 && found >= best - 1e-5,
                        norm + " trial " + trial + ": projection " + found + ", search " + best);
                assertEquals(b, LinearOptimum.dot(w, new double[]{t[0] + d[0], t[1] + d[1]}), 1e-9);
            }
        }
    }

    /** When even the far corner of the box does not reach the hyperplane, the move is to that corner. */
    @Test
    void anUnreachableHyperplaneGivesTheFarCorner() {
        double[] t = {0.5, 0.2, 0.9};
        double[] w = {1, -2, 0};
        double b = -5;  // w·x ≥ −2 on the box
        double[] corner = {-0.5, 0.8, 0};
        for (Norm norm : Norm.values()) {
            assertArrayEquals(corner, FabProjection.project(norm, t, w, b), TOL, norm.toString());
        }
        // Flipping the side: w·x ≤ 1 on the box, the far corner is (1, 0, ·).
        assertArrayEquals(new double[]{0.5, -0.2, 0}, FabProjection.linf(t, w, 7), TOL);
        assertArrayEquals(new double[]{0.5, -0.2, 0}, FabProjection.l2(t, w, 7), TOL);
    }

    /** λ by bisection on Σ|w_j|·min(λ, p_j) = |w·t − b|. */
    private static double[] linfByBisection(double[] t, double[] w, double b) {
        double c = LinearOptimum.dot(w, t) - b;
        double lo = 0, hi = 1;
        for (int it = 0; it < 200; it++) {
            double mid = (lo + hi) / 2;
            double fall = 0;
            for (int j = 0; j < t.length; j++) {
                double p = (c >= 0) == (w[j] > 0) ? t[j] : 1 - t[j];
                fall += Math.abs(w[j]) * Math.min(mid, p);
            }
            if (fall < Math.abs(c)) lo = mid; else hi = mid;
        }
        double[] d = new double[t.length];
        for (int j = 0; j < t.length; j++) {
            if (w[j] == 0) continue;
            boolean down = (c >= 0) == (w[j] > 0);
            d[j] = down ? -Math.min(hi, t[j]) : Math.min(hi, 1 - t[j]);
        }
        return d;
    }

    /** α by bisection on w·clip(−α·w, −t, 1 − t) = b − w·t (signed). */
    private static double[] l2ByBisection(double[] t, double[] w, double b) {
        double c = LinearOptimum.dot(w, t) - b;
        double sign = Math.signum(c);
        double lo = 0, hi = 1;
        while (Math.abs(LinearOptimum.dot(w, clipped(t, w, sign * hi))) < Math.abs(c) && hi < 1e12) hi *= 2;
        for (int it = 0; it < 300; it++) {
            double mid = (lo + hi) / 2;
            if (Math.abs(LinearOptimum.dot(w, clipped(t, w, sign * mid))) < Math.abs(c)) lo = mid; else hi = mid;
        }
        return clipped(t, w, sign * hi);
    }

    private static double[] clipped(double[] t, double[] w, double alpha) {
        double[] d = new double[t.length];
        for (int j = 0; j < t.length; j++) d[j] = Math.min(1 - t[j], Math.max(-t[j], -alpha * w[j]));
        return d;
    }

    private static double maxAbs(double[] d) {
        double m = 0;
        for (double v : d) m = Math.max(m, Math.abs(v));
        return m;
    }
}
