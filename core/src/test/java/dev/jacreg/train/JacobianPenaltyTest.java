package dev.jacreg.train;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.Functional;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.nn.BatchNorm2d;
import dev.jacreg.nn.Conv2d;
import dev.jacreg.nn.Linear;
import dev.jacreg.nn.Sequential;
import dev.jacreg.nn.Activations;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The penalty estimator against the exact Jacobian norm, and the total loss against finite differences. */
class JacobianPenaltyTest {
    /** conv → BN → relu → linear, float64, inputs 3×1×6×6, 4 classes. */
    static Sequential smallNet(long seed) {
        Torch.manualSeed(seed);
        return new Sequential()
                .add("conv", new Conv2d(1, 2, 3, 1, 0, DType.FLOAT64))
                .add("bn", new BatchNorm2d(2, DType.FLOAT64))
                .add("relu", Activations.relu())
                .add("flatten", Activations.flatten())
                .add("fc", new Linear(32, 4, DType.FLOAT64));
    }

    /** Full Jacobian of softmax(net(x)) built column by column: one backward per input element. */
    static double frobeniusColumnByColumn(Sequential net, Tensor images) {
        double sum = 0;
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = images.detach().requiresGrad(true);
            Tensor z = Functional.softmax(net.forward(x), 1);
            long batch = z.size(0), classes = z.size(1);
            for (long b = 0; b < batch; b++) {
                for (long k = 0; k < classes; k++) {
                    Tensor g = Autograd.grad(List.of(z.select(0, b).select(0, k)), List.of(x), null, false, true,
                            Autograd.Unused.FAIL).get(0);
                    // With inference-mode BN, output b depends on input b only: keep its own block.
                    double[] values = g.select(0, b).toDoubleArray();
                    for (double v : values) sum += v * v;
                }
            }
            return sum / batch;
        }
    }

    @Test
    void exactModeAgreesWithAJacobianBuiltColumnByColumn() {
        try (TensorScope scope = TensorScope.open(); Sequential net = smallNet(5)) {
            net.setTraining(false);
            Tensor images = Tensor.of(dev.jacreg.FiniteDifferencesAccess.values(3 * 36, 11, 1.0), 3, 1, 6, 6);
            Tensor x = images.detach().requiresGrad(true);
            double exact = JacobianPenalty.exactSquaredNorm(x, Functional.softmax(net.forward(x), 1), false).item();
            double columns = frobeniusColumnByColumn(net, images);
            assertTrue(exact > 0);
            assertEquals(columns, exact, 1e-12 * columns);
        }
    }

    @Test
    void randomProjectionEstimateIsUnbiased() {
        try (TensorScope scope = TensorScope.open(); Sequential net = smallNet(6)) {
            net.setTraining(false);
            Tensor images = Tensor.of(dev.jacreg.FiniteDifferencesAccess.values(3 * 36, 12, 1.0), 3, 1, 6, 6);
            double exact = frobeniusColumnByColumn(net, images);
            JacobianPenalty penalty = new JacobianPenalty(1, 1, JacobianPenalty.Target.SOFTMAX);
            Torch.manualSeed(77);
            int draws = 4000;
            double sum = 0, sumSq = 0;
            for (int i = 0; i < draws; i++) {
                try (TensorScope draw = TensorScope.open()) {
                    Tensor x = images.detach().requiresGrad(true);
                    double r = penalty.estimate(x, Functional.softmax(net.forward(x), 1)).item();
                    sum += r;
                    sumSq += r * r;
                }
            }
            double mean = sum / draws;
            double standardError = Math.sqrt((sumSq / draws - mean * mean) / draws);
            assertTrue(standardError > 0 && standardError < 0.2 * exact, "SE " + standardError + " exact " + exact);
            assertEquals(exact, mean, 3 * standardError, "mean of " + draws + " one-projection estimates");
        }
    }

    @Test
    void moreProjectionsReduceTheVariance() {
        try (TensorScope scope = TensorScope.open(); Sequential net = smallNet(7)) {
            net.setTraining(false);
            Tensor images = Tensor.of(dev.jacreg.FiniteDifferencesAccess.values(3 * 36, 13, 1.0), 3, 1, 6, 6);
            Torch.manualSeed(3);
            double[] one = sample(net, images, new JacobianPenalty(1, 1, JacobianPenalty.Target.LOGITS), 300);
            double[] eight = sample(net, images, new JacobianPenalty(1, 8, JacobianPenalty.Target.LOGITS), 300);
            assertTrue(variance(eight) < variance(one) / 3, "n=8 variance " + variance(eight) + " vs n=1 " + variance(one));
        }
    }

    private static double[] sample(Sequential net, Tensor images, JacobianPenalty penalty, int draws) {
        double[] values = new double[draws];
        for (int i = 0; i < draws; i++) {
            try (TensorScope draw = TensorScope.open()) {
                Tensor x = images.detach().requiresGrad(true);
                values[i] = penalty.estimate(x, net.forward(x)).item();
            }
        }
        return values;
    }

    private static double variance(double[] values) {
        double mean = java.util.Arrays.stream(values).average().orElseThrow();
        return java.util.Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / (values.length - 1);
    }

    @Test
    void totalLossGradientMatchesFiniteDifferences() {
        try (TensorScope scope = TensorScope.open(); Sequential net = smallNet(8)) {
            net.setTraining(true);
            Tensor images = Tensor.of(dev.jacreg.FiniteDifferencesAccess.values(3 * 36, 14, 1.0), 3, 1, 6, 6);
            Tensor targets = Functional.oneHot(Tensor.of(new long[]{0, 3, 1}, 3), 4).to(DType.FLOAT64);
            Tensor direction = JacobianPenalty.unitRows(Tensor.of(dev.jacreg.FiniteDifferencesAccess.values(12, 15, 1.0), 3, 4));
            RegularizedLoss loss = new RegularizedLoss(new JacobianPenalty(0.7, 1, JacobianPenalty.Target.SOFTMAX));

            for (String name : List.of("conv.weight", "bn.weight", "fc.weight")) {
                Tensor parameter = net.parameters().get(name);
                Tensor total = loss.compute(net, images, targets, List.of(direction)).total();
                double[] analytic = Autograd.grad(total, parameter, false).toDoubleArray();
                double[] base = parameter.toDoubleArray();
                double[] numeric = new double[base.length];
                double h = 1e-6;
                for (int i = 0; i < base.length; i++) {
                    numeric[i] = (lossWith(net, loss, images, targets, direction, parameter, base, i, h)
                            - lossWith(net, loss, images, targets, direction, parameter, base, i, -h)) / (2 * h);
                }
                setValues(parameter, base);
                double maxDiff = 0, scale = 1e-8;
                for (int i = 0; i < base.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(analytic[i] - numeric[i]));
                    scale = Math.max(scale, Math.abs(numeric[i]));
                }
                assertTrue(maxDiff / scale < 1e-6, name + ": relative error " + maxDiff / scale);
            }
        }
    }

    private static double lossWith(Sequential net, RegularizedLoss loss, Tensor images, Tensor targets, Tensor direction,
                                   Tensor parameter, double[] base, int index, double step) {
        double[] probe = base.clone();
        probe[index] += step;
        setValues(parameter, probe);
        try (TensorScope scope = TensorScope.open()) {
            return loss.compute(net, images, targets, List.of(direction)).total().item();
        }
    }

    private static void setValues(Tensor parameter, double[] values) {
        try (TensorScope scope = TensorScope.open(); var off = Autograd.noGrad()) {
            parameter.copyFrom(Tensor.of(values, parameter.shape()));
        }
    }

    @Test
    void plainLossBuildsNoPenaltyAndEqualsCrossEntropy() {
        try (TensorScope scope = TensorScope.open(); Sequential net = smallNet(9)) {
            Tensor images = Tensor.of(dev.jacreg.FiniteDifferencesAccess.values(3 * 36, 16, 1.0), 3, 1, 6, 6);
            Tensor targets = Functional.oneHot(Tensor.of(new long[]{2, 2, 0}, 3), 4).to(DType.FLOAT64);
            RegularizedLoss.Parts parts = RegularizedLoss.plain().compute(net, images, targets);
            assertNull(parts.penalty());
            double[] z = parts.softmax().toDoubleArray();
            double expected = -(Math.log(z[2]) + Math.log(z[4 + 2]) + Math.log(z[8])) / 3;
            assertEquals(expected, parts.total().item(), 1e-12);
            assertThrows(IllegalArgumentException.class, () -> new JacobianPenalty(-1, 1, JacobianPenalty.Target.SOFTMAX));
            assertThrows(IllegalArgumentException.class, () -> new JacobianPenalty(1, 0, JacobianPenalty.Target.SOFTMAX));
            List<Tensor> none = new ArrayList<>();
            assertThrows(IllegalArgumentException.class, () -> JacobianPenalty.estimate(images, parts.softmax(), none));
        }
    }
}
