package dev.jacreg.distributed;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.data.SyntheticDigits;
import dev.jacreg.nn.BatchStatistics;
import dev.jacreg.nn.Module;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.RegularizedLoss;
import dev.jacreg.train.Trainer;
import dev.jacreg.train.TrainingConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Synchronized batch norm against a second method, one process with the whole batch: the seed network (three
 * batch-norm layers) trained 10 steps by 2 ranks × 16 images must end with the weights and running statistics of
 * 1 × 32 (same shuffle, same penalty directions: each rank uses its rows of the one draw), to 1e-5 relative, with and
 * without the Jacobian penalty (whose double backward goes through the synchronized statistics). Without the sync the
 * same comparison fails, so the test can tell. The differentiable sum it is built on is checked against closed forms.
 */
class SyncBatchNormTest {
    static final DigitDataset DATA = SyntheticDigits.generate(320, 13);  // 10 steps of 32
    static final long SEED = 7;
    static final double TOLERANCE = 1e-5;

    static TrainingConfig tenSteps() {
        return TrainingConfig.builder().epochs(1).batchSize(32).learningRate(0.05).seed(SEED).build();
    }

    /** Weights and buffers after training, by name. */
    static Map<String, double[]> train(RegularizedLoss loss, DistributedDataParallel parallel) {
        try (TensorScope scope = TensorScope.open(); DeviceDataset data = new DeviceDataset(DATA, DType.FLOAT64);
             Sequential net = SeedNetwork.create(data.meanImage(), 28, 28, DType.FLOAT64, RandomStream.seeded(SEED))) {
            int steps = new Trainer(tenSteps(), loss, RandomStream.seeded(SEED + 1), parallel)
                    .train(net, data, p -> {}, () -> false).iterations();
            assertEquals(10, steps);
            for (BatchStatistics.Switchable layer : BatchStatistics.layers(net).values()) {
                assertSame(BatchStatistics.LOCAL, layer.batchStatistics(), "the layers get their own statistics back");
            }
            return state(net);
        }
    }

