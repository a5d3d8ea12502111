package dev.jacreg.attack;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Module;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * APGD-CE, APGD-T, FAB-T, Square, PGD with restarts and AutoAttack against the exact optimum on a linear classifier
 * z = Wx + b over 1×5×5 images and 10 classes. For a linear model the best an attack can do is closed-form
 * ({@link LinearOptimum}, in plain Java doubles, independent of libtorch).
 */
class AutoAttackClosedFormTest {
    private static final int H = 5, D = H * H, N = 40;
    /**
     * Images whose optimal margin is within this of 0 are not judged: there an attack would have to hit the optimum
     * to a precision no iterative method promises (logits here are of order 1).
     */
    private static final double BORDER = 0.02;

    private static LinearOptimum.Case linearCase(long seed) {
        return linearCase(seed, 10);
    }

    private static LinearOptimum.Case linearCase(long seed, int classes) {
        return LinearOptimum.randomCase(seed, classes, N, 1, H);
    }

    private static double[] logits(double[][] w, double[] b, double[] x) {
        return LinearOptimum.logits(w, b, x);
    }

    private static int argmax(double[] z) {
        return LinearOptimum.argmax(z);
    }

    /** max_{k≠y} m_k, the optimal attack's margin (> 0: the image can be misclassified). */
    static double optimalMargin(LinearOptimum.Case c, int i, double eps, Norm norm) {
        return LinearOptimum.margin(c.w(), c.b(), c.x()[i], c.y()[i], eps, norm);
    }

    /** The attacks that seek the margin of every wrong class (APGD-T's and FAB-T's targets, Square's margin loss). */
    private static List<Attack> marginAttacks(Norm norm) {
        List<Attack> attacks = new java.util.ArrayList<>(List.of(
                new Apgd(norm, Apgd.Loss.TARGETED_DLR, 50, 1, 9),
                new FabT(norm, 50, 9),
                new AutoAttack(norm, 50, 1000)));
        if (norm == Norm.LINF) attacks.add(new Square(norm, 2000, Square.DEFAULT_P_INIT));
        return attacks;
    }

    /** The attacks that climb the cross-entropy, which over several wrong classes is not the margin. */
    private static List<Attack> crossEntropyAttacks(Norm norm) {
        return List.of(new Apgd(norm, Apgd.Loss.CE, 50, 1, 9), new Pgd(norm, 40, Double.NaN, true, 3));
    }

    /**
     * On 10 classes the margin-seeking attacks reach the optimum; the cross-entropy ones are judged on 2 classes,
     * where the cross-entropy log(1 + e^(z_k − z_y)) is increasing in the margin, so its optimum is the margin's.
     */
    @Test
    void everyAttackReachesTheLinearModelsOptimum() {
        for (Norm norm : Norm.values()) {
            for (Attack attack : marginAttacks(norm)) reachesTheOptimum(attack, norm, 10);
            for (Attack attack : crossEntropyAttacks(norm)) reachesTheOptimum(attack, norm, 2);
        }
    }

    private static void reachesTheOptimum(Attack attack, Norm norm, int classes) {
        // Two classes have wider margins than the closest of nine wrong ones, so they need wider balls.
        double scale = classes == 2 ? (norm == Norm.LINF ? 3 : 1.5) : 1;
        double[] radii = norm == Norm.LINF ? new double[]{0.03 * scale, 0.08 * scale, 0.15 * scale}
                : new double[]{0.2 * scale, 0.5 * scale, 1.0 * scale};
        try (TensorScope scope = TensorScope.open()) {
            LinearOptimum.Case c = linearCase(norm.ordinal(), classes);
            int judged = 0, flippable = 0;
            for (double eps : radii) {
                double[] adv = attack.perturb(c.model(), c.images(), c.labels(), eps, RandomStream.seeded(9)).toDoubleArray();
                for (int i = 0; i < N; i++) {
                    double[] a = java.util.Arrays.copyOfRange(adv, i * D, (i + 1) * D);
                    assertInBall(a, c.x()[i], eps, norm, attack + " image " + i);
                    double optimum = optimalMargin(c, i, eps, norm);
                    if (Math.abs(optimum) < BORDER) continue;
                    judged++;
                    if (optimum > 0) flippable++;
                    boolean fooled = argmax(logits(c.w(), c.b(), a)) != c.y()[i];
                    assertEquals(optimum > 0, fooled, attack + " on " + classes + " classes at ε " + eps + ", image "
                            + i + ": optimal margin " + optimum);
                }
            }
            // The radii must leave both kinds of image, or the test would prove little.
            assertTrue(flippable > judged / 5 && flippable < judged * 4 / 5,
                    attack + ": " + flippable + " of " + judged + " judged images flippable");
            c.model().close();
        }
    }

