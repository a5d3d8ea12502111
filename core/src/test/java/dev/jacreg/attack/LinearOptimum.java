package dev.jacreg.attack;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.nn.Activations;
import dev.jacreg.nn.Linear;
import dev.jacreg.nn.Sequential;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The best any attack can do on a linear classifier z = Wx + b, in closed form, in plain Java doubles (independent of
 * libtorch). Image x with label y can be misclassified within the ball iff for some class k ≠ y
 * m_k = (z_k − z_y)(x) + max_{δ ∈ ball, x + δ ∈ [0,1]} (w_k − w_y)·δ > 0. For L∞ the inner maximum is separable (each
 * pixel goes to the end of its interval [max(−ε, −x_j), min(ε, 1 − x_j)] on the side of v_j); for L2 it is
 * δ_j = clip(v_j/μ, lo_j, hi_j) with μ found by bisection so that ‖δ‖₂ = ε (the KKT conditions), or the L∞-box corner
 * when that is already inside the ball.
 */
final class LinearOptimum {
    private LinearOptimum() {}

    /** A seeded random linear classifier (float64) with its weights as plain arrays, and images it classifies right. */
    record Case(Sequential model, double[][] w, double[] b, double[][] x, int[] y, Tensor images, Tensor labels) {
        int n() {
            return x.length;
        }

        /** The smallest radius at which the optimal attack in {@code norm} flips image i ({@link #flipRadius}). */
        double flipRadius(int i, Norm norm) {
            return LinearOptimum.flipRadius(w, b, x[i], y[i], norm);
        }

        /** Whether image i of a flat batch of adversarial images is misclassified. */
        boolean fooled(double[] adversarial, int i) {
            int d = x[i].length;
            double[] a = Arrays.copyOfRange(adversarial, i * d, (i + 1) * d);
            return argmax(logits(w, b, a)) != y[i];
        }
    }

    /**
     * n images of channels × side × side pixels (15 % at 0, 15 % at 1, the rest uniform), each labelled with the
     * model's own clean prediction, so that every flip is the attack's.
     */
    static Case randomCase(long seed, int classes, int n, int channels, int side) {
        int d = channels * side * side;
        Linear linear = new Linear(d, classes, DType.FLOAT64, RandomStream.seeded(seed));
        SplittableRandom random = new SplittableRandom(seed + 1);
        double[] b = new double[classes];
        for (int k = 0; k < classes; k++) b[k] = random.nextDouble(-0.3, 0.3);
        try (var off = Autograd.noGrad()) {
            linear.parameters().get("bias").copyFrom(Tensor.of(b, classes));
        }
        double[] wFlat = linear.parameters().get("weight").toDoubleArray();
        double[][] w = new double[classes][d];
        for (int k = 0; k < classes; k++) System.arraycopy(wFlat, k * d, w[k], 0, d);
        Sequential model = new Sequential().add("flatten", Activations.flatten()).add("fc", linear);
        double[][] x = new double[n][d];
        double[] flat = new double[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double u = random.nextDouble();
                x[i][j] = u < 0.15 ? 0 : u > 0.85 ? 1 : random.nextDouble();
                flat[i * d + j] = x[i][j];
            }
            y[i] = argmax(logits(w, b, x[i]));
        }
        return new Case(model, w, b, x, y, Tensor.of(flat, n, channels, side, side), Tensor.of(y, n));
    }

    static double[] logits(double[][] w, double[] b, double[] x) {
        double[] z = b.clone();
        for (int k = 0; k < z.length; k++) z[k] += dot(w[k], x);
        return z;
    }

    static int argmax(double[] z) {
        int best = 0;
        for (int k = 1; k < z.length; k++) if (z[k] > z[best]) best = k;
        return best;
    }

    /** max_{k≠y} m_k, the optimal attack's margin at radius ε (> 0: the image can be misclassified). */
    static double margin(double[][] w, double[] b, double[] x, int y, double eps, Norm norm) {
        double[] z = logits(w, b, x);
        int d = x.length;
        double best = Double.NEGATIVE_INFINITY;
        double[] lo = new double[d], hi = new double[d];
        for (int j = 0; j < d; j++) {
            lo[j] = norm == Norm.LINF ? Math.max(-eps, -x[j]) : -x[j];
            hi[j] = norm == Norm.LINF ? Math.min(eps, 1 - x[j]) : 1 - x[j];
        }
        for (int k = 0; k < z.length; k++) {
            if (k == y) continue;
            double[] v = new double[d];
            for (int j = 0; j < d; j++) v[j] = w[k][j] - w[y][j];
            double gain = norm == Norm.LINF ? boxGain(v, lo, hi) : l2Gain(v, lo, hi, eps);
            best = Math.max(best, z[k] - z[y] + gain);
        }
        return best;
    }

    /**
     * The smallest radius at which the optimal attack misclassifies x (the margin is increasing in ε), by bisection
     * to 1e-9; infinity if even the whole box is not enough.
     */
    static double flipRadius(double[][] w, double[] b, double[] x, int y, Norm norm) {
        double high = norm == Norm.LINF ? 1 : Math.sqrt(x.length);
        if (margin(w, b, x, y, high, norm) <= 0) return Double.POSITIVE_INFINITY;
        double low = 0;
        while (high - low > 1e-9) {
            double mid = (low + high) / 2;
            if (margin(w, b, x, y, mid, norm) > 0) high = mid; else low = mid;
        }
        return high;
    }

    private static double boxGain(double[] v, double[] lo, double[] hi) {
        double g = 0;
        for (int j = 0; j < v.length; j++) g += v[j] * (v[j] > 0 ? hi[j] : lo[j]);
        return g;
    }

    /** max v·δ over ‖δ‖₂ ≤ ε, lo ≤ δ ≤ hi. */
    private static double l2Gain(double[] v, double[] lo, double[] hi, double eps) {
        if (norm(delta(v, lo, hi, 0)) <= eps) return dot(v, delta(v, lo, hi, 0));
        double low = 0, high = 1;
        while (norm(delta(v, lo, hi, high)) > eps) high *= 2;
        for (int it = 0; it < 200; it++) {
            double mid = (low + high) / 2;
            if (norm(delta(v, lo, hi, mid)) > eps) low = mid; else high = mid;
        }
        return dot(v, delta(v, lo, hi, high));
    }

    /** clip(v/μ, lo, hi); μ = 0 means the box corner on the side of v. */
    private static double[] delta(double[] v, double[] lo, double[] hi, double mu) {
        double[] d = new double[v.length];
        for (int j = 0; j < v.length; j++) {
            double t = mu == 0 ? (v[j] > 0 ? hi[j] : v[j] < 0 ? lo[j] : 0) : v[j] / mu;
            d[j] = Math.min(hi[j], Math.max(lo[j], t));
        }
        return d;
    }

    private static double norm(double[] d) {
        return Math.sqrt(dot(d, d));
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) s += a[j] * b[j];
        return s;
    }
}
