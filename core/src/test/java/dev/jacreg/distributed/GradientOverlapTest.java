package dev.jacreg.distributed;

import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.RegularizedLoss;
import dev.jacreg.train.Trainer;
import dev.jacreg.train.TrainingConfig;
import dev.jacreg.train.TrainingResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Gradients all-reduced per bucket during the backward pass (the default) against the second method, one all-reduce
 * after it: the same training, weights equal to rounding, for the penalized seed network (whose backward runs through
 * the double-backward graph) with synchronized batch norm (whose collectives interleave with the buckets'). Small
 * buckets, so that there are several and the hooks start some of them while the backward pass is still running. The
 * step's values (loss parts, stop vote) travel in the last bucket with the overlap and in one all-reduce call with the
 * gradients without it: the recorded losses must agree too.
 */
class GradientOverlapTest {
    static final long BUCKET_BYTES = 16 << 10;

    record Run(Map<String, double[]> state, double[] losses, double[] penalties, int buckets, long startedInBackward, int exchanges) {}

    static Run train(DistributedDataParallel parallel) {
        try (TensorScope scope = TensorScope.open();
             DeviceDataset data = new DeviceDataset(SyncBatchNormTest.DATA, DType.FLOAT64);
             Sequential net = SeedNetwork.create(data.meanImage(), 28, 28, DType.FLOAT64, RandomStream.seeded(3))) {
            TrainingConfig config = TrainingConfig.builder().epochs(1).batchSize(32).learningRate(0.05).seed(3).build().withClipGradNorm(0.5);
            TrainingResult result = new Trainer(config, new RegularizedLoss(JacobianPenalty.reference()), RandomStream.seeded(4),
                    parallel).train(net, data, p -> {}, () -> false);
            return new Run(SyncBatchNormTest.state(net), result.losses(), result.penalties(), parallel.lastBucketCount(),
                    parallel.bucketsStartedInBackward(), parallel.exchanges());
        }
    }

    @SuppressWarnings("unchecked")
    static List<Run> twoRanks(boolean overlap) {
        List<Object> results = Ranks.run(2, (rank, port) -> {
            try (ProcessGroup group = ProcessGroup.join(Ranks.HOST, port, 2, rank, Duration.ofSeconds(60))) {
                return train(new DistributedDataParallel(group, BUCKET_BYTES).withSyncBatchNorm(true).withOverlap(overlap));
            }
        });
        for (Object r : results) if (r instanceof Throwable t) throw new AssertionError(t);
        return (List<Run>) (List<?>) results;
    }

    @Test
    void bucketsReducedDuringTheBackwardPassGiveTheWeightsOfOneAllReduceAfterIt() {
        if (!Ranks.glooBuilt()) return;
        List<Run> after = twoRanks(false);
        List<Run> during = twoRanks(true);
        for (int r = 0; r < 2; r++) {
            Run run = during.get(r);
            assertEquals(10, run.exchanges());
            assertTrue(run.buckets() > 2, "buckets: " + run.buckets());
            // Every step's buckets but the last one (the first layers' gradients come last) start during the backward.
            assertTrue(run.startedInBackward() >= (long) run.exchanges() * (run.buckets() - 1),
                    run.startedInBackward() + " buckets started during " + run.exchanges() + " backward passes of "
                            + run.buckets() + " buckets");
            SyncBatchNormTest.Difference worst = SyncBatchNormTest.worstRelativeDifference(after.get(r).state(), run.state());
            assertTrue(worst.relative() <= 1e-12, "rank " + r + ": " + worst);
            assertArrayEquals(after.get(r).losses(), run.losses(), 1e-12, "rank " + r + " losses");
            assertArrayEquals(after.get(r).penalties(), run.penalties(), 1e-12, "rank " + r + " penalties");
        }
        assertEquals(0, after.get(0).startedInBackward());
    }

    /**
     * Values announced to prepare ride in the last bucket: with two ranks each value and gradient comes back as the
     * mean of both ranks' (rank r passes r + 1 times a base), and a finish with another number of values than announced
     * is refused with a message naming both counts.
     */
    @Test
    void announcedValuesTravelWithTheLastBucketAndAMismatchIsRefused() {
        if (!Ranks.glooBuilt()) return;
        List<Object> results = Ranks.run(2, (rank, port) -> {
            try (ProcessGroup group = ProcessGroup.join(Ranks.HOST, port, 2, rank, Duration.ofSeconds(60));
                 TensorScope scope = TensorScope.open()) {
                List<Tensor> parameters = List.of(Tensor.of(new float[]{0, 0, 0}, 3).requiresGrad(true),
                        Tensor.of(new float[]{0, 0}, 2).requiresGrad(true));
                try (GradientReducer reducer = new GradientReducer(group, parameters, 8)) {  // 8 bytes: two buckets
                    float k = rank + 1;
                    List<Tensor> gradients = List.of(Tensor.of(new float[]{k, 2 * k, 3 * k}, 3), Tensor.of(new float[]{4 * k, 5 * k}, 2));
                    double[] values = {0.25 * k, 1e3 * k, k};
                    reducer.prepare(values.length);
                    reducer.finish(gradients, values);
                    assertArrayEquals(new double[]{0.375, 1500, 1.5}, values, 0.0);
                    assertArrayEquals(new float[]{1.5f, 3, 4.5f}, gradients.get(0).toFloatArray(), 0f);
                    assertArrayEquals(new float[]{6, 7.5f}, gradients.get(1).toFloatArray(), 0f);
                    reducer.prepare(2);
                    return assertThrows(dev.jacreg.TorchException.class, () -> reducer.finish(gradients, new double[3]))
                            .getMessage();
                }
            }
        });
        for (Object r : results) {
            if (r instanceof Throwable t) throw new AssertionError(t);
            assertTrue(((String) r).contains("prepare announced 2 extra values, finish got 3"), (String) r);
        }
    }
}
