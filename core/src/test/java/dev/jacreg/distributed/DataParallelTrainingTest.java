package dev.jacreg.distributed;

import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.TorchException;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.data.SyntheticDigits;
import dev.jacreg.nn.Activations;
import dev.jacreg.nn.Linear;
import dev.jacreg.nn.Module;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.DataParallel;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.RegularizedLoss;
import dev.jacreg.train.Trainer;
import dev.jacreg.train.TrainingConfig;
import dev.jacreg.train.TrainingResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Data-parallel training against a second method, one process with the whole batch: W ranks × B/W must take the
 * very steps of 1 × B (same shuffle, same penalty directions, averaged gradients, clipping on the average).
 */
class DataParallelTrainingTest {
    static final DigitDataset DATA = SyntheticDigits.generate(96, 11);
    static final String HOST = Ranks.HOST;
    static final long SEED = 5;

    /** No batch norm, so the shards' samples do not interact and the equivalence is exact up to rounding. */
    static Sequential mlp() {
        RandomStream init = RandomStream.seeded(SEED);
        return new Sequential()
                .add("flatten", Activations.flatten())
                .add("fc1", new Linear(28 * 28, 24, DType.FLOAT64, init))
                .add("relu", Activations.relu())
                .add("fc2", new Linear(24, 10, DType.FLOAT64, init));
    }

    record Run(TrainingResult result, Map<String, double[]> weights) {}

    static Run train(TrainingConfig config, RegularizedLoss loss, DistributedDataParallel parallel) {
        try (TensorScope scope = TensorScope.open(); DeviceDataset data = new DeviceDataset(DATA, DType.FLOAT64);
             Sequential net = mlp()) {
            TrainingResult result = new Trainer(config, loss, RandomStream.seeded(SEED + 1), parallel)
                    .train(net, data, p -> {}, () -> false);
            return new Run(result, snapshot(net));
        }
    }

    static Map<String, double[]> snapshot(Module net) {
        Map<String, double[]> out = new java.util.LinkedHashMap<>();
        net.parameters().forEach((name, t) -> out.put(name, t.to(DType.FLOAT64).toDoubleArray()));
        return out;
    }

    static List<Run> trainTwoRanks(TrainingConfig config, RegularizedLoss loss) {
        List<Object> results = Ranks.run(2, (rank, port) -> {
            try (ProcessGroup group = ProcessGroup.join(HOST, port, 2, rank, Duration.ofSeconds(30))) {
                return train(config, loss, new DistributedDataParallel(group));
            }
        });
        List<Run> runs = new ArrayList<>();
        for (Object r : results) {
            if (r instanceof Throwable t) throw new AssertionError(t);
            runs.add((Run) r);
        }
        return runs;
    }

    static void assertSameTraining(Run expected, Run actual, double tolerance) {
        assertArrayEquals(expected.result().losses(), actual.result().losses(), tolerance, "losses");
        if (!Double.isNaN(expected.result().penalties()[0])) {
            assertArrayEquals(expected.result().penalties(), actual.result().penalties(), tolerance, "penalties");
        }
        expected.weights().forEach((name, w) -> assertArrayEquals(w, actual.weights().get(name), tolerance, name));
    }

    @Test
    void twoRanksOfSixteenTrainAsOneProcessOfThirtyTwo() {
        if (!Ranks.glooBuilt()) return;
        TrainingConfig config = TrainingConfig.builder().epochs(2).learningRate(0.05).seed(SEED).build();
        Run single = train(config, RegularizedLoss.plain(), null);
        List<Run> ranks = trainTwoRanks(config, RegularizedLoss.plain());
        assertEquals(6, single.result().iterations());
        for (Run rank : ranks) assertSameTraining(single, rank, 1e-10);
    }

    @Test
    void withThePenaltyAndClippingTooTheRanksUseTheirRowsOfOneDirectionDraw() {
        if (!Ranks.glooBuilt()) return;
        // Clipping at a norm the gradients exceed: it must act on the averaged gradient, as in one process.
        TrainingConfig config = TrainingConfig.builder().epochs(2).learningRate(0.05).seed(SEED).clipGradNorm(0.05).build();
        RegularizedLoss loss = new RegularizedLoss(new JacobianPenalty(1.0, 2, JacobianPenalty.Target.SOFTMAX));
        Run single = train(config, loss, null);
        List<Run> ranks = trainTwoRanks(config, loss);
        for (Run rank : ranks) assertSameTraining(single, rank, 1e-10);
    }