    static Map<String, double[]> state(Module net) {
        Map<String, double[]> out = new LinkedHashMap<>();
        net.parameters().forEach((name, t) -> out.put(name, t.toDoubleArray()));
        net.buffers().forEach((name, t) -> out.put(name, t.toDoubleArray()));
        return out;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, double[]>> trainTwoRanks(RegularizedLoss loss, boolean sync) {
        List<Object> results = Ranks.run(2, (rank, port) -> {
            try (ProcessGroup group = ProcessGroup.join(Ranks.HOST, port, 2, rank, Duration.ofSeconds(60))) {
                return train(loss, new DistributedDataParallel(group).withSyncBatchNorm(sync));
            }
        });
        for (Object r : results) if (r instanceof Throwable t) throw new AssertionError(t);
        return (List<Map<String, double[]>>) (List<?>) results;
    }

    /**
     * The tensor with the largest max|a − b| / max|b|, and that value. A tensor whose values are all below
     * {@link #ROUNDING_ONLY} counts with its absolute difference instead: the convolution biases right before a batch
     * norm start at zero and have a zero gradient in exact arithmetic (the normalisation subtracts them again), so
     * they hold rounding noise only, and a ratio of noises says nothing.
     */
    record Difference(String name, double relative) {}

    static final double ROUNDING_ONLY = 1e-9;

    static Difference worstRelativeDifference(Map<String, double[]> expected, Map<String, double[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        Difference worst = new Difference("none", 0);
        for (String name : expected.keySet()) {
            double[] e = expected.get(name), a = actual.get(name);
            double scale = 0, diff = 0;
            for (int i = 0; i < e.length; i++) {
                scale = Math.max(scale, Math.abs(e[i]));
                diff = Math.max(diff, Math.abs(a[i] - e[i]));
            }
            double relative = scale < ROUNDING_ONLY ? diff : diff / scale;
            if (relative > worst.relative()) worst = new Difference(name, relative);
        }
        return worst;
    }

    static void assertMatchesOneProcess(RegularizedLoss loss) {
        Map<String, double[]> single = train(loss, null);
        List<Map<String, double[]>> ranks = trainTwoRanks(loss, true);
        for (int r = 0; r < ranks.size(); r++) {
            Difference worst = worstRelativeDifference(single, ranks.get(r));
            System.out.println("synced rank " + r + " vs one process: " + worst);
            assertTrue(worst.relative() <= TOLERANCE, "rank " + r + " differs from one process by " + worst);
        }
    }

    @Test
    void twoRanksOfSixteenWithSyncedBatchNormTrainAsOneProcessOfThirtyTwo() {
        if (!Ranks.glooBuilt()) return;
        assertMatchesOneProcess(RegularizedLoss.plain());
    }

    @Test
    void withTheJacobianPenaltyTooTheDoubleBackwardGoesThroughTheSyncedStatistics() {
        if (!Ranks.glooBuilt()) return;
        assertMatchesOneProcess(new RegularizedLoss(JacobianPenalty.reference()));
    }

    @Test
    void withoutTheSyncTheSameComparisonFails() {
        if (!Ranks.glooBuilt()) return;
        RegularizedLoss loss = new RegularizedLoss(JacobianPenalty.reference());
        Map<String, double[]> single = train(loss, null);
        Difference worst = worstRelativeDifference(single, trainTwoRanks(loss, false).get(0));
        System.out.println("unsynced rank 0 vs one process: " + worst);
        assertTrue(worst.relative() > 100 * TOLERANCE, "per-rank statistics should differ from one process's, got " + worst);
    }

    /** One training-mode pass: each rank's outputs are its rows of one process's outputs for the whole batch. */
    @Test
    void aSyncedForwardGivesEachRankItsRowsOfTheWholeBatchsOutput() {
        if (!Ranks.glooBuilt()) return;
        double[] whole;
        try (TensorScope scope = TensorScope.open(); DeviceDataset data = new DeviceDataset(DATA, DType.FLOAT64);
             Sequential net = SeedNetwork.create(data.meanImage(), 28, 28, DType.FLOAT64, RandomStream.seeded(SEED))) {
            whole = net.forward(data.images().narrow(0, 0, 32)).toDoubleArray();
        }
        List<Object> results = Ranks.run(2, (rank, port) -> {
            try (ProcessGroup group = ProcessGroup.join(Ranks.HOST, port, 2, rank, Duration.ofSeconds(60));
                 TensorScope scope = TensorScope.open(); DeviceDataset data = new DeviceDataset(DATA, DType.FLOAT64);
                 Sequential net = SeedNetwork.create(data.meanImage(), 28, 28, DType.FLOAT64, RandomStream.seeded(SEED))) {
                BatchStatistics.layers(net).values().forEach(layer -> layer.setBatchStatistics(new SyncBatchNorm(group)));
                return net.forward(data.images().narrow(0, 16L * rank, 16)).toDoubleArray();
            }
        });
        for (int r = 0; r < 2; r++) {
            if (results.get(r) instanceof Throwable t) throw new AssertionError(t);
            double[] rows = (double[]) results.get(r);
            assertArrayEquals(java.util.Arrays.copyOfRange(whole, r * rows.length, (r + 1) * rows.length), rows, 1e-10,
                    "rank " + r);
        }
    }

    /**
     * y = x₀ + x₁ on both ranks, rank r's loss L_r = c_r·Σ y³; each rank differentiates its own loss with respect to its
     * own input, and gets ∂(L₀ + L₁)/∂x_r = 3(c₀ + c₁)·y² (the backward sums over the ranks); once more through the
     * create_graph gradient, the sum over the ranks of Σ g = 2·3(c₀ + c₁)·Σ y² differentiates to 12(c₀ + c₁)·y.
     */
    @Test
    void theDifferentiableSumsBackwardAndDoubleBackwardSumOverTheRanks() {
        if (!Ranks.glooBuilt()) return;
        double[][] inputs = {{1, -2, 0.5}, {3, 1, -1.5}};
        double[] weights = {2, 5};
        List<Object> results = Ranks.run(2, (rank, port) -> {
            try (ProcessGroup group = ProcessGroup.join(Ranks.HOST, port, 2, rank, Duration.ofSeconds(60));
                 TensorScope scope = TensorScope.open()) {
                Tensor x = Tensor.of(inputs[rank], 3).requiresGrad(true);
                Tensor y = group.sum(x);
                Tensor loss = y.mul(y).mul(y).sum().mul(weights[rank]);
                Tensor g = Autograd.grad(loss, x, true);
                Tensor gg = Autograd.grad(g.sum(), x, false);
                return new double[][]{y.toDoubleArray(), g.toDoubleArray(), gg.toDoubleArray()};
            }
        });
        double c = weights[0] + weights[1];
        for (Object r : results) {
            if (r instanceof Throwable t) throw new AssertionError(t);
            double[][] got = (double[][]) r;
            for (int i = 0; i < 3; i++) {
                double y = inputs[0][i] + inputs[1][i];
                assertEquals(y, got[0][i], 1e-12, "sum");
                assertEquals(3 * c * y * y, got[1][i], 1e-9, "gradient");
                assertEquals(12 * c * y, got[2][i], 1e-9, "second derivative");
            }
        }
    }
}
