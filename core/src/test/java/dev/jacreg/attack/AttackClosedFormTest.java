package dev.jacreg.attack;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Linear;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * FGSM and PGD against closed forms on a linear softmax classifier z = Wx + b, whose input gradient of the
 * cross-entropy is Wᵀ(softmax(Wx + b) − onehot(y)) — computed here in plain Java doubles, independently of libtorch's
 * autograd — and PGD's constraints as properties over random cases on the seed network.
 */
class AttackClosedFormTest {
    private static final int D = 12, C = 4, N = 6;

    /** The model, its weights copied out, clean images (some pixels at or near 0 and 1, so clipping matters) and labels. */
    private record Case(Linear model, double[][] w, double[] b, double[][] x, int[] y, Tensor images, Tensor labels) {}

    private static Case linearCase(long seed) {
        Linear model = new Linear(D, C, DType.FLOAT64, RandomStream.seeded(seed));
        double[] wFlat = model.parameters().get("weight").toDoubleArray();
        double[][] w = new double[C][D];
        for (int k = 0; k < C; k++) System.arraycopy(wFlat, k * D, w[k], 0, D);
        SplittableRandom random = new SplittableRandom(seed + 1);
        double[] b = new double[C];
        for (int k = 0; k < C; k++) b[k] = random.nextDouble(-0.5, 0.5);
        try (var off = Autograd.noGrad()) {
            model.parameters().get("bias").copyFrom(Tensor.of(b, C));  // a random bias, so it matters too
        }
        double[][] x = new double[N][D];
        double[] flat = new double[N * D];
        int[] y = new int[N];
        for (int i = 0; i < N; i++) {
            y[i] = random.nextInt(C);
            for (int j = 0; j < D; j++) {
                double u = random.nextDouble();
                x[i][j] = u < 0.15 ? 0 : u > 0.85 ? 1 : random.nextDouble();
                flat[i * D + j] = x[i][j];
            }
        }
        return new Case(model, w, b, x, y, Tensor.of(flat, N, D), Tensor.of(y, N));
    }