    @Test
    void ranksOfABatchNormNetHoldIdenticalWeightsAfterEveryStep() {
        if (!Ranks.glooBuilt()) return;
        TrainingConfig config = TrainingConfig.builder().epochs(1).seed(SEED).build().withStabilisation();
        List<Object> results = Ranks.run(2, (rank, port) -> {
            try (ProcessGroup group = ProcessGroup.join(HOST, port, 2, rank, Duration.ofSeconds(30));
                 TensorScope scope = TensorScope.open(); DeviceDataset data = new DeviceDataset(DATA, DType.FLOAT32);
                 // different initial weights per rank: rank 0's must win
                 Sequential net = SeedNetwork.create(data.meanImage(), 28, 28, DType.FLOAT32, RandomStream.seeded(rank))) {
                List<Map<String, double[]>> afterEachStep = new ArrayList<>();
                new Trainer(config, new RegularizedLoss(JacobianPenalty.reference()), RandomStream.seeded(SEED),
                        new DistributedDataParallel(group)).train(net, data, p -> afterEachStep.add(snapshot(net)), () -> false);
                return afterEachStep;
            }
        });
        if (results.get(0) instanceof Throwable t) throw new AssertionError(t);
        if (results.get(1) instanceof Throwable t) throw new AssertionError(t);
        @SuppressWarnings("unchecked") List<Map<String, double[]>> a = (List<Map<String, double[]>>) results.get(0);
        @SuppressWarnings("unchecked") List<Map<String, double[]>> b = (List<Map<String, double[]>>) results.get(1);
        assertEquals(3, a.size());
        assertEquals(a.size(), b.size());
        for (int step = 0; step < a.size(); step++) {
            for (String name : a.get(step).keySet()) {
                assertArrayEquals(a.get(step).get(name), b.get(step).get(name), 0.0, "step " + (step + 1) + ", " + name);
            }
        }
    }

    /**
     * A loss that never reads the running statistics broadcasts them once, after the last step, instead of before every
     * step: the second method here is the per-step broadcast (done by a wrapper at the end of each step, i.e. before the
     * next one; the first step starts from rank 0's buffers either way). Rank 0 must end bit for bit as with the
     * per-step broadcast, and rank 1 (trained on other shards, so its own statistics differ) with rank 0's buffers.
     */
    @Test
    void withoutAStepThatReadsRunningStatisticsTheBuffersReachTheRanksOnceAtTheEndAndTrainTheSame() {
        if (!Ranks.glooBuilt()) return;
        TrainingConfig config = TrainingConfig.builder().epochs(1).seed(SEED).build().withStabilisation();
        RegularizedLoss loss = new RegularizedLoss(new JacobianPenalty(1.0, 1, JacobianPenalty.Target.SOFTMAX));
        assertFalse(loss.readsRunningStatistics());
        List<Map<String, double[]>> once = trainBatchNormRanks(config, loss, false);
        List<Map<String, double[]>> everyStep = trainBatchNormRanks(config, loss, true);
        assertTrue(once.get(0).keySet().stream().anyMatch(name -> name.endsWith("running_mean")), once.get(0).keySet().toString());
        for (String name : once.get(0).keySet()) {
            assertArrayEquals(everyStep.get(0).get(name), once.get(0).get(name), 0.0, "rank 0 vs per-step broadcast: " + name);
            assertArrayEquals(once.get(0).get(name), once.get(1).get(name), 0.0, "rank 1 vs rank 0: " + name);
        }
    }

    @Test
    void aLossThatReadsRunningStatisticsGetsRankZerosBeforeEveryStep() {
        RegularizedLoss eval = new RegularizedLoss(new JacobianPenalty(1.0, 1, JacobianPenalty.Target.SOFTMAX,
                JacobianPenalty.BatchNormMode.EVAL));
        RegularizedLoss train = new RegularizedLoss(new JacobianPenalty(1.0, 1, JacobianPenalty.Target.SOFTMAX));
        assertTrue(eval.readsRunningStatistics());
        assertEquals(6, broadcastsIn(eval), "one before each of 6 steps");
        assertEquals(1, broadcastsIn(train), "once, after the last step");
        assertEquals(1, broadcastsIn(RegularizedLoss.plain()), "once, after the last step");
    }

    /** How many times a 6-step training broadcasts buffers, as rank 0 of a world of 1 (a stand-in that counts). */
    private static int broadcastsIn(RegularizedLoss loss) {
        int[] calls = {0};
        DataParallel counting = new RankZeroStub(1, () -> calls[0]++);
        try (TensorScope scope = TensorScope.open(); DeviceDataset data = new DeviceDataset(DATA, DType.FLOAT32);
             Sequential net = SeedNetwork.create(data.meanImage(), 28, 28, DType.FLOAT32, RandomStream.seeded(SEED))) {
            new Trainer(TrainingConfig.builder().epochs(2).seed(SEED).build(), loss, RandomStream.seeded(SEED), counting)
                    .train(net, data, p -> {}, () -> false);
        }
        return calls[0];
    }