    private static List<Attack> attacks(Norm norm) {
        List<Attack> all = new java.util.ArrayList<>(marginAttacks(norm));
        all.addAll(crossEntropyAttacks(norm));
        return all;
    }

    private static void assertInBall(double[] adv, double[] clean, double eps, Norm norm, String what) {
        double max = 0, sq = 0;
        for (int j = 0; j < adv.length; j++) {
            assertTrue(adv[j] >= 0 && adv[j] <= 1, what + ": pixel " + adv[j] + " outside [0, 1]");
            double d = adv[j] - clean[j];
            max = Math.max(max, Math.abs(d));
            sq += d * d;
        }
        double dist = norm == Norm.LINF ? max : Math.sqrt(sq);
        assertTrue(dist <= eps * (1 + 1e-9) + 1e-12, what + " moved " + dist + " > ε " + eps);
    }

    /** p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06): for N = 100 the steps below. */
    @Test
    void apgdCheckpointsFollowThePublishedSchedule() {
        assertArrayEquals(new int[]{22, 41, 57, 70, 80, 87, 93, 99}, Apgd.checkpoints(100));
        assertArrayEquals(new int[]{3, 5, 6, 7, 8, 9, 10}, Apgd.checkpoints(10));  // ⌈p·10⌉, repeats dropped
        assertArrayEquals(new int[]{1}, Apgd.checkpoints(1));
    }

    /** The best loss at the checkpoints never decreases, and the returned point has the reported loss. */
    @Test
    void apgdBestLossNeverDecreasesAcrossCheckpoints() {
        for (Norm norm : Norm.values()) {
            try (TensorScope scope = TensorScope.open()) {
                LinearOptimum.Case c = linearCase(5);
                Apgd apgd = new Apgd(norm, Apgd.Loss.CE, 30, 1, 9);
                double eps = norm == Norm.LINF ? 0.05 : 0.3;
                Apgd.Run run = apgd.run(c.model(), c.images(), c.labels(), AttackMath.crossEntropy(c.labels()), eps,
                        RandomStream.seeded(3));
                assertEquals(Apgd.checkpoints(30).length + 1, run.checkpointBest().size());
                for (int k = 1; k < run.checkpointBest().size(); k++) {
                    for (int i = 0; i < N; i++) {
                        assertTrue(run.checkpointBest().get(k)[i] >= run.checkpointBest().get(k - 1)[i],
                                norm + " image " + i + " checkpoint " + k);
                    }
                }
                // Halving happened somewhere, and the unfooled images return their best point: its CE, recomputed
                // here from W and b, is the run's best loss.
                double[] adv = run.adversarial().toDoubleArray();
                for (int i = 0; i < N; i++) {
                    if (run.fooled()[i]) continue;
                    double[] z = logits(c.w(), c.b(), java.util.Arrays.copyOfRange(adv, i * D, (i + 1) * D));
                    double max = java.util.Arrays.stream(z).max().orElseThrow(), sum = 0;
                    for (double v : z) sum += Math.exp(v - max);
                    double ce = max + Math.log(sum) - z[c.y()[i]];
                    assertEquals(run.bestLoss()[i], ce, 1e-9, norm + " image " + i);
                    assertTrue(ce >= run.checkpointBest().get(0)[i], "no worse than the start");
                }
                c.model().close();
            }
        }
    }

    /** A model that counts the images it is shown. */
    private static final class Counting implements Module {
        final Module inner;
        long images;

        Counting(Module inner) {
            this.inner = inner;
        }

        @Override
        public Tensor forward(Tensor input) {
            images += input.size(0);
            return inner.forward(input);
        }

        @Override
        public Map<String, Tensor> parameters() {
            return inner.parameters();
        }

        @Override
        public void close() {}
    }

