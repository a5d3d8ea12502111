package dev.jacreg.train;

import dev.jacreg.Autograd;
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
 * The penalty on a subset of the batch (JacobianPenalty.subset): the subset's size rule; F = 1 (or any F whose subset is
 * the whole batch) trains bit for bit as the penalty without one; with F &lt; 1 the cross-entropy is the whole batch's
 * and the penalty is the one of a batch of the first m images, recomputed independently (the exact norm from a Jacobian
 * built column by column; the estimators on a separate net), batch norm's running statistics untouched by it; and the
 * subsets of a partition of the batch average to the whole batch's penalty (no rescaling needed). A LossTerm refuses a
 * subset.
 */
class PenaltySubsetTest {
    private static final JacobianPenalty PENALTY = new JacobianPenalty(0.5, 1, JacobianPenalty.Target.SOFTMAX);

    @Test
    void subsetSizeIsTheCeilingOfTheFractionAtLeastTwo() {
        assertEquals(32, PENALTY.subsetSize(32));
        assertEquals(8, PENALTY.withSubset(0.25).subsetSize(32));
        assertEquals(3, PENALTY.withSubset(0.1).subsetSize(30), "0.1·30 is 3, not 4");
        assertEquals(4, PENALTY.withSubset(0.1).subsetSize(31));
        assertEquals(2, PENALTY.withSubset(0.01).subsetSize(32), "at least two images");
        assertEquals(1, PENALTY.withSubset(0.01).subsetSize(1), "never more than the batch");
        assertEquals(16, PENALTY.withSubset(0.999).subsetSize(16));
        for (double bad : new double[]{0, -0.5, 1.5, Double.NaN}) {
            assertThrows(IllegalArgumentException.class, () -> PENALTY.withSubset(bad), "subset " + bad);
        }
        assertEquals(1.0, PENALTY.subset(), "the whole batch by default");
        // A LossTerm sees the whole batch only; the subset is RegularizedLoss's, so Fit refuses it rather than ignore it.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LossTerms.jacobian(PENALTY.withSubset(0.5)));
        assertTrue(e.getMessage().contains("0.5"), e.getMessage());
        assertNotNull(LossTerms.jacobian(PENALTY.withSubset(1.0)));
    }

    @Test
    void aSubsetThatIsTheWholeBatchTrainsBitForBitAsNoSubset() {
        TrainingConfig config = TrainingConfig.builder().epochs(1).batchSize(4).learningRate(0.05).seed(0).build();
        for (double subset : new double[]{1.0, 0.9}) {  // ⌈0.9·4⌉ = 4: the whole batch as well
            try (TensorScope scope = TensorScope.open(); Sequential withSubset = JacobianPenaltyTest.smallNet(41);
                 Sequential without = JacobianPenaltyTest.smallNet(41);
                 SgdMomentum o1 = new SgdMomentum(withSubset.parameters(), 0.05, 0.9);
                 SgdMomentum o2 = new SgdMomentum(without.parameters(), 0.05, 0.9)) {
                withSubset.setTraining(true);
                without.setTraining(true);
                TrainingStep a = new TrainingStep(config, new RegularizedLoss(PENALTY.withSubset(subset)), withSubset, o1, 10);
                TrainingStep b = new TrainingStep(config, new RegularizedLoss(PENALTY), without, o2, 10);
                for (int step = 0; step < 3; step++) {
                    Tensor images = images(4, 50 + step);
                    Tensor targets = targets(4);
                    List<Tensor> v = List.of(JacobianPenalty.unitRows(Tensor.of(FiniteDifferencesAccess.values(16, 60 + step, 1.0), 4, 4)));
                    assertEquals(b.run(step, images, targets, v).loss(), a.run(step, images, targets, v).loss(), 0.0);
                }
                assertSameState(state(without), state(withSubset));
            }
        }
    }

    @Test
    void exactPenaltyOnASubsetIsTheColumnByColumnNormOfThoseImages() {
        JacobianPenalty evalPenalty = new JacobianPenalty(0.5, 1, JacobianPenalty.Target.SOFTMAX,
                JacobianPenalty.BatchNormMode.EVAL).withSubset(0.5);
        try (TensorScope scope = TensorScope.open(); Sequential net = JacobianPenaltyTest.smallNet(43);
             Sequential check = JacobianPenaltyTest.smallNet(43)) {
            Tensor images = images(6, 70);
            Tensor targets = targets(6);
            net.setTraining(true);
            RegularizedLoss.Parts parts = RegularizedLoss.exact(evalPenalty).compute(net, images, targets);
            // The truth: the running statistics are the initial ones in both nets (eval mode reads them; the subset
            // pass must not have moved them before the eval pass: it ran after the whole batch's pass in net).
            check.setTraining(true);
            try (var off = Autograd.noGrad()) {
                check.forward(images);  // the same update of the running statistics as net's whole-batch pass
            }
            check.setTraining(false);
            double expected = JacobianPenaltyTest.frobeniusColumnByColumn(check, images.narrow(0, 0, 3));
            assertEquals(expected, parts.penalty().item(), 1e-12 * expected);
            check.setTraining(true);
            Tensor crossEntropy = RegularizedLoss.crossEntropy(check.forward(images), targets);
            assertEquals(crossEntropy.item(), parts.crossEntropy().item(), 1e-15, "cross-entropy on the whole batch");
            assertEquals(parts.crossEntropy().item() + 0.25 * parts.penalty().item(), parts.total().item(), 1e-12);
        }
    }