    /** Two ranks of the seed network (batch norm); each rank's parameters and buffers after training. */
    private static List<Map<String, double[]>> trainBatchNormRanks(TrainingConfig config, RegularizedLoss loss,
                                                                   boolean broadcastEveryStep) {
        List<Object> results = Ranks.run(2, (rank, port) -> {
            try (ProcessGroup group = ProcessGroup.join(HOST, port, 2, rank, Duration.ofSeconds(30));
                 TensorScope scope = TensorScope.open(); DeviceDataset data = new DeviceDataset(DATA, DType.FLOAT32);
                 Sequential net = SeedNetwork.create(data.meanImage(), 28, 28, DType.FLOAT32, RandomStream.seeded(SEED))) {
                DistributedDataParallel ddp = new DistributedDataParallel(group);
                DataParallel parallel = !broadcastEveryStep ? ddp : new DataParallel() {
                    public int rank() { return ddp.rank(); }
                    public int worldSize() { return ddp.worldSize(); }
                    public void synchronize(Module model) { ddp.synchronize(model); }
                    public void release(Module model) { ddp.release(model); }
                    public void broadcastBuffers(Module model) { ddp.broadcastBuffers(model); }
                    public void beforeBackward(int valueCount) { ddp.beforeBackward(valueCount); }
                    public void average(List<Tensor> gradients, double[] values) {
                        ddp.average(gradients, values);
                        ddp.broadcastBuffers(net);
                    }
                };
                new Trainer(config, loss, RandomStream.seeded(SEED), parallel).train(net, data, p -> {}, () -> false);
                Map<String, double[]> state = snapshot(net);
                net.buffers().forEach((name, t) -> state.put(name, t.to(DType.FLOAT64).toDoubleArray()));
                return state;
            }
        });
        List<Map<String, double[]>> states = new ArrayList<>();
        for (Object r : results) {
            if (r instanceof Throwable t) throw new AssertionError(t);
            @SuppressWarnings("unchecked") Map<String, double[]> state = (Map<String, double[]>) r;
            states.add(state);
        }
        return states;
    }

    @Test
    void aRankThatLeavesMidTrainingMakesTheOthersFailWithAClearMessage() {
        if (!Ranks.glooBuilt()) return;
        TrainingConfig config = TrainingConfig.builder().epochs(2).learningRate(0.05).seed(SEED).build();
        List<Object> results = Ranks.run(2, (rank, port) -> {
            ProcessGroup group = ProcessGroup.join(HOST, port, 2, rank, Duration.ofSeconds(10));
            try (TensorScope scope = TensorScope.open(); DeviceDataset data = new DeviceDataset(DATA, DType.FLOAT64);
                 Sequential net = mlp()) {
                int[] steps = {0};
                return new Trainer(config, RegularizedLoss.plain(), RandomStream.seeded(SEED), new DistributedDataParallel(group))
                        .train(net, data, p -> {
                            if (rank == 1 && ++steps[0] == 2) {
                                group.close();  // as a crashed process would: its sockets close
                                throw new IllegalStateException("rank 1 leaves");
                            }
                        }, () -> false);
            } finally {
                group.close();
            }
        });
        assertInstanceOf(IllegalStateException.class, results.get(1));
        TorchException e = assertInstanceOf(TorchException.class, results.get(0));
        assertTrue(e.getMessage().startsWith("rank 0 of 2: all-reduce failed"), e.getMessage());
    }

    @Test
    void theGlobalBatchMustSplitEvenlyOverTheRanks() {
        DataParallel three = new RankZeroStub(3, () -> {});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(TrainingConfig.builder().epochs(1).learningRate(0.05).seed(SEED).build(),
                        RegularizedLoss.plain(), null, three));
        assertTrue(e.getMessage().contains("multiple of the world size 3"), e.getMessage());
    }

    @Test
    void bucketsPackByDtypeAndCapacityAndUnpackExactly() {
        try (TensorScope scope = TensorScope.open()) {
            List<Tensor> tensors = List.of(Tensor.of(new float[]{1, 2, 3, 4}, 2, 2), Tensor.of(new float[]{5}, 1),
                    Tensor.of(new double[]{6, 7}, 2), Tensor.of(new float[]{8, 9, 10}, 3));
            Buckets buckets = new Buckets(tensors, 5 * 4);  // room for 5 floats
            assertEquals(3, buckets.count());  // {2x2, 1} float, {2} double, {3} float
            List<Tensor> flats = buckets.flatten();
            assertArrayEquals(new float[]{1, 2, 3, 4, 5}, flats.get(0).toFloatArray());
            for (Tensor flat : flats) flat.mulInPlace(2);
            buckets.unflatten(flats);
            assertArrayEquals(new float[]{2, 4, 6, 8}, tensors.get(0).toFloatArray());
            assertArrayEquals(new long[]{2, 2}, tensors.get(0).shape());
            assertArrayEquals(new double[]{12, 14}, tensors.get(2).toDoubleArray());
            assertArrayEquals(new float[]{16, 18, 20}, tensors.get(3).toFloatArray());
        }
    }

    /** Rank 0 of a world that exchanges nothing; {@code onBroadcast} runs at each buffer broadcast. */
    private record RankZeroStub(int worldSize, Runnable onBroadcast) implements DataParallel {
        public int rank() { return 0; }
        public void synchronize(Module model) {}
        public void broadcastBuffers(Module model) { onBroadcast.run(); }
        public void average(List<Tensor> gradients, double[] values) {}
    }
}
