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
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** The training loop: iteration count, progress, early stop, determinism, no leaked handles. */
class TrainerTest {
    static final DigitDataset DATA = SyntheticDigits.generate(200, 4);

    private static TrainingResult run(long seed, RegularizedLoss loss, int stopAfter, List<TrainingProgress> seen,
                                      double[] weightsOut) {
        try (TensorScope scope = TensorScope.open(); DeviceDataset data = new DeviceDataset(DATA, DType.FLOAT32)) {
            Torch.manualSeed(seed);
            try (Sequential net = SeedNetwork.create(data.meanImage(), 28, 28, DType.FLOAT32)) {
                AtomicInteger polls = new AtomicInteger();
                TrainingResult result = new Trainer(TrainingConfig.builder().epochs(2).seed(seed).build(), loss)
                        .train(net, data, seen::add, () -> polls.incrementAndGet() > stopAfter);
                if (weightsOut != null) {
                    float[] w = net.parameters().get("fc.weight").toFloatArray();
                    for (int i = 0; i < weightsOut.length; i++) weightsOut[i] = w[i];
                }
                return result;
            }
        }
    }

    @Test
    void dropsThePartialBatchAndReportsEveryIteration() {
        List<TrainingProgress> seen = new ArrayList<>();
        long before = Tensor.liveCount();
        TensorScope.Statistics start = TensorScope.statistics();
        TrainingResult result = run(1, new RegularizedLoss(JacobianPenalty.reference()), Integer.MAX_VALUE, seen, null);
        assertEquals(Tensor.liveCount(), before, "training leaves no live tensors behind");
        assertEquals(0, TensorScope.statistics().since(start).createdOutsideScope(),
                "every tensor of a training run has an owner: none is left to the caller or the Cleaner");
        assertEquals(2 * (200 / 32), result.iterations());  // 6 full batches per epoch
        assertEquals(12, result.plannedIterations());
        assertFalse(result.stoppedEarly());
        assertEquals(12, seen.size());
        assertEquals(2, seen.get(11).epoch());
        assertEquals(1.0, seen.get(11).fractionDone());
        for (int i = 0; i < 12; i++) {
            assertTrue(Double.isFinite(result.losses()[i]) && result.losses()[i] > 0);
            assertTrue(result.penalties()[i] >= 0);
            assertEquals(result.losses()[i], seen.get(i).loss());
        }
    }

    @Test
    void stopRequestEndsTheRunAndKeepsWhatWasTrained() {
        List<TrainingProgress> seen = new ArrayList<>();
        TrainingResult result = run(1, RegularizedLoss.plain(), 4, seen, null);
        assertTrue(result.stoppedEarly());
        assertEquals(4, result.iterations());
        assertTrue(Double.isNaN(result.penalties()[0]));
    }

    @Test
    void sameSeedSameWeights() {
        double[] a = new double[50], b = new double[50], c = new double[50];
        run(7, new RegularizedLoss(JacobianPenalty.reference()), 5, new ArrayList<>(), a);
        run(7, new RegularizedLoss(JacobianPenalty.reference()), 5, new ArrayList<>(), b);
        run(8, new RegularizedLoss(JacobianPenalty.reference()), 5, new ArrayList<>(), c);
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, c));
    }
}
