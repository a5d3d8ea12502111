package dev.jacreg.train;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.FiniteDifferencesAccess;
import dev.jacreg.Functional;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The finite-difference penalty against the exact Jacobian of small float64 nets (built row by row with one backward
 * per output element), in both batch-norm modes; its gradient against finite differences in the parameters; and
 * batch norm's running statistics, updated once per step.
 */
class FiniteDifferencePenaltyTest {
    private static final long[] IMAGE = {1, 6, 6};
    private static final int BATCH = 3;

    private static Tensor images(long seed) {
        return Tensor.of(FiniteDifferencesAccess.values(BATCH * 36, seed, 1.0), BATCH, 1, 6, 6);
    }

    private static Tensor targets() {
        return Functional.oneHot(Tensor.of(new long[]{0, 3, 1}, BATCH), 4).to(DType.FLOAT64);
    }

    /**
     * The full Jacobian of softmax(net(X)) for the whole batch, (B·C)×(B·D): row (b, k) is ∂Y_bk/∂X. In training mode
     * it has off-diagonal blocks (batch statistics); in inference mode it is block diagonal.
     */
    private static double[][] fullJacobian(Sequential net, Tensor images) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = images.detach().requiresGrad(true);
            Tensor y = Functional.softmax(net.forward(x), 1);
            long batch = y.size(0), classes = y.size(1);
            double[][] rows = new double[(int) (batch * classes)][];
            for (long b = 0; b < batch; b++) {
                for (long k = 0; k < classes; k++) {
                    rows[(int) (b * classes + k)] = Autograd.grad(List.of(y.select(0, b).select(0, k)), List.of(x), null,
                            false, true, Autograd.Unused.FAIL).get(0).toDoubleArray();
                }
            }
            return rows;
        }
    }

    /** ‖J‖²_F / B. */
    private static double squaredNorm(double[][] jacobian) {
        double sum = 0;
        for (double[] row : jacobian) for (double v : row) sum += v * v;
        return sum / BATCH;
    }

    /** ‖J·u‖² / B: what the estimate tends to as h → 0 for this direction. */
    private static double squaredNormAlong(double[][] jacobian, double[] u) {
        double sum = 0;
        for (double[] row : jacobian) {
            double dot = 0;
            for (int i = 0; i < u.length; i++) dot += row[i] * u[i];
            sum += dot * dot;
        }
        return sum / BATCH;
    }

    private static JacobianPenalty penalty(JacobianPenalty.BatchNormMode mode) {
        return new JacobianPenalty(1, 1, JacobianPenalty.Target.SOFTMAX, mode, JacobianPenalty.Estimator.FINITE_DIFFERENCE);
    }

    @Test
    void meanOfEstimatesConvergesToTheExactNormWithInferenceBatchNorm() {
        double bias = meanConverges(JacobianPenalty.BatchNormMode.EVAL, 21, FiniteDifferencePenalty.STEP);
        assertTrue(Math.abs(bias) < 1e-3, "relative bias " + bias);
    }

    @Test
    void meanOfEstimatesConvergesToTheExactNormWithTrainingBatchNorm() {
        double bias = meanConverges(JacobianPenalty.BatchNormMode.TRAIN, 22, FiniteDifferencePenalty.STEP);
        assertTrue(Math.abs(bias) < 1e-3, "relative bias " + bias);
    }

    /**
     * The bias is second order in h for a net without kinks near the batch (FiniteDifferencePenalty: the first-order
     * term is odd in U): ten times the step, about a hundred times the bias (not ten). Training-mode batch norm over 3
     * images is the most curved case here.
     */
    @Test
    void biasIsSecondOrderInTheStep() {
        double large = meanConverges(JacobianPenalty.BatchNormMode.TRAIN, 22, 1e-2);
        double small = meanConverges(JacobianPenalty.BatchNormMode.TRAIN, 22, 1e-3);
        assertTrue(Math.abs(large) > 1e-3, "a visible bias at h = 1e-2: " + large);
        double ratio = large / small;
        assertTrue(ratio > 30 && ratio < 300, "bias ratio for 10× the step: " + ratio + " (" + large + " / " + small + ")");
    }

    /**
     * Checks on the same draws and returns the relative bias of the estimate at step h. (1) E‖JU‖² = ‖J‖²_F: the mean
     * of the h → 0 limits ‖JU‖²/B is within 3 standard errors of the exact norm. (2) The estimate's bias: the mean of
     * estimate − ‖JU‖²/B over the same U (common random numbers, and U with −U, which cancels the odd first-order
     * term draw by draw) is measured with a standard error far below the estimate's own; it must be below 3 of those
     * standard errors plus 5 % of R (the callers bound it more tightly).
     */
    private static double meanConverges(JacobianPenalty.BatchNormMode mode, long seed, double h) {
        try (TensorScope scope = TensorScope.open(); Sequential net = JacobianPenaltyTest.smallNet(seed)) {
            Tensor images = images(seed);
            net.setTraining(mode == JacobianPenalty.BatchNormMode.TRAIN);
            double[][] jacobian = fullJacobian(net, images);
            double exact = squaredNorm(jacobian);
            net.setTraining(true);
            JacobianPenalty penalty = penalty(mode);
            RandomStream random = RandomStream.seeded(seed);
            Map<String, double[]> buffers = values(net.buffers());
            int draws = 2000;
            double sumLimit = 0, sumLimitSq = 0, sumBias = 0, sumBiasSq = 0;
            for (int i = 0; i < draws; i++) {
                try (TensorScope draw = TensorScope.open()) {
                    List<Tensor> u = penalty.stepDirections(random, DType.FLOAT64, BATCH, 4, IMAGE);
                    Tensor logits = net.forward(images);
                    restore(net.buffers(), buffers);  // the inference-mode Jacobian above holds for these statistics
                    double estimate = (FiniteDifferencePenalty.estimate(penalty, net, images, logits, u, h).item()
                            + FiniteDifferencePenalty.estimate(penalty, net, images, logits, List.of(u.get(0).mul(-1)), h).item()) / 2;
                    double limit = squaredNormAlong(jacobian, u.get(0).toDoubleArray());
                    sumLimit += limit;
                    sumLimitSq += limit * limit;
                    sumBias += estimate - limit;
                    sumBiasSq += (estimate - limit) * (estimate - limit);
                }
            }
            double meanLimit = sumLimit / draws, meanBias = sumBias / draws;
            double seLimit = Math.sqrt((sumLimitSq / draws - meanLimit * meanLimit) / draws);
            double seBias = Math.sqrt((sumBiasSq / draws - meanBias * meanBias) / draws);
            assertTrue(exact > 0 && seLimit < 0.1 * exact, "SE " + seLimit + " exact " + exact);
            assertEquals(exact, meanLimit, 3 * seLimit, "mean of ‖JU‖²/B over " + draws + " draws");
            assertTrue(seBias < seLimit / 5, "common random numbers: bias SE " + seBias + " vs " + seLimit);
            assertEquals(0, meanBias, 3 * seBias + 0.05 * exact, "mean bias of the h = " + h + " estimate (exact " + exact + ")");
            return meanBias / exact;
        }
    }

    private static Map<String, double[]> values(Map<String, Tensor> tensors) {
        Map<String, double[]> values = new java.util.LinkedHashMap<>();
        tensors.forEach((name, t) -> values.put(name, t.toDoubleArray()));
        return values;
    }

    private static void restore(Map<String, Tensor> tensors, Map<String, double[]> values) {
        tensors.forEach((name, t) -> setValues(t, values.get(name)));
    }

    /** For one fixed direction the estimate tends to ‖JU‖²/B as h → 0, first order in h (float64). */
    @Test
    void oneDirectionTendsToTheJacobianAlongIt() {
        try (TensorScope scope = TensorScope.open(); Sequential net = JacobianPenaltyTest.smallNet(23)) {
            net.setTraining(false);
            Tensor images = images(23);
            Tensor u = Tensor.of(FiniteDifferencesAccess.values(BATCH * 36, 24, 1.0), BATCH, 1, 6, 6);
            double limit = squaredNormAlong(fullJacobian(net, images), u.toDoubleArray());
            Tensor clean = Functional.softmax(net.forward(images), 1);
            double previousError = Double.NaN;
            for (double h : new double[]{1e-3, 1e-4, 1e-5}) {
                Tensor shifted = Functional.softmax(net.forward(FiniteDifferencePenalty.perturbed(images, List.of(u), h).get(0)), 1);
                double error = Math.abs(FiniteDifferencePenalty.estimate(clean, List.of(shifted), h).item() - limit);
                assertTrue(error < 20 * h * limit, "h " + h + ": error " + error + " of " + limit);
                if (!Double.isNaN(previousError)) assertTrue(error < previousError / 5, "error must shrink with h: " + error);
                previousError = error;
            }
        }
    }

    /**
     * The estimate trains: its gradient in the parameters (through both forward passes) against central differences
     * (the loss's penalty is this estimate: projectionStaysTheDefaultAndBadDirectionsAreRefused).
     */
    @Test
    void gradientMatchesFiniteDifferencesInTheParameters() {
        for (JacobianPenalty.BatchNormMode mode : JacobianPenalty.BatchNormMode.values()) {
            try (TensorScope scope = TensorScope.open(); Sequential net = JacobianPenaltyTest.smallNet(25)) {
                net.setTraining(true);
                Tensor images = images(25);
                RegularizedLoss loss = new RegularizedLoss(penalty(mode));
                List<Tensor> u = loss.penalty().stepDirections(RandomStream.seeded(26), DType.FLOAT64, BATCH, 4, IMAGE);
                // Every evaluation starts from the same running statistics (each training pass moves them, and the
                // EVAL penalty depends on them).
                Map<String, double[]> buffers = values(net.buffers());
                for (String name : List.of("conv.weight", "bn.weight", "fc.weight")) {
                    Tensor parameter = net.parameters().get(name);
                    Tensor penaltyValue = penalty(net, loss.penalty(), images, u, buffers);
                    double[] analytic = Autograd.grad(penaltyValue, parameter, false).toDoubleArray();
                    double[] base = parameter.toDoubleArray();
                    double step = 1e-6, maxDiff = 0, scale = 1e-8;
                    for (int i = 0; i < base.length; i++) {
                        double numeric = (penaltyWith(net, loss, images, u, buffers, parameter, base, i, step)
                                - penaltyWith(net, loss, images, u, buffers, parameter, base, i, -step)) / (2 * step);
                        maxDiff = Math.max(maxDiff, Math.abs(analytic[i] - numeric));
                        scale = Math.max(scale, Math.abs(numeric));
                    }
                    setValues(parameter, base);
                    assertTrue(scale > 1e-6, mode + " " + name + ": the penalty must depend on it");
                    assertTrue(maxDiff / scale < 1e-5, mode + " " + name + ": relative error " + maxDiff / scale);
                }
            }
        }
    }

    private static double penaltyWith(Sequential net, RegularizedLoss loss, Tensor images, List<Tensor> u,
                                      Map<String, double[]> buffers, Tensor parameter, double[] base, int index, double step) {
        double[] probe = base.clone();
        probe[index] += step;
        setValues(parameter, probe);
        try (TensorScope scope = TensorScope.open()) {
            return penalty(net, loss.penalty(), images, u, buffers).item();
        }
    }

    /**
     * The penalty with the running statistics held at the given values: the training pass moves them by an amount
     * that depends on the conv weights, outside autograd, which the EVAL penalty would otherwise see in a numerical
     * derivative but not in the analytic one.
     */
    private static Tensor penalty(Sequential net, JacobianPenalty penalty, Tensor images, List<Tensor> u,
                                  Map<String, double[]> buffers) {
        restore(net.buffers(), buffers);
        Tensor logits = net.forward(images);
        restore(net.buffers(), buffers);
        return FiniteDifferencePenalty.estimate(penalty, net, images, logits, u, FiniteDifferencePenalty.STEP);
    }

    private static void setValues(Tensor parameter, double[] values) {
        try (TensorScope scope = TensorScope.open(); var off = Autograd.noGrad()) {
            parameter.copyFrom(Tensor.of(values, parameter.shape()));
        }
    }

    /** The perturbed training-mode pass must not move the running statistics: they end as after one plain pass. */
    @Test
    void runningStatisticsAreUpdatedOncePerStep() {
        for (JacobianPenalty.BatchNormMode mode : JacobianPenalty.BatchNormMode.values()) {
            try (TensorScope scope = TensorScope.open(); Sequential penalised = JacobianPenaltyTest.smallNet(27);
                 Sequential plain = JacobianPenaltyTest.smallNet(27)) {
                penalised.setTraining(true);
                plain.setTraining(true);
                Tensor images = images(27);
                double[] before = penalised.buffers().get("bn.running_mean").toDoubleArray();
                RegularizedLoss loss = new RegularizedLoss(penalty(mode));
                loss.compute(penalised, images, targets(), loss.penalty().stepDirections(RandomStream.seeded(28),
                        DType.FLOAT64, BATCH, 4, IMAGE));
                RegularizedLoss.plain().compute(plain, images, targets());
                Map<String, Tensor> expected = plain.buffers();
                assertFalse(java.util.Arrays.equals(before, expected.get("bn.running_mean").toDoubleArray()),
                        "the plain pass moves the running mean");
                for (var entry : penalised.buffers().entrySet()) {
                    assertArrayEquals(expected.get(entry.getKey()).toDoubleArray(), entry.getValue().toDoubleArray(),
                            mode + " " + entry.getKey());
                }
            }
        }
    }

    /** The library's loss term (Fit) computes the same estimate from its context's stream; K > 1 is refused there. */
    @Test
    void lossTermIsTheSameEstimate() {
        try (TensorScope scope = TensorScope.open(); Sequential net = JacobianPenaltyTest.smallNet(34)) {
            net.setTraining(true);
            Tensor images = images(34);
            JacobianPenalty penalty = new JacobianPenalty(0.6, 2, JacobianPenalty.Target.LOGITS,
                    JacobianPenalty.BatchNormMode.TRAIN, JacobianPenalty.Estimator.FINITE_DIFFERENCE);
            Tensor logits = net.forward(images);
            double term = LossTerms.jacobian(penalty).compute(new LossTerm.Context(net, images, logits, targets(),
                    RandomStream.seeded(35))).item();
            List<Tensor> u = penalty.stepDirections(RandomStream.seeded(35), DType.FLOAT64, BATCH, 4, IMAGE);
            double expected = FiniteDifferencePenalty.estimate(penalty, net, images, logits, u, FiniteDifferencePenalty.STEP)
                    .item() * 0.6 / 2;
            assertTrue(expected > 0);
            assertEquals(expected, term, 0.0);
            assertThrows(IllegalArgumentException.class, () -> LossTerms.jacobian(penalty.withEvery(2)));
        }
    }

    @Test
    void projectionStaysTheDefaultAndBadDirectionsAreRefused() {
        assertEquals(JacobianPenalty.Estimator.PROJECTION, JacobianPenalty.reference().estimator());
        assertEquals(JacobianPenalty.Estimator.PROJECTION,
                new JacobianPenalty(1, 1, JacobianPenalty.Target.LOGITS, JacobianPenalty.BatchNormMode.EVAL).estimator());
        assertThrows(IllegalArgumentException.class, () -> JacobianPenalty.reference().withEstimator(null));
        try (TensorScope scope = TensorScope.open(); Sequential net = JacobianPenaltyTest.smallNet(29)) {
            net.setTraining(true);
            RegularizedLoss loss = new RegularizedLoss(penalty(JacobianPenalty.BatchNormMode.TRAIN));
            // The loss's penalty is FiniteDifferencePenalty's estimate at STEP (training-mode output does not depend on
            // the running statistics the loss's pass moved).
            List<Tensor> u = loss.penalty().stepDirections(RandomStream.seeded(30), DType.FLOAT64, BATCH, 4, IMAGE);
            RegularizedLoss.Parts parts = loss.compute(net, images(29), targets(), u);
            assertEquals(FiniteDifferencePenalty.estimate(loss.penalty(), net, images(29), parts.logits(), u,
                    FiniteDifferencePenalty.STEP).item(), parts.penalty().item(), 0.0);
            assertEquals(parts.crossEntropy().item() + parts.penalty().item() / 2, parts.total().item(), 1e-12);
            List<Tensor> outputShaped = List.of(Tensor.randn(DType.FLOAT64, BATCH, 4));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> loss.compute(net, images(29), targets(), outputShaped));
            assertTrue(e.getMessage().contains("images' shape"), e.getMessage());
        }
    }
}
