package dev.jacreg.attack;

import java.util.Arrays;

/**
 * FAB's projection step: the smallest move d (in L∞ or L2) that takes a point t onto the hyperplane w·x = b while
 * staying in the box [0, 1], as fra31/auto-attack {@code autoattack/fab_projections.py} ({@code projection_linf},
 * {@code projection_l2}) defines it, one image at a time in plain doubles. With c = |w·t − b| and w's sign flipped so
 * that w·x has to fall by c:
 * <ul>
 * <li>L∞: d_j = −sign(w_j)·min(λ, p_j), p_j the distance from t_j to the box face on that side, λ the smallest radius
 * with Σ|w_j|·min(λ, p_j) = c;
 * <li>L2 (the KKT point): d_j = clip(−α·w_j, −t_j, 1 − t_j), α ≥ 0 the smallest with w·d = −c.
 * </ul>
 * Both are found exactly, by sorting the coordinates' saturation points and walking the piecewise-linear sum (the
 * reference does the same walk by bisection). When even the box's far corner does not reach the hyperplane the move
 * is to that corner, as in the reference. Coordinates with w_j = 0 (|w_j| &lt; 1e-8 for L2, the reference's threshold)
 * do not move.
 */
final class FabProjection {
    /** Below this |w_j| a coordinate counts as flat in the L2 projection (the reference's threshold). */
    static final double FLAT_L2 = 1e-8;

    private FabProjection() {}

    /**
     * The move d of the point onto the hyperplane within the box, smallest in the norm.
     *
     * @param norm L∞ or L2
     * @param t the point, each coordinate in [0, 1]
     * @param w the hyperplane's normal
     * @param b the hyperplane's offset: w·x = b
     * @return d, of t's length
     */
    static double[] project(Norm norm, double[] t, double[] w, double b) {
        return norm == Norm.LINF ? linf(t, w, b) : l2(t, w, b);
    }

    /** The L∞ projection (fab_projections.py, {@code projection_linf}). */
    static double[] linf(double[] t, double[] w, double b) {
        int n = t.length;
        double c = dot(w, t) - b;
        double sign = c >= 0 ? 1 : -1;  // after flipping, w·x has to fall by |c|
        c = Math.abs(c);
        // p_j: how far t_j can move towards the face that lowers w·x (1 where w_j < 0, 0 where w_j > 0).
        double[] p = new double[n], weight = new double[n];
        for (int j = 0; j < n; j++) {
            double wj = sign * w[j];
            p[j] = wj < 0 ? 1 - t[j] : t[j];
            weight[j] = Math.abs(wj);
        }
        double lambda = smallestRadius(p, weight, c);
        double[] d = new double[n];
        for (int j = 0; j < n; j++) {
            double wj = sign * w[j];
            if (wj == 0) continue;
            d[j] = (wj < 0 ? 1 : -1) * Math.min(lambda, p[j]);
        }
        return d;
    }

    /** The L2 projection (fab_projections.py, {@code projection_l2}). */
    static double[] l2(double[] t, double[] w, double b) {
        int n = t.length;
        double c = dot(w, t) - b;
        double sign = c >= 0 ? 1 : -1;
        c = Math.abs(c);
        // With d_j = clip(−α·w_j, …) coordinate j moves by |w_j|·α until α reaches r_j = p_j/|w_j|; its share of the
        // fall of w·x is w_j²·min(α, r_j) = |w_j|·min(α·|w_j|, p_j). So the fall is Σ|w_j|·min(|w_j|·α, p_j).
        double[] r = new double[n], weight = new double[n];
        for (int j = 0; j < n; j++) {
            double wj = sign * w[j];
            if (Math.abs(wj) < FLAT_L2) continue;
            double pj = wj < 0 ? 1 - t[j] : t[j];
            r[j] = pj / Math.abs(wj);
            weight[j] = wj * wj;
        }
        double alpha = smallestRadius(r, weight, c);
        double[] d = new double[n];
        for (int j = 0; j < n; j++) {
            double wj = sign * w[j];
            if (Math.abs(wj) < FLAT_L2) continue;
            d[j] = (wj < 0 ? 1 : -1) * Math.abs(wj) * Math.min(alpha, r[j]);
        }
        return d;
    }

    /** Σ a_j·b_j. */
    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) s += a[j] * b[j];
        return s;
    }

    /**
     * The smallest λ ≥ 0 with f(λ) = Σ weight_j·min(λ, cap_j) = target, f piecewise linear and non-decreasing; the
     * largest cap (every coordinate saturated) when f never reaches the target.
     */
    static double smallestRadius(double[] cap, double[] weight, double target) {
        if (target <= 0) return 0;
        int n = cap.length;
        Integer[] order = new Integer[n];
        for (int j = 0; j < n; j++) order[j] = j;
        Arrays.sort(order, (a, b) -> Double.compare(cap[a], cap[b]));
        // Below the k-th smallest cap: f(λ) = saturated + λ·free, saturated summing over the caps already passed.
        double free = 0, saturated = 0, below = 0;
        for (double v : weight) free += v;
        for (int k = 0; k < n; k++) {
            int j = order[k];
            if (weight[j] == 0) continue;
            double atCap = saturated + cap[j] * free;
            if (atCap >= target) return Math.max(below, (target - saturated) / free);
            saturated += weight[j] * cap[j];
            free -= weight[j];
            below = cap[j];
        }
        return below;
    }
}