    @Test
    void theMeanOverAPartitionsSubsetsIsTheWholeBatchsPenalty() {
        JacobianPenalty evalPenalty = new JacobianPenalty(1.0, 1, JacobianPenalty.Target.SOFTMAX,
                JacobianPenalty.BatchNormMode.EVAL);
        try (TensorScope scope = TensorScope.open(); Sequential net = JacobianPenaltyTest.smallNet(47);
             Sequential check = JacobianPenaltyTest.smallNet(47)) {
            Tensor images = images(6, 80);
            // The truth: the whole batch's penalty with the running statistics its training-mode pass sets.
            check.setTraining(true);
            try (var off = Autograd.noGrad()) {
                check.forward(images);
            }
            check.setTraining(false);  // fixed running statistics: images do not interact
            double whole = JacobianPenaltyTest.frobeniusColumnByColumn(check, images);
            double sum = 0;
            net.setTraining(true);
            for (int part = 0; part < 3; part++) {  // the batch rolled so that each third comes first once
                Tensor rolled = Tensor.cat(List.of(images.narrow(0, 2L * part, 6 - 2L * part), images.narrow(0, 0, 2L * part)), 0);
                // Each time from the initial running statistics, so each pass sets the same ones as check's.
                sum += FiniteDifferencePenalty.keepingBuffers(net, () -> List.of(RegularizedLoss.exact(
                        evalPenalty.withSubset(1.0 / 3)).compute(net, rolled, targets(6)).penalty())).get(0).item();
            }
            assertEquals(whole, sum / 3, 1e-12 * whole);
        }
    }

    @Test
    void estimatedPenaltiesOnASubsetAreTheEstimatorsOnABatchOfThoseImages() {
        for (JacobianPenalty.Estimator estimator : JacobianPenalty.Estimator.values()) {
            JacobianPenalty full = PENALTY.withEstimator(estimator);
            try (TensorScope scope = TensorScope.open(); Sequential net = JacobianPenaltyTest.smallNet(53);
                 Sequential check = JacobianPenaltyTest.smallNet(53)) {
                Tensor images = images(8, 90);
                Tensor targets = targets(8);
                List<Tensor> directions = full.stepDirections(dev.jacreg.RandomStream.seeded(7), DType.FLOAT64, 8, 4,
                        new long[]{1, 6, 6});
                net.setTraining(true);
                RegularizedLoss.Parts parts = new RegularizedLoss(full.withSubset(0.25)).compute(net, images, targets,
                        directions, full.lambda());
                Map<String, Tensor> afterSubset = state(net);

                // Truth: a separate net, the whole batch's pass (running statistics), then the estimator on a batch of
                // the first two images with the first two rows of the directions, running statistics restored.
                check.setTraining(true);
                Tensor crossEntropy = RegularizedLoss.crossEntropy(check.forward(images), targets);
                Map<String, double[]> running = values(state(check));
                Tensor first = images.narrow(0, 0, 2).detach().requiresGrad(true);
                List<Tensor> firstDirections = directions.stream().map(d -> d.narrow(0, 0, 2)).toList();
                Tensor logits = check.forward(first);
                double expected = estimator == JacobianPenalty.Estimator.PROJECTION
                        ? JacobianPenalty.estimate(first, Functional.softmax(logits, 1), firstDirections).item()
                        : FiniteDifferencePenalty.estimate(full, check, first.detach(), logits, firstDirections,
                        FiniteDifferencePenalty.STEP).item();
                assertTrue(expected > 0, estimator + ": " + expected);
                assertEquals(expected, parts.penalty().item(), 1e-12 * expected, estimator.toString());
                assertEquals(crossEntropy.item(), parts.crossEntropy().item(), 0.0, estimator + ": whole batch's");
                for (var e : running.entrySet()) {
                    assertArrayEquals(e.getValue(), afterSubset.get(e.getKey()).toDoubleArray(),
                            estimator + ": " + e.getKey() + " as the whole batch's pass left it");
                }
            }
        }
    }

    private static Tensor images(int count, long seed) {
        return Tensor.of(FiniteDifferencesAccess.values(count * 36, seed, 1.0), count, 1, 6, 6);
    }

    private static Tensor targets(int count) {
        long[] labels = new long[count];
        for (int i = 0; i < count; i++) labels[i] = (i * 3 + 1) % 4;
        return Functional.oneHot(Tensor.of(labels, count), 4).to(DType.FLOAT64);
    }

    /** Parameters and buffers by name. */
    private static Map<String, Tensor> state(Sequential net) {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>(net.parameters());
        out.putAll(net.buffers());
        return out;
    }

    private static Map<String, double[]> values(Map<String, Tensor> state) {
        Map<String, double[]> out = new java.util.LinkedHashMap<>();
        state.forEach((k, v) -> out.put(k, v.toDoubleArray()));
        return out;
    }

    private static void assertSameState(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        for (var e : expected.entrySet()) {
            assertArrayEquals(e.getValue().toDoubleArray(), actual.get(e.getKey()).toDoubleArray(), e.getKey());
        }
    }
}