    /** Wᵀ(softmax(Wx + b) − onehot(y)), the gradient of −log softmax_y, for one image. */
    private static double[] gradient(Case c, int i) {
        double[] z = new double[C];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < C; k++) {
            z[k] = c.b[k];
            for (int j = 0; j < D; j++) z[k] += c.w[k][j] * c.x[i][j];
            max = Math.max(max, z[k]);
        }
        double sum = 0;
        for (int k = 0; k < C; k++) sum += Math.exp(z[k] - max);
        double[] g = new double[D];
        for (int k = 0; k < C; k++) {
            double r = Math.exp(z[k] - max) / sum - (k == c.y[i] ? 1 : 0);
            for (int j = 0; j < D; j++) g[j] += c.w[k][j] * r;
        }
        return g;
    }

    private static double clip(double v) {
        return Math.min(1, Math.max(0, v));
    }

    @Test
    void fgsmLinfIsEpsilonTimesTheSignOfTheGradientClipped() {
        for (long seed = 0; seed < 3; seed++) {
            try (TensorScope scope = TensorScope.open()) {
                Case c = linearCase(seed);
                double eps = 0.05 + 0.1 * seed;
                double[] got = new Fgsm(Norm.LINF).perturb(c.model, c.images, c.labels, eps, null).toDoubleArray();
                for (int i = 0; i < N; i++) {
                    double[] g = gradient(c, i);
                    for (int j = 0; j < D; j++) {
                        double want = clip(c.x[i][j] + eps * Math.signum(g[j]));
                        assertEquals(want, got[i * D + j], 1e-12, "image " + i + " pixel " + j);
                    }
                }
                c.model.close();
            }
        }
    }

    @Test
    void fgsmL2IsEpsilonTimesTheUnitGradientClipped() {
        for (long seed = 0; seed < 3; seed++) {
            try (TensorScope scope = TensorScope.open()) {
                Case c = linearCase(seed);
                double eps = 0.5 + seed;
                double[] got = new Fgsm(Norm.L2).perturb(c.model, c.images, c.labels, eps, null).toDoubleArray();
                for (int i = 0; i < N; i++) {
                    double[] g = gradient(c, i);
                    double norm = 0;
                    for (double v : g) norm += v * v;
                    norm = Math.sqrt(norm);
                    for (int j = 0; j < D; j++) {
                        assertEquals(clip(c.x[i][j] + eps * g[j] / norm), got[i * D + j], 1e-12, "image " + i + " pixel " + j);
                    }
                }
                c.model.close();
            }
        }
    }

    @Test
    void pgdWithOneFullStepAndNoRandomStartIsFgsm() {
        for (Norm norm : Norm.values()) {
            try (TensorScope scope = TensorScope.open()) {
                Case c = linearCase(7);
                double eps = norm == Norm.LINF ? 0.1 : 1.5;
                double[] fgsm = new Fgsm(norm).perturb(c.model, c.images, c.labels, eps, null).toDoubleArray();
                double[] pgd = new Pgd(norm, 1, eps, false).perturb(c.model, c.images, c.labels, eps, null).toDoubleArray();
                assertArrayEquals(fgsm, pgd, 1e-12, norm.label());
                c.model.close();
            }
        }
    }

    @Test
    void epsilonZeroLeavesTheImagesAlone() {
        try (TensorScope scope = TensorScope.open()) {
            Case c = linearCase(3);
            double[] clean = c.images.toDoubleArray();
            assertArrayEquals(clean, new Fgsm(Norm.LINF).perturb(c.model, c.images, c.labels, 0, null).toDoubleArray());
            assertArrayEquals(clean, new Pgd(Norm.L2, 5, Double.NaN, true)
                    .perturb(c.model, c.images, c.labels, 0, RandomStream.seeded(1)).toDoubleArray());
            c.model.close();
        }
    }

    /** Over random nets, images, radii, step counts, step sizes and starts: ‖x' − x‖ ≤ ε and 0 ≤ x' ≤ 1. */
    @Test
    void pgdStaysInTheEpsilonBallAndThePixelRange() {
        SplittableRandom random = new SplittableRandom(2024);
        for (int trial = 0; trial < 12; trial++) {
            Norm norm = Norm.values()[trial % 2];
            double eps = norm == Norm.LINF ? random.nextDouble(0.01, 0.4) : random.nextDouble(0.1, 4);
            int steps = 1 + random.nextInt(6);
            double alpha = random.nextBoolean() ? Double.NaN : eps * random.nextDouble(0.1, 3);  // some overshoot
            boolean start = random.nextBoolean();
            try (TensorScope scope = TensorScope.open();
                 Sequential net = SeedNetwork.create(Tensor.full(0.3, DType.FLOAT64, 1, 1, 8, 8), 8, 8, DType.FLOAT64,
                         RandomStream.seeded(trial))) {
                RandomStream data = RandomStream.seeded(100 + trial);
                Tensor images = data.uniform(DType.FLOAT64, 5, 1, 8, 8);
                Tensor labels = Tensor.of(new long[]{0, 1, 2, 3, 4}, 5);
                Pgd pgd = new Pgd(norm, steps, alpha, start);
                double[] clean = images.toDoubleArray();
                double[] adv = pgd.perturb(net, images, labels, eps, RandomStream.seeded(trial)).toDoubleArray();
                String what = pgd + " eps " + eps + " alpha " + alpha;
                for (int i = 0; i < 5; i++) {
                    double max = 0, sq = 0;
                    for (int j = 0; j < 64; j++) {
                        double v = adv[i * 64 + j], d = v - clean[i * 64 + j];
                        assertTrue(v >= 0 && v <= 1, what + ": pixel " + v + " outside [0, 1]");
                        max = Math.max(max, Math.abs(d));
                        sq += d * d;
                    }
                    double dist = norm == Norm.LINF ? max : Math.sqrt(sq);
                    assertTrue(dist <= eps * (1 + 1e-9), what + ": image " + i + " moved " + dist);
                    assertTrue(dist > 0, what + ": image " + i + " did not move");
                }
            }
        }
    }

    /** A sweep frees every temporary tensor (gradients, graphs, iterates) of every chunk and step. */
    @Test
    void sweepsLeakNoTensors() {
        try (TensorScope scope = TensorScope.open()) {
            Case c = linearCase(5);
            long before = Tensor.liveCount();
            double[] eps = {0, 0.1, 0.3};
            double[] acc = AttackSweep.accuracy(c.model, new Pgd(Norm.L2, 3, Double.NaN, true), c.images, c.labels, eps, 4,
                    i -> RandomStream.seeded(i));
            AttackSweep.accuracy(c.model, new Fgsm(Norm.LINF), c.images, c.labels, eps, 4, i -> null);
            assertEquals(before, Tensor.liveCount(), "live tensors after two sweeps");
            assertEquals(3, acc.length);
            c.model.close();
        }
    }

    @Test
    void badInputIsRejectedClearly() {
        try (TensorScope scope = TensorScope.open()) {
            Case c = linearCase(1);
            Fgsm fgsm = new Fgsm(Norm.LINF);
            assertThrows(IllegalArgumentException.class, () -> fgsm.perturb(c.model, c.images, c.labels, -0.1, null));
            assertThrows(IllegalArgumentException.class, () -> fgsm.perturb(c.model, c.images, c.labels, Double.NaN, null));
            assertThrows(IllegalArgumentException.class, () -> fgsm.perturb(c.model, c.images, Tensor.of(new long[]{0}, 1), 0.1, null));
            assertThrows(IllegalArgumentException.class, () -> new Pgd(Norm.L2, 0, Double.NaN, false));
            assertThrows(IllegalArgumentException.class, () -> new Pgd(Norm.L2, 3, -1, false));
            assertThrows(IllegalArgumentException.class, () -> Norm.parse("l3"));
            assertThrows(IllegalArgumentException.class,
                    () -> new Pgd(Norm.LINF, 2, Double.NaN, true).perturb(c.model, c.images, c.labels, 0.1, null));
            c.model.close();
        }
    }
}
