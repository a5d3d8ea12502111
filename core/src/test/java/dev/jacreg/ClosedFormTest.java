package dev.jacreg;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Forward values of ops against closed forms computed by hand, and data round trips. */
class ClosedFormTest {
    @Test
    void roundTripsEveryDtypeAndShape() {
        try (TensorScope scope = TensorScope.open()) {
            float[] f = {1.5f, -2f, 3.25f, 0f, 7f, -8.5f};
            Tensor a = Tensor.of(f, 2, 3);
            assertArrayEquals(new long[]{2, 3}, a.shape());
            assertEquals(DType.FLOAT32, a.dtype());
            assertEquals(Device.CPU, a.device());
            assertArrayEquals(f, a.toFloatArray());
            assertArrayEquals(new double[]{1.5, -2, 3.25, 0, 7, -8.5}, a.toDoubleArray());
            long[] l = {Long.MAX_VALUE, -3, 0};
            assertArrayEquals(l, Tensor.of(l, 3).toLongArray());
            assertEquals(42.0, Tensor.scalar(42, DType.FLOAT64).item());
            assertEquals(0, Tensor.scalar(42, DType.FLOAT64).dim());
            assertEquals(7, Tensor.of(new int[]{7}, 1).itemLong());
        }
    }

    @Test
    void elementwiseAndReductions() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor a = Tensor.of(new double[]{1, 2, 3, 4}, 2, 2);
            Tensor b = Tensor.of(new double[]{10, 20, 30, 40}, 2, 2);
            assertArrayEquals(new double[]{11, 22, 33, 44}, a.add(b).toDoubleArray());
            assertArrayEquals(new double[]{9, 18, 27, 36}, b.sub(a).toDoubleArray());
            assertArrayEquals(new double[]{10, 40, 90, 160}, a.mul(b).toDoubleArray());
            assertArrayEquals(new double[]{10, 10, 10, 10}, b.div(a).toDoubleArray());
            assertArrayEquals(new double[]{1, 8, 27, 64}, a.pow(3).toDoubleArray());
            assertArrayEquals(new double[]{70, 100, 150, 220}, a.matmul(b).toDoubleArray());  // [[1,2],[3,4]]·[[10,20],[30,40]]
            assertEquals(10, a.sum().item());
            assertEquals(2.5, a.mean().item());
            assertArrayEquals(new double[]{4, 6}, a.sum(new long[]{0}, false).toDoubleArray());
            assertArrayEquals(new double[]{1.5, 3.5}, a.mean(new long[]{1}, false).toDoubleArray());
            assertEquals(4, a.max().item());
            assertEquals(1, a.min().item());
            assertArrayEquals(new long[]{1, 1}, a.argmax(1).toLongArray());
            assertArrayEquals(new double[]{Math.exp(1), Math.exp(2), Math.exp(3), Math.exp(4)}, a.exp().toDoubleArray(), 1e-12);
            assertArrayEquals(new double[]{0, Math.log(2), Math.log(3), Math.log(4)}, a.log().toDoubleArray(), 1e-12);
            assertArrayEquals(new double[]{1, Math.sqrt(2), Math.sqrt(3), 2}, a.sqrt().toDoubleArray(), 1e-12);
        }
    }

    @Test
    void softmaxOneHotComparisonsAndWhere() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor logits = Tensor.of(new double[]{0, Math.log(3)}, 1, 2);
            assertArrayEquals(new double[]{0.25, 0.75}, Functional.softmax(logits, 1).toDoubleArray(), 1e-12);
            assertArrayEquals(new double[]{Math.log(0.25), Math.log(0.75)}, Functional.logSoftmax(logits, 1).toDoubleArray(), 1e-12);
            assertArrayEquals(new long[]{0, 0, 1, 0, 1, 0}, Functional.oneHot(Tensor.of(new long[]{2, 1}, 2), 3).toLongArray());
            Tensor x = Tensor.of(new double[]{-1, 0, 2}, 3);
            assertArrayEquals(new long[]{0, 0, 1}, x.gt(0.5).toLongArray());
            assertArrayEquals(new long[]{1, 1, 0}, x.le(Tensor.of(new double[]{-1, 0, 1}, 3)).toLongArray());
            assertArrayEquals(new double[]{0, 0, 2}, Functional.relu(x).toDoubleArray());
            assertArrayEquals(new double[]{-1, 100, 2}, Tensor.where(x.eq(0), Tensor.full(100, DType.FLOAT64), x).toDoubleArray());
            assertArrayEquals(new double[]{-1, 0, 2, -1, 0, 2}, Tensor.cat(List.of(x, x), 0).toDoubleArray());
            assertArrayEquals(new long[]{2, 3}, Tensor.stack(List.of(x, x), 0).shape());
        }
    }

    @Test
    void convolutionOfAKnownPattern() {
        try (TensorScope scope = TensorScope.open()) {
            // 3×3 input 1..9, 2×2 kernel of ones: each output is the sum of a 2×2 window.
            Tensor input = Tensor.of(new double[]{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
            Tensor kernel = Tensor.ones(DType.FLOAT64, 1, 1, 2, 2);
            assertArrayEquals(new double[]{12, 16, 24, 28}, Functional.conv2d(input, kernel, null, 1, 0).toDoubleArray());
            Tensor padded = Functional.conv2d(input, kernel, Tensor.of(new double[]{0.5}, 1), 2, 1);
            assertArrayEquals(new double[]{1.5, 5.5, 11.5, 28.5}, padded.toDoubleArray());
        }
    }

    @Test
    void batchNormNormalisesAndUpdatesRunningStatistics() {
        try (TensorScope scope = TensorScope.open()) {
            // One channel, values 1..4: mean 2.5, biased variance 1.25, unbiased 5/3.
            Tensor x = Tensor.of(new double[]{1, 2, 3, 4}, 4, 1);
            Tensor runningMean = Tensor.zeros(DType.FLOAT64, 1);
            Tensor runningVar = Tensor.ones(DType.FLOAT64, 1);
            Tensor y = Functional.batchNorm(x, null, null, runningMean, runningVar, true, 0.1, 0);
            double sd = Math.sqrt(1.25);
            assertArrayEquals(new double[]{-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd}, y.toDoubleArray(), 1e-12);
            assertEquals(0.9 * 0 + 0.1 * 2.5, runningMean.item(), 1e-12);
            assertEquals(0.9 * 1 + 0.1 * (5.0 / 3), runningVar.item(), 1e-12);
            // Inference uses the running statistics and leaves them alone.
            Tensor z = Functional.batchNorm(x, null, null, runningMean, runningVar, false, 0.1, 0);
            assertEquals((1 - 0.25) / Math.sqrt(0.9 + 0.1 * 5.0 / 3), z.toDoubleArray()[0], 1e-12);
            assertEquals(0.25, runningMean.item(), 1e-12);
        }
    }

    @Test
    void inPlaceUpdatesImplementMomentumStep() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor theta = Tensor.of(new double[]{1, 2}, 2);
            Tensor velocity = Tensor.of(new double[]{0.5, -0.5}, 2);
            Tensor grad = Tensor.of(new double[]{10, 20}, 2);
            velocity.mulInPlace(0.9).addInPlace(grad, -0.01);   // v ← 0.9 v − 0.01 g
            theta.addInPlace(velocity, 1.0);                     // θ ← θ + v
            assertArrayEquals(new double[]{0.35, -0.65}, velocity.toDoubleArray(), 1e-12);
            assertArrayEquals(new double[]{1.35, 1.35}, theta.toDoubleArray(), 1e-12);
            theta.copyFrom(grad);
            assertArrayEquals(new double[]{10, 20}, theta.toDoubleArray());
            theta.fillInPlace(3);
            assertArrayEquals(new double[]{3, 3}, theta.toDoubleArray());
            theta.zeroInPlace();
            assertArrayEquals(new double[]{0, 0}, theta.toDoubleArray());
        }
    }

    @Test
    void seededRandomnessIsRepeatableAndHasTheRightLaw() {
        try (TensorScope scope = TensorScope.open()) {
            Torch.manualSeed(123);
            double[] first = Tensor.rand(DType.FLOAT64, 1000).toDoubleArray();
            long[] perm = Tensor.randperm(50).toLongArray();
            Torch.manualSeed(123);
            assertArrayEquals(first, Tensor.rand(DType.FLOAT64, 1000).toDoubleArray());
            assertArrayEquals(perm, Tensor.randperm(50).toLongArray());
            assertArrayEquals(java.util.stream.LongStream.range(0, 50).toArray(), java.util.Arrays.stream(perm).sorted().toArray());
            Tensor normal = Tensor.randn(DType.FLOAT64, 20000);
            assertEquals(0, normal.mean().item(), 0.05);
            assertEquals(1, normal.square().mean().item(), 0.05);
            long[] ints = Tensor.randint(3, 7, 1000).toLongArray();
            for (long v : ints) assertTrue(v >= 3 && v < 7);
            for (double u : first) assertTrue(u >= 0 && u < 1);
        }
    }

    @Test
    void runtimeQueries() {
        assertTrue(Torch.version().matches("\\d+\\.\\d+\\.\\d+"), Torch.version());
        assertTrue(Torch.numThreads() >= 1);
        assertFalse(Torch.buildConfig().isBlank());
        assertEquals(0, Torch.noop());
        int before = Torch.numThreads();
        Torch.setNumThreads(1);
        assertEquals(1, Torch.numThreads());
        Torch.setNumThreads(before);
    }
}
