package dev.jacreg.train;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.data.SyntheticDigits;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A non-finite loss or gradient stops training before it is applied, naming the iteration and the part. */
class NonFiniteLossTest {
    static final DigitDataset DATA = SyntheticDigits.generate(96, 4);  // 3 batches of 32 per epoch

    private record Outcome(NonFiniteLossException error, List<double[]> before, List<double[]> after) {}

    private static List<double[]> weights(Sequential net) {
        List<double[]> w = new ArrayList<>();
        for (Tensor p : net.parameters().values()) w.add(p.toDoubleArray());
        return w;
    }

    /** Trains until the exception; records the weights at the last completed iteration and after the failure. */
    private static Outcome train(DType dtype, TrainingConfig config, RegularizedLoss loss) {
        try (TensorScope scope = TensorScope.open(); DeviceDataset data = new DeviceDataset(DATA, dtype)) {
            Torch.manualSeed(3);
            try (Sequential net = SeedNetwork.create(data.meanImage(), 28, 28, dtype)) {
                List<List<double[]>> snapshots = new ArrayList<>();
                snapshots.add(weights(net));
                NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                        () -> new Trainer(config, loss).train(net, data, p -> snapshots.add(weights(net)), () -> false));
                return new Outcome(e, snapshots.get(snapshots.size() - 1), weights(net));
            }
        }
    }

    private static void assertSameWeights(List<double[]> expected, List<double[]> actual) {
        for (int i = 0; i < expected.size(); i++) assertArrayEquals(expected.get(i), actual.get(i), "parameter " + i);
    }

    @Test
    void hugeLambdaStopsAtTheFirstIterationOnThePenalty() {
        Outcome o = train(DType.FLOAT32, TrainingConfig.builder().epochs(1).build(),
                new RegularizedLoss(new JacobianPenalty(1e300, 1, JacobianPenalty.Target.SOFTMAX)));
        NonFiniteLossException e = o.error();
        assertEquals(1, e.iteration());
        assertEquals(1, e.epoch());
        // float32: CE and R are finite, (λ/2)·R overflows.
        assertEquals(NonFiniteLossException.Part.WEIGHTED_PENALTY, e.part());
        assertEquals(0, e.completed().iterations());
        assertTrue(e.getMessage().contains("iteration 1 (epoch 1)") && e.getMessage().contains("penalty"), e.getMessage());
        assertSameWeights(o.before(), o.after());  // nothing applied
    }

    @Test
    void anOverflowingPenaltyGradientIsCaughtAndAttributed() {
        // float64: (λ/2)·R ≈ 1e300 is still finite, but its gradient's norm is not.
        Outcome o = train(DType.FLOAT64, TrainingConfig.builder().epochs(1).diagnostics(true).build(),
                new RegularizedLoss(new JacobianPenalty(1e300, 1, JacobianPenalty.Target.SOFTMAX)));
        assertEquals(1, o.error().iteration());
        assertEquals(NonFiniteLossException.Part.GRADIENT_PENALTY, o.error().part());
        assertSameWeights(o.before(), o.after());
    }

    @Test
    void aPenaltyGradientOverflowBetweenSplitsIsCaughtAsTheTotalGradient() {
        // Warm-up: iteration 0 has λ = 0 (finite, and a split iteration), iteration 1 λ ≈ 3e299, whose gradient overflows.
        JacobianPenalty huge = new JacobianPenalty(1e300, 1, JacobianPenalty.Target.SOFTMAX);
        TrainingConfig config = TrainingConfig.builder().epochs(1).diagnostics(true).penaltyWarmupEpochs(1).build();
        Outcome between = train(DType.FLOAT64, config, new RegularizedLoss(huge));  // split interval 10: 1 is not split
        assertEquals(2, between.error().iteration());
        assertEquals(NonFiniteLossException.Part.GRADIENT, between.error().part());
        assertEquals(1, between.error().completed().diagnostics().size());
        assertSameWeights(between.before(), between.after());
        Outcome everyIteration = train(DType.FLOAT64, config.withGradientSplitInterval(1), new RegularizedLoss(huge));
        assertEquals(2, everyIteration.error().iteration());
        assertEquals(NonFiniteLossException.Part.GRADIENT_PENALTY, everyIteration.error().part());
        assertSameWeights(everyIteration.before(), everyIteration.after());
    }

    @Test
    void divergenceLaterInTheRunKeepsTheFiniteIterations() {
        // A huge learning rate: the first step is finite, the weights it produces make the loss overflow.
        Outcome o = train(DType.FLOAT32, TrainingConfig.builder().epochs(2).learningRate(1e30).momentum(0.0).diagnostics(true).build(),
                RegularizedLoss.plain());
        NonFiniteLossException e = o.error();
        assertTrue(e.iteration() > 1, "iteration " + e.iteration());
        assertEquals(e.iteration() - 1, e.completed().iterations());
        assertEquals((e.iteration() - 1) / 3 + 1, e.epoch());
        assertEquals(e.iteration() - 1, e.completed().diagnostics().size());
        for (double loss : e.completed().losses()) assertTrue(Double.isFinite(loss));
        assertTrue(e.getMessage().contains("last finite values (iteration " + (e.iteration() - 1) + ")"), e.getMessage());
        assertSameWeights(o.before(), o.after());
    }
}
