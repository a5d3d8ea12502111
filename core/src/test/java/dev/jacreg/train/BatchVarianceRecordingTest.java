package dev.jacreg.train;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.nn.BatchNorm2d;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * BatchNorm2d's record of its smallest batch variance (the bn*_min_var diagnostics) against variances computed here;
 * the columns of training-loss.csv that report it are DiagnosticsTest's (core/cli).
 */
class BatchVarianceRecordingTest {
    /** Smallest over channels of the biased variance over (N, H, W) of an N×C×H×W tensor, in Java. */
    static double minChannelVariance(Tensor activations) {
        long[] s = activations.shape();
        double[] v = activations.toDoubleArray();
        int n = (int) s[0], c = (int) s[1], hw = (int) (s[2] * s[3]);
        double min = Double.POSITIVE_INFINITY;
        for (int ch = 0; ch < c; ch++) {
            double sum = 0, sumSq = 0;
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < hw; i++) {
                    double x = v[(b * c + ch) * hw + i];
                    sum += x;
                }
            }
            double mean = sum / ((double) n * hw);
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < hw; i++) sumSq += Math.pow(v[(b * c + ch) * hw + i] - mean, 2);
            }
            min = Math.min(min, sumSq / ((double) n * hw));
        }
        return min;
    }

    @Test
    void batchNormRecordsOnlyTrainingPassesAndOnlyWhenAsked() {
        try (TensorScope scope = TensorScope.open()) {
            Torch.manualSeed(4);
            BatchNorm2d bn = new BatchNorm2d(3, DType.FLOAT64);
            try (bn) {
                Tensor x = Tensor.randn(DType.FLOAT64, 4, 3, 5, 5).mul(Tensor.of(new double[]{0.5, 2, 1}, 1, 3, 1, 1));
                bn.forward(x);
                assertTrue(Double.isNaN(bn.minBatchVariance()), "off by default");
                bn.recordBatchVariance(true);
                bn.setTraining(false);
                bn.forward(x);
                assertTrue(Double.isNaN(bn.minBatchVariance()), "inference passes use no batch statistics");
                bn.setTraining(true);
                bn.forward(x);
                assertEquals(minChannelVariance(x), bn.minBatchVariance(), 1e-12);
                bn.forward(x.mul(0.1));
                assertEquals(minChannelVariance(x) * 0.01, bn.minBatchVariance(), 1e-12, "the smallest since the reset");
                bn.resetBatchVariance();
                assertTrue(Double.isNaN(bn.minBatchVariance()));
            }
        }
    }
}
