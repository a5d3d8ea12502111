package dev.jacreg;

import dev.jacreg.nn.BatchNorm2d;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** Issue 8, items 4 and 5 (library side): each bad input is a clear Java exception naming the problem. */
class ReliabilityEdgeCaseTest {
    @Test
    void batchNormInTrainingRefusesOneValuePerChannel() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor runningMean = Tensor.zeros(DType.FLOAT32, 3), runningVar = Tensor.ones(DType.FLOAT32, 3);
            Tensor single = Tensor.rand(DType.FLOAT32, 1, 3, 1, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Functional.batchNorm(single, null, null, runningMean, runningVar, true, 0.1, 1e-5));
            assertTrue(e.getMessage().contains("more than one value per channel"), e.getMessage());
            assertTrue(e.getMessage().contains("[1, 3, 1, 1]"), e.getMessage());
            assertArrayEquals(new float[]{1, 1, 1}, runningVar.toFloatArray(), "running variance must be untouched");
            // Evaluation mode uses the running statistics: fine with one value. Two values per channel train fine.
            assertEquals(3, Functional.batchNorm(single, null, null, runningMean, runningVar, false, 0.1, 1e-5).numel());
            Functional.batchNorm(Tensor.rand(DType.FLOAT32, 2, 3, 1, 1), null, null, runningMean, runningVar, true, 0.1, 1e-5);
            for (float v : runningVar.toFloatArray()) assertTrue(Float.isFinite(v));

            try (BatchNorm2d layer = new BatchNorm2d(3, DType.FLOAT32)) {
                assertThrows(IllegalArgumentException.class, () -> layer.forward(single));
            }
        }
    }

    @Test
    void moreThan64DimensionsHaveAShapeAndAString() {
        long[] shape = new long[70];
        Arrays.fill(shape, 1);
        shape[69] = 2;
        try (TensorScope scope = TensorScope.open()) {
            Tensor t = Tensor.ones(DType.FLOAT32, shape);
            assertArrayEquals(shape, t.shape());
            assertEquals(70, t.dim());
            assertTrue(t.toString().contains("dtype=FLOAT32"), t.toString());
            assertEquals(2.0, t.sum().item());
        }
    }

    @Test
    void absurdShapesAreIllegalArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[0], 1L << 62, 4));
        assertTrue(e.getMessage().contains("does not fit shape") || e.getMessage().contains("elements"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[0], 1L << 62, 1L << 62));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new double[4], 1L << 61, 8));  // 2^64 bytes wraps to 0
        try (Tensor empty = Tensor.of(new float[0], 1L << 62, 0)) {
            assertEquals(0, empty.numel());
        }
    }

    @Test
    void nullArgumentsNameTheArgument() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor t = Tensor.ones(2);
            assertEquals("other", assertThrows(NullPointerException.class, () -> t.add(null)).getMessage());
            assertEquals("data", assertThrows(NullPointerException.class, () -> Tensor.of((float[]) null, 2)).getMessage());
            assertEquals("shape", assertThrows(NullPointerException.class, () -> Tensor.zeros((long[]) null)).getMessage());
            assertEquals("device", assertThrows(NullPointerException.class, () -> t.to((Device) null)).getMessage());
            assertEquals("weight", assertThrows(NullPointerException.class, () -> Functional.linear(t, null, null)).getMessage());
            assertEquals("meanImage", assertThrows(NullPointerException.class,
                    () -> SeedNetwork.create(null, 28, 28, DType.FLOAT32)).getMessage());
        }
    }

    @Test
    void cudaOnACpuBuildNamesTheRequestNotTheDispatcher() {
        assumeCpuOnly();
        try (Tensor t = Tensor.zeros(2)) {
            TorchException e = assertThrows(TorchException.class, () -> t.to(Device.cuda(0)));
            assertTrue(e.getMessage().startsWith("CUDA device cuda:0 was requested (Tensor.to)"), e.getMessage());
            assertTrue(e.getMessage().length() < 400, e.getMessage());
        }
    }

    @Test
    void tinyImagesNameTheSeedNetworksMinimum() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor mean = Tensor.zeros(1, 1, 4, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SeedNetwork.create(mean, 4, 4, DType.FLOAT32));
            assertTrue(e.getMessage().contains("at least 5×5") && e.getMessage().contains("got 4×4"), e.getMessage());
            try (Sequential net = SeedNetwork.create(Tensor.zeros(1, 1, 5, 5), 5, 5, DType.FLOAT32)) {
                assertArrayEquals(new long[]{2, 10}, net.forward(Tensor.rand(DType.FLOAT32, 2, 1, 5, 5)).shape());
            }
        }
    }

    @Test
    void seedNetworkOutsideAScopeLeavesNoHandle() {
        try (Tensor mean = Tensor.zeros(1, 1, 28, 28)) {
            long before = Torch.nativeLiveTensors();
            for (int i = 0; i < 50; i++) {
                Sequential net = SeedNetwork.create(mean, 28, 28, DType.FLOAT32);
                net.close();
            }
            // <= because the Cleaner may free other tests' garbage meanwhile; a leak would add 50.
            long after = Torch.nativeLiveTensors();
            assertTrue(after <= before, "handles left by create + close outside a scope: " + (after - before));
        }
    }

    private static void assumeCpuOnly() {
        org.junit.jupiter.api.Assumptions.assumeFalse(Torch.cudaAvailable(), "needs a libtorch without CUDA");
    }
}
