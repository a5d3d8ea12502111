package dev.jacreg.train;

import dev.jacreg.DType;
import dev.jacreg.Functional;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * --penalty-bn eval: the penalty is C/B · Σ_b ‖J_bᵀ v_b‖² of the inference-mode net (running statistics), checked
 * against central finite differences of that net, and the penalty's pass leaves the running statistics as the
 * cross-entropy's training pass set them.
 */
class EvalModePenaltyTest {
    private static final int BATCH = 3, CLASSES = 4, SIDE = 6;

    private static Tensor images(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] x = new double[BATCH * SIDE * SIDE];
        for (int i = 0; i < x.length; i++) x[i] = random.nextDouble();
        return Tensor.of(x, BATCH, 1, SIDE, SIDE);
    }

    /** Fixed unit rows, B×C. */
    private static Tensor directions() {
        SplittableRandom random = new SplittableRandom(99);
        double[] v = new double[BATCH * CLASSES];
        for (int b = 0; b < BATCH; b++) {
            double norm = 0;
            for (int k = 0; k < CLASSES; k++) norm += Math.pow(v[b * CLASSES + k] = random.nextGaussian(), 2);
            for (int k = 0; k < CLASSES; k++) v[b * CLASSES + k] /= Math.sqrt(norm);
        }
        return Tensor.of(v, BATCH, CLASSES);
    }

    /** A net whose running statistics are no longer the initial 0 and 1, so inference mode differs from training. */
    private static Sequential warmedUpNet() {
        Sequential net = JacobianPenaltyTest.smallNet(21);
        net.setTraining(true);
        try (TensorScope scope = TensorScope.open()) {
            for (int i = 0; i < 5; i++) net.forward(images(100 + i).mul(2.0).add(0.5));
        }
        return net;
    }

    private static Map<String, double[]> buffers(Sequential net) {
        Map<String, double[]> out = new java.util.LinkedHashMap<>();
        net.buffers().forEach((name, t) -> out.put(name, t.toDoubleArray()));
        return out;
    }

    /** Per-sample s_b = v_b · softmax(net(x))_b in inference mode. */
    private static double[] projected(Sequential net, double[] x, Tensor v) {
        try (TensorScope scope = TensorScope.open()) {
            net.setTraining(false);
            Tensor z = Functional.softmax(net.forward(Tensor.of(x, BATCH, 1, SIDE, SIDE)), 1);
            return v.mul(z).sum(new long[]{1}, false).toDoubleArray();
        }
    }

    @Test
    void penaltyIsTheInferenceModeJacobianNormAndLeavesRunningStatisticsAlone() {
        try (TensorScope scope = TensorScope.open(); Sequential net = warmedUpNet(); Sequential twin = warmedUpNet()) {
            Tensor x = images(7);
            Tensor targets = Functional.oneHot(Tensor.of(new long[]{0, 3, 1}, BATCH), CLASSES).to(DType.FLOAT64);
            Tensor v = directions();
            RegularizedLoss eval = new RegularizedLoss(new JacobianPenalty(1, 1, JacobianPenalty.Target.SOFTMAX,
                    JacobianPenalty.BatchNormMode.EVAL));
            net.setTraining(true);
            RegularizedLoss.Parts parts = eval.compute(net, x, targets, List.of(v));
            double penalty = parts.penalty().item();

            // Running statistics: exactly one training-mode update with this batch, as a lone forward pass gives.
            twin.setTraining(true);
            twin.forward(x);
            Map<String, double[]> expected = buffers(twin), actual = buffers(net);
            for (String name : expected.keySet()) assertArrayEquals(expected.get(name), actual.get(name), 0, name);

            // Finite differences of the inference-mode net: in inference mode samples are independent, so one
            // perturbation of pixel i in every image gives each image's own derivative.
            double[] base = x.toDoubleArray();
            int pixels = SIDE * SIDE;
            double h = 1e-6, sum = 0;
            for (int i = 0; i < pixels; i++) {
                double[] plus = base.clone(), minus = base.clone();
                for (int b = 0; b < BATCH; b++) {
                    plus[b * pixels + i] += h;
                    minus[b * pixels + i] -= h;
                }
                double[] up = projected(net, plus, v), down = projected(net, minus, v);
                for (int b = 0; b < BATCH; b++) sum += Math.pow((up[b] - down[b]) / (2 * h), 2);
            }
            double finiteDifference = (double) CLASSES / BATCH * sum;
            assertTrue(finiteDifference > 0);
            assertEquals(finiteDifference, penalty, 1e-6 * finiteDifference);
            Map<String, double[]> afterFd = buffers(net);
            for (String name : expected.keySet()) assertArrayEquals(expected.get(name), afterFd.get(name), 0, name);

            // The training-mode penalty of the same batch and directions is a different number (batch statistics).
            RegularizedLoss train = new RegularizedLoss(new JacobianPenalty(1, 1, JacobianPenalty.Target.SOFTMAX));
            net.setTraining(true);
            double trainPenalty = train.compute(net, x, targets, List.of(v)).penalty().item();
            assertTrue(Math.abs(trainPenalty - penalty) > 1e-3 * penalty, trainPenalty + " vs " + penalty);
            // The cross-entropy keeps training mode: it equals the training-mode loss's.
            assertEquals(parts.crossEntropy().item(), RegularizedLoss.crossEntropy(twinLogits(x), targets).item(), 1e-12);
        }
    }

    private static Tensor twinLogits(Tensor x) {
        try (Sequential fresh = warmedUpNet()) {
            fresh.setTraining(true);
            return fresh.forward(x).detach();
        }
    }
}
