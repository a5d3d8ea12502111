package dev.jacreg.data;

import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The corruptions' statistics against their closed forms, on 100×1×28×28 images (78,400 pixels) with fixed seeds;
 * bounds are 5 standard errors, so a correct implementation fails with probability below 1e-6 per check (and, the
 * seeds being fixed, never changes its verdict).
 */
class CorruptionTest {
    private static final long[] SHAPE = {100, 1, 28, 28};
    private static final double N = 100 * 28 * 28;

    private static Tensor grey(double value) {
        return Tensor.full(value, DType.FLOAT64, SHAPE);
    }

    @Test
    void saltAndPepperChangesASharePOfPixelsHalfToOneHalfToZero() {
        try (TensorScope scope = TensorScope.open()) {
            for (double p : new double[]{0.05, 0.3, 0.8}) {
                double[] out = Corruption.SALT_PEPPER.apply(grey(0.5), p, RandomStream.seeded(17)).toDoubleArray();
                int changed = 0, salt = 0;
                for (double v : out) {
                    assertTrue(v == 0.5 || v == 0 || v == 1, "unexpected value " + v);
                    if (v != 0.5) changed++;
                    if (v == 1) salt++;
                }
                double share = changed / N;
                assertEquals(p, share, 5 * Math.sqrt(p * (1 - p) / N), "share of changed pixels at p = " + p);
                assertEquals(0.5, (double) salt / changed, 5 * Math.sqrt(0.25 / changed), "share of salt among changed");
            }
        }
    }

    @Test
    void gaussianNoiseHasMeanZeroAndStandardDeviationSigmaBeforeClipping() {
        try (TensorScope scope = TensorScope.open()) {
            double sigma = 0.08;  // 0.5 / 0.08 > 6 σ from either bound: clipping is practically never reached
            double[] out = Corruption.GAUSSIAN.apply(grey(0.5), sigma, RandomStream.seeded(3)).toDoubleArray();
            double sum = 0, sq = 0;
            for (double v : out) {
                sum += v - 0.5;
                sq += (v - 0.5) * (v - 0.5);
            }
            double mean = sum / N, sd = Math.sqrt(sq / N - mean * mean);
            assertEquals(0, mean, 5 * sigma / Math.sqrt(N), "mean of the noise");
            assertEquals(sigma, sd, 5 * sigma / Math.sqrt(2 * N), "standard deviation of the noise");  // se of s ≈ σ/√(2N)
        }
    }

    @Test
    void gaussianNoiseIsClippedAndClipsTheExpectedShare() {
        try (TensorScope scope = TensorScope.open()) {
            double sigma = 0.5;  // from 0.5, a pixel is clipped to 0 with probability Φ(−1) and to 1 with Φ(−1)
            double[] out = Corruption.GAUSSIAN.apply(grey(0.5), sigma, RandomStream.seeded(4)).toDoubleArray();
            int zeros = 0, ones = 0;
            for (double v : out) {
                assertTrue(v >= 0 && v <= 1, "pixel " + v + " outside [0, 1]");
                if (v == 0) zeros++;
                if (v == 1) ones++;
            }
            double phiMinus1 = 0.15865525393145707;
            double bound = 5 * Math.sqrt(phiMinus1 * (1 - phiMinus1) / N);
            assertEquals(phiMinus1, zeros / N, bound, "share clipped to 0");
            assertEquals(phiMinus1, ones / N, bound, "share clipped to 1");
        }
    }

    @Test
    void sameSeedSameCorruptionAndReplaceIsTheExperimentsNoise() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor images = RandomStream.seeded(1).uniform(DType.FLOAT32, 4, 1, 28, 28);
            for (Corruption c : Corruption.values()) {
                float[] a = c.apply(images, 0.3, RandomStream.seeded(9)).toFloatArray();
                assertArrayEquals(a, c.apply(images, 0.3, RandomStream.seeded(9)).toFloatArray(), c.label());
                assertFalse(java.util.Arrays.equals(a, c.apply(images, 0.3, RandomStream.seeded(10)).toFloatArray()), c.label());
                assertArrayEquals(images.toFloatArray(), c.apply(images, 0, RandomStream.seeded(9)).toFloatArray(), c.label());
            }
            assertArrayEquals(Noise.replacePixels(images, 0.3, RandomStream.seeded(9)).toFloatArray(),
                    Corruption.REPLACE.apply(images, 0.3, RandomStream.seeded(9)).toFloatArray());
        }
    }

    @Test
    void badLevelsAndNamesAreRejected() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor images = grey(0.5);
            assertThrows(IllegalArgumentException.class, () -> Corruption.GAUSSIAN.apply(images, -0.1, RandomStream.seeded(1)));
            assertThrows(IllegalArgumentException.class, () -> Corruption.GAUSSIAN.apply(images, Double.NaN, RandomStream.seeded(1)));
            assertThrows(IllegalArgumentException.class, () -> Corruption.SALT_PEPPER.apply(images, 1.5, RandomStream.seeded(1)));
            assertThrows(IllegalArgumentException.class, () -> Corruption.REPLACE.apply(images, -1, RandomStream.seeded(1)));
            assertThrows(IllegalArgumentException.class, () -> Corruption.parse("blur"));
            assertEquals(Corruption.SALT_PEPPER, Corruption.parse(" Salt-Pepper "));
            assertDoesNotThrow(() -> Corruption.GAUSSIAN.apply(images, 2.0, RandomStream.seeded(1)));
        }
    }
}
