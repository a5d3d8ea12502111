package dev.jacreg.attack;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Activations;
import dev.jacreg.nn.Linear;
import dev.jacreg.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * FAB-T against closed forms: on a linear model z = Wx + b its linearisation is exact, so a targeted run must find the
 * minimal perturbation to the target's half-space, |z_y − z_t|/‖w_t − w_y‖ in the dual norm (‖·‖₁ for L∞, ‖·‖₂ for
 * L2) where the box is inactive; and the attack's contract: points in [0, 1] and in the ε-ball, unbroken images
 * unchanged, the same result whatever the random stream.
 */
class FabTTest {
    private static final int H = 4, D = H * H, N = 30;

    private record Model(Sequential net, double[][] w, double[] b) {}

    private static Model linear(int classes, long seed) {
        Linear fc = new Linear(D, classes, DType.FLOAT64, RandomStream.seeded(seed));
        double[] flat = fc.parameters().get("weight").toDoubleArray();
        double[] b = fc.parameters().get("bias").toDoubleArray();
        double[][] w = new double[classes][D];
        for (int k = 0; k < classes; k++) System.arraycopy(flat, k * D, w[k], 0, D);
        return new Model(new Sequential().add("flatten", Activations.flatten()).add("fc", fc), w, b);
    }

    /** Images with every pixel in [0.35, 0.65], so that moves below 0.35 per pixel leave the box inactive. */
    private static double[][] interiorImages(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] x = new double[N][D];
        for (double[] row : x) for (int j = 0; j < D; j++) row[j] = random.nextDouble(0.35, 0.65);
        return x;
    }

    private static Tensor tensor(double[][] x) {
        double[] flat = new double[x.length * D];
        for (int i = 0; i < x.length; i++) System.arraycopy(x[i], 0, flat, i * D, D);
        return Tensor.of(flat, x.length, 1, H, H);
    }

    /**
     * Two classes: the one target is the other class. On a linear model with the box inactive every projection moves
     * along the same direction (−w/‖w‖₂ for L2, −sign(w) for L∞), so FAB's iterates stay on the ray from x₀ through
     * the nearest boundary point and FAB reduces to a recurrence in s, the position in units of the minimal distance
     * ({@link #fabOnARay}). FAB does not converge to s = 1: its overshoot η keeps the best adversarial iterate about
     * 0.5 % beyond the boundary. The found distance must be that recurrence's best s times the closed-form minimal
     * distance |z_y − z_t|/‖w_t − w_y‖ (dual norm: ‖·‖₁ for L∞, ‖·‖₂ for L2), to rounding.
     */
    @Test
    void onALinearModelItFindsTheMinimalPerturbation() {
        for (Norm norm : Norm.values()) {
            try (TensorScope scope = TensorScope.open()) {
                Model m = linear(2, 11 + norm.ordinal());
                double[][] x = interiorImages(5);
                long[] y = new long[N], target = new long[N];
                double[] exact = new double[N];
                boolean[] inactive = new boolean[N];
                for (int i = 0; i < N; i++) {
                    double[] z = LinearOptimum.logits(m.w, m.b, x[i]);
                    y[i] = LinearOptimum.argmax(z);
                    target[i] = 1 - y[i];
                    double[] v = new double[D];
                    double l1 = 0, l2 = 0;
                    for (int j = 0; j < D; j++) {
                        v[j] = m.w[(int) target[i]][j] - m.w[(int) y[i]][j];
                        l1 += Math.abs(v[j]);
                        l2 += v[j] * v[j];
                    }
                    double margin = z[(int) y[i]] - z[(int) target[i]];
                    exact[i] = norm == Norm.LINF ? margin / l1 : margin / Math.sqrt(l2);
                    double largestMove = norm == Norm.LINF ? exact[i]
                            : Arrays.stream(v).map(Math::abs).max().orElseThrow() * margin / l2;
                    inactive[i] = largestMove * ETA_BOUND < 0.35;
                }
                double onTheRay = fabOnARay(FabT.DEFAULT_ITERATIONS);
                assertTrue(onTheRay > 1 && onTheRay < 1.01, "FAB's best point on a ray: " + onTheRay);
                FabT fab = new FabT(norm);
                FabT.Minimal found = fab.run(m.net, tensor(x), Tensor.of(y, N), target);
                double[] points = found.points().toDoubleArray();
                int judged = 0;
                for (int i = 0; i < N; i++) {
                    if (!inactive[i]) continue;
                    judged++;
                    assertEquals(exact[i] * onTheRay, found.distance()[i], 1e-9 * exact[i], norm + " image " + i);
                    double[] p = Arrays.copyOfRange(points, i * D, (i + 1) * D);
                    assertNotEquals(y[i], LinearOptimum.argmax(LinearOptimum.logits(m.w, m.b, p)), "not adversarial");
                }
                assertTrue(judged > N / 2, norm + ": only " + judged + " images with the box inactive");
                m.net.close();
            }
        }
    }

    /**
     * FAB on a ray, in units of the minimal distance (the boundary at s = 1, x₀ at 0): the projections of x₁ and x₀
     * move by 1 − s and 1, α = min(|1 − s|/(|1 − s| + 1), α_max), s ← (s + η(1 − s))(1 − α) + η·α; past the boundary
     * s is recorded if the best yet and pulled back to β·s.
     *
     * @return the smallest s past the boundary
     */
    private static double fabOnARay(int iterations) {
        double s = 0, best = Double.POSITIVE_INFINITY;
        for (int it = 0; it < iterations; it++) {
            double a1 = Math.abs(1 - s), alpha = Math.min(a1 / (a1 + 1), FabT.ALPHA_MAX);
            s = (s + FabT.ETA * (1 - s)) * (1 - alpha) + FabT.ETA * alpha;
            if (s > 1) {
                best = Math.min(best, s);
                s *= FabT.BETA;
            }
        }
        return best;
    }

    /** The first overshoot, an upper bound of how far from x₀ the iterates go on a linear model. */
    private static final double ETA_BOUND = FabT.ETA;

    /**
     * Ten classes, as an attack at radius ε: an image is broken when some wrong class's half-space is within ε/s (s
     * FAB's excess on a ray, {@link #fabOnARay}) and never when none is within ε (the box inactive); and every
     * returned point is in [0, 1] and in the ε-ball, the unbroken ones unchanged.
     */
    @Test
    void asAnAttackItBreaksExactlyTheImagesWithinEpsilonOfABoundary() {
        for (Norm norm : Norm.values()) {
            try (TensorScope scope = TensorScope.open()) {
                Model m = linear(10, 21 + norm.ordinal());
                double[][] x = interiorImages(6);
                long[] y = new long[N];
                double[] nearest = new double[N];
                for (int i = 0; i < N; i++) {
                    double[] z = LinearOptimum.logits(m.w, m.b, x[i]);
                    y[i] = LinearOptimum.argmax(z);
                    nearest[i] = Double.POSITIVE_INFINITY;
                    for (int k = 0; k < 10; k++) {
                        if (k == y[i]) continue;
                        double l1 = 0, l2 = 0;
                        for (int j = 0; j < D; j++) {
                            double v = m.w[k][j] - m.w[(int) y[i]][j];
                            l1 += Math.abs(v);
                            l2 += v * v;
                        }
                        double gap = z[(int) y[i]] - z[k];
                        nearest[i] = Math.min(nearest[i], norm == Norm.LINF ? gap / l1 : gap / Math.sqrt(l2));
                    }
                }
                double[] sorted = nearest.clone();
                Arrays.sort(sorted);
                double eps = sorted[N / 2];  // half the images within reach
                double onTheRay = fabOnARay(FabT.DEFAULT_ITERATIONS) * (1 + 1e-9);
                // Every move within ETA_BOUND·ε is below 0.35 per pixel, so the box stays inactive for the runs judged.
                assertTrue(eps * ETA_BOUND < 0.35, "ε " + eps + " too large for an inactive box");
                Tensor images = tensor(x);
                double[] adv = new FabT(norm).perturb(m.net, images, Tensor.of(y, N), eps, RandomStream.seeded(1))
                        .toDoubleArray();
                int broken = 0, judged = 0;
                for (int i = 0; i < N; i++) {
                    double[] a = Arrays.copyOfRange(adv, i * D, (i + 1) * D);
                    double dist = distance(a, x[i], norm);
                    for (double v : a) assertTrue(v >= 0 && v <= 1, "pixel " + v);
                    assertTrue(dist <= eps * (1 + 1e-12), norm + " image " + i + " moved " + dist + " > ε " + eps);
                    boolean fooled = LinearOptimum.argmax(LinearOptimum.logits(m.w, m.b, a)) != y[i];
                    if (!fooled) assertEquals(0, dist, norm + " image " + i + ": an unbroken image must be unchanged");
                    if (fooled) broken++;
                    // No point beats the nearest boundary, and the run aimed at its class finds a point at most
                    // onTheRay times as far; between the two FAB is not judged.
                    if (nearest[i] < eps && nearest[i] * onTheRay >= eps) continue;
                    judged++;
                    assertEquals(nearest[i] < eps, fooled, norm + " image " + i + ": nearest boundary " + nearest[i]
                            + ", ε " + eps);
                }
                assertTrue(broken > 0 && broken < N && judged >= N - 2, broken + " broken, " + judged + " judged");
                m.net.close();
            }
        }
    }

    /** FAB-T draws nothing: two streams give bit-identical images, on a small nonlinear net too. */
    @Test
    void itIsDeterministic() {
        for (Norm norm : Norm.values()) {
            try (TensorScope scope = TensorScope.open()) {
                Sequential net = new Sequential().add("flatten", Activations.flatten())
                        .add("fc1", new Linear(D, 12, DType.FLOAT64, RandomStream.seeded(3)))
                        .add("relu", Activations.relu())
                        .add("fc2", new Linear(12, 5, DType.FLOAT64, RandomStream.seeded(4)));
                Tensor images = tensor(interiorImages(7));
                Tensor labels;
                try (var off = Autograd.noGrad()) {
                    labels = net.forward(images).argmax(1);
                }
                double eps = norm == Norm.LINF ? 0.1 : 0.5;
                FabT fab = new FabT(norm, 20, 4);
                double[] first = fab.perturb(net, images, labels, eps, RandomStream.seeded(1)).toDoubleArray();
                double[] second = fab.perturb(net, images, labels, eps, RandomStream.seeded(2)).toDoubleArray();
                assertArrayEquals(first, second, norm.toString());
                assertFalse(Arrays.equals(first, images.toDoubleArray()), norm + ": nothing was broken, a weak test");
                net.close();
            }
        }
    }

    private static double distance(double[] a, double[] b, Norm norm) {
        double max = 0, sq = 0;
        for (int j = 0; j < a.length; j++) {
            max = Math.max(max, Math.abs(a[j] - b[j]));
            sq += (a[j] - b[j]) * (a[j] - b[j]);
        }
        return norm == Norm.LINF ? max : Math.sqrt(sq);
    }
}
