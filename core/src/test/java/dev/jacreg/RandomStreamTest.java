package dev.jacreg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Java-side random streams: reproducible, independent of other threads, right distributions and shapes. */
class RandomStreamTest {
    @Test
    void uniformIsSplittableRandomsDrawsUploaded() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor u = RandomStream.seeded(5).uniform(DType.FLOAT32, 2, 3);
            assertArrayEquals(new long[]{2, 3}, u.shape());
            SplittableRandom expected = new SplittableRandom(5);
            float[] want = new float[6];
            for (int i = 0; i < 6; i++) want[i] = expected.nextFloat();
            assertArrayEquals(want, u.toFloatArray());
            Tensor d = RandomStream.seeded(5).uniform(DType.FLOAT64, 4);
            assertEquals(DType.FLOAT64, d.dtype());
            for (double v : d.toDoubleArray()) assertTrue(v >= 0 && v < 1);
        }
    }

    @Test
    void normalHasUnitVarianceAndPermutationIsAPermutation() {
        try (TensorScope scope = TensorScope.open()) {
            double[] v = RandomStream.seeded(1).normal(DType.FLOAT64, 20_000).toDoubleArray();
            double mean = Arrays.stream(v).average().orElseThrow();
            double var = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / (v.length - 1);
            // 20,000 draws: standard errors 0.007 (mean) and 0.01 (variance); 5 of them as bounds.
            assertEquals(0, mean, 0.035);
            assertEquals(1, var, 0.05);
            long[] p = RandomStream.seeded(2).permutation(1000).toLongArray();
            long[] sorted = p.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < sorted.length; i++) assertEquals(i, sorted[i]);
            assertFalse(Arrays.equals(sorted, p), "a shuffle of 1,000 is not the identity");
            assertEquals(0, RandomStream.seeded(2).permutation(0).numel());
            assertThrows(IllegalArgumentException.class, () -> RandomStream.seeded(2).permutation(-1));
        }
    }

    @Test
    void sameSeedSameDrawsOtherSeedOrPurposeOtherDraws() {
        try (TensorScope scope = TensorScope.open()) {
            float[] a = RandomStream.seeded(7).uniform(DType.FLOAT32, 16).toFloatArray();
            assertArrayEquals(a, RandomStream.seeded(7).uniform(DType.FLOAT32, 16).toFloatArray());
            assertFalse(Arrays.equals(a, RandomStream.seeded(8).uniform(DType.FLOAT32, 16).toFloatArray()));
            assertTrue(RandomStream.derive(7, "noise") != RandomStream.derive(7, "init"));
            assertTrue(RandomStream.derive(7, "noise") != RandomStream.derive(8, "noise"));
            assertEquals(RandomStream.derive(7, "noise"), RandomStream.derive(7, "noise"));
            // A split stream differs from its parent's continuation, and splitting is itself reproducible.
            RandomStream parent = RandomStream.seeded(3);
            float[] child = parent.split().uniform(DType.FLOAT32, 8).toFloatArray();
            RandomStream again = RandomStream.seeded(3);
            assertArrayEquals(child, again.split().uniform(DType.FLOAT32, 8).toFloatArray());
            assertFalse(Arrays.equals(child, parent.uniform(DType.FLOAT32, 8).toFloatArray()));
        }
    }

    @Test
    void drawsDoNotDependOnOtherThreads() throws Exception {
        // Two streams drawn on two threads at once give what each gives alone: nothing global is shared.
        float[] alone0 = draw(0), alone1 = draw(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 3; round++) {
                Future<float[]> f0 = pool.submit(() -> draw(0)), f1 = pool.submit(() -> draw(1));
                assertArrayEquals(alone0, f0.get());
                assertArrayEquals(alone1, f1.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static float[] draw(long seed) {
        try (TensorScope scope = TensorScope.open()) {
            RandomStream r = RandomStream.seeded(seed);
            float[] out = new float[0];
            for (int i = 0; i < 50; i++) {
                Torch.manualSeed(i);  // touching the global generator must not matter
                Tensor.rand(DType.FLOAT32, 10);
                float[] next = r.uniform(DType.FLOAT32, 10).toFloatArray();
                out = Arrays.copyOf(out, out.length + next.length);
                System.arraycopy(next, 0, out, out.length - next.length, next.length);
            }
            return out;
        }
    }
}
