package dev.jacreg.train;

import dev.jacreg.DType;
import dev.jacreg.FiniteDifferencesAccess;
import dev.jacreg.Functional;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The penalty on every K-th step (JacobianPenalty.every): step 0 of a K = 2 penalty with λ is the every-step penalty
 * with 2λ, bit for bit; step 1 is a plain cross-entropy step, bit for bit, and records no penalty.
 */
class PenaltyEveryTest {
    @Test
    void everySecondStepIsTwiceTheWeightThenPlain() {
        TrainingConfig config = TrainingConfig.builder().epochs(1).batchSize(3).learningRate(0.05).build();
        try (TensorScope scope = TensorScope.open(); Sequential sparse = JacobianPenaltyTest.smallNet(31);
             Sequential dense = JacobianPenaltyTest.smallNet(31);
             SgdMomentum sparseOptimizer = new SgdMomentum(sparse.parameters(), 0.05, 0.9);
             SgdMomentum denseOptimizer = new SgdMomentum(dense.parameters(), 0.05, 0.9)) {
            sparse.setTraining(true);
            dense.setTraining(true);
            Tensor images = Tensor.of(FiniteDifferencesAccess.values(3 * 36, 32, 1.0), 3, 1, 6, 6);
            Tensor targets = Functional.oneHot(Tensor.of(new long[]{1, 0, 3}, 3), 4).to(DType.FLOAT64);
            List<Tensor> v = List.of(JacobianPenalty.unitRows(Tensor.of(FiniteDifferencesAccess.values(12, 33, 1.0), 3, 4)));
            JacobianPenalty every = new JacobianPenalty(0.5, 1, JacobianPenalty.Target.SOFTMAX).withEvery(2);
            TrainingStep sparseStep = new TrainingStep(config, new RegularizedLoss(every), sparse, sparseOptimizer, 10);

            TrainingStep.Outcome first = sparseStep.run(0, images, targets, v);
            TrainingStep.Outcome denseFirst = new TrainingStep(config, new RegularizedLoss(
                    new JacobianPenalty(1.0, 1, JacobianPenalty.Target.SOFTMAX)), dense, denseOptimizer, 10).run(0, images, targets, v);
            assertTrue(first.penalty() > 0);
            assertEquals(denseFirst.penalty(), first.penalty(), 0.0);
            assertEquals(denseFirst.loss(), first.loss(), 0.0);
            assertSameParameters(dense.parameters(), sparse.parameters());

            TrainingStep.Outcome second = sparseStep.run(1, images, targets, v);
            TrainingStep.Outcome plain = new TrainingStep(config, RegularizedLoss.plain(), dense, denseOptimizer, 10)
                    .run(1, images, targets, v);
            assertTrue(Double.isNaN(second.penalty()), "no penalty on a skipped step");
            assertEquals(plain.loss(), second.loss(), 0.0);
            assertSameParameters(dense.parameters(), sparse.parameters());
            assertTrue(sparseStep.run(2, images, targets, v).penalty() > 0, "step 2 is penalised again");
        }
        assertThrows(IllegalArgumentException.class, () -> JacobianPenalty.reference().withEvery(0));
    }

    private static void assertSameParameters(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        for (var e : expected.entrySet()) {
            assertArrayEquals(e.getValue().toDoubleArray(), actual.get(e.getKey()).toDoubleArray(), e.getKey());
        }
    }
}