    @Test
    void squareSpendsExactlyItsBudgetAndStaysInTheBall() {
        try (TensorScope scope = TensorScope.open()) {
            LinearOptimum.Case c = linearCase(2);
            // At ε 0.01 the images whose optimal margin is negative cannot be misclassified, so each of them spends
            // its whole budget.
            double eps = 0.01;
            long[] safe = java.util.stream.IntStream.range(0, N).filter(i -> optimalMargin(c, i, eps, Norm.LINF) < 0)
                    .asLongStream().toArray();
            assertTrue(safe.length > N / 2, "most images are safe at ε 0.01: " + safe.length);
            Tensor images = AttackMath.rows(c.images(), safe), labels = AttackMath.rows(c.labels(), safe);
            for (int budget : new int[]{2, 3, 57}) {
                Counting counting = new Counting(c.model());
                Square.Result r = new Square(Norm.LINF, budget, 0.8).run(counting, images, labels, eps,
                        RandomStream.seeded(budget));
                assertEquals((long) safe.length * budget, counting.images, "forward passes");
                for (int q : r.queries()) assertEquals(budget, q);
            }
            // At a radius that fools some, each image spends at most its budget, and the counts add up.
            Counting counting = new Counting(c.model());
            Square.Result r = new Square(Norm.LINF, 300, 0.8).run(counting, c.images(), c.labels(), 0.15, RandomStream.seeded(1));
            long total = 0;
            double[] adv = r.adversarial().toDoubleArray();
            for (int i = 0; i < N; i++) {
                assertTrue(r.queries()[i] >= 2 && r.queries()[i] <= 300, "image " + i + ": " + r.queries()[i]);
                total += r.queries()[i];
                assertInBall(java.util.Arrays.copyOfRange(adv, i * D, (i + 1) * D), c.x()[i], 0.15, Norm.LINF, "square");
            }
            assertEquals(total, counting.images);
            assertTrue(total < (long) N * 300, "some image stopped early when fooled");
            c.model().close();
        }
    }

    @Test
    void squareWindowScheduleIsThePublishedOne() {
        assertEquals(0.8, Square.fraction(0.8, 10, 10000));
        assertEquals(0.4, Square.fraction(0.8, 11, 10000));
        assertEquals(0.8 / 512, Square.fraction(0.8, 9000, 10000), 1e-15);
        assertEquals(0.8 / 4, Square.fraction(0.8, 10, 500), 1e-15);  // iteration 10 of 500 is 200 of 10,000
        assertEquals(25, Square.windowSide(Norm.LINF, 0.8, 1, 5000, 28, 28));     // round(√(0.8·784)) = 25
        assertEquals(1, Square.windowSide(Norm.LINF, 0.8, 9000, 10000, 28, 28));  // round(√(0.8/512·784)) = 1
    }

    @Test
    void attacksFreeTheirTemporaries() {
        try (TensorScope scope = TensorScope.open()) {
            LinearOptimum.Case c = linearCase(4);
            long before = Tensor.liveCount();
            for (Attack a : attacks(Norm.LINF)) {
                try (TensorScope inner = TensorScope.open()) {
                    a.perturb(c.model(), c.images(), c.labels(), 0.05, RandomStream.seeded(1));
                }
            }
            // Not equality: the Cleaner may free other tests' dropped tensors meanwhile; a leak adds dozens per step.
            assertTrue(Tensor.liveCount() <= before, "live tensors " + before + " → " + Tensor.liveCount());
            c.model().close();
        }
    }

    /** The standard version's order, FAB-T sharing APGD's iterations; the white-box part is all but Square. */
    @Test
    void autoAttackRunsTheStandardOrder() {
        AutoAttack aa = new AutoAttack(Norm.L2, 7, 100);
        assertEquals(List.of("apgd-ce", "apgd-t", "fab-t", "square"), aa.stages().stream().map(Attack::name).toList());
        assertEquals(7, ((FabT) aa.stages().get(2)).iterations());
        assertEquals(FabT.DEFAULT_TARGETS, ((FabT) aa.stages().get(2)).targets());
        assertEquals(List.of("apgd-ce", "apgd-t", "fab-t"), aa.whiteBoxPart().stages().stream().map(Attack::name).toList());
        assertTrue(aa.describe().contains("FAB-T"), aa.describe());
    }

    @Test
    void badSettingsAreRejectedClearly() {
        assertThrows(IllegalArgumentException.class, () -> new Apgd(Norm.LINF, Apgd.Loss.CE, 0, 1, 9));
        assertThrows(IllegalArgumentException.class, () -> new Apgd(Norm.LINF, Apgd.Loss.CE, 10, 0, 9));
        assertThrows(IllegalArgumentException.class, () -> new Square(Norm.LINF, 1, 0.8));
        assertThrows(IllegalArgumentException.class, () -> new Pgd(Norm.LINF, 5, Double.NaN, false, 2));
        assertThrows(IllegalArgumentException.class, () -> new AutoAttack(Norm.LINF, 0, 100));
        assertThrows(IllegalArgumentException.class, () -> new FabT(Norm.LINF, 0, 9));
        assertThrows(IllegalArgumentException.class, () -> new FabT(Norm.L2, 10, 0));
    }
}
