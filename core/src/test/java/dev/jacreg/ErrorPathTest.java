package dev.jacreg;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Bad input becomes a Java exception with a useful message, and the JVM carries on. */
class ErrorPathTest {
    @AfterEach
    void libraryStillWorks() {
        try (TensorScope scope = TensorScope.open()) {
            assertEquals(6.0, Tensor.of(new double[]{1, 2, 3}, 3).sum().item());
        }
    }

    @Test
    void shapeMismatchInAddNamesTheSizes() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor a = Tensor.zeros(2, 3), b = Tensor.zeros(4, 5);
            TorchException e = assertThrows(TorchException.class, () -> a.add(b));
            assertTrue(e.getMessage().contains("size of tensor a (3) must match the size of tensor b (5)"), e.getMessage());
            assertFalse(e.getMessage().contains("frame #"), "the C++ backtrace should be stripped: " + e.getMessage());
        }
    }

    @Test
    void conv2dChannelMismatchNamesBothShapes() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor input = Tensor.zeros(1, 3, 8, 8), weight = Tensor.zeros(4, 2, 3, 3);
            TorchException e = assertThrows(TorchException.class, () -> Functional.conv2d(input, weight, null, 1, 0));
            assertTrue(e.getMessage().contains("[1, 3, 8, 8]") && e.getMessage().contains("[4, 2, 3, 3]"), e.getMessage());
        }
    }

    @Test
    void matmulAndLinearMismatch() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor a = Tensor.zeros(2, 3), b = Tensor.zeros(4, 5);
            TorchException e = assertThrows(TorchException.class, () -> a.matmul(b));
            assertTrue(e.getMessage().contains("2x3") && e.getMessage().contains("4x5"), e.getMessage());
            assertThrows(TorchException.class, () -> Functional.linear(a, b, null));
        }
    }

    @Test
    void wrongDtypes() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor floats = Tensor.zeros(3);
            TorchException e = assertThrows(TorchException.class, () -> Functional.oneHot(floats, 4));
            assertTrue(e.getMessage().contains("index tensor"), e.getMessage());
            Tensor data = Tensor.zeros(4, 2);
            assertThrows(TorchException.class, () -> data.indexSelect(0, Tensor.of(new float[]{0, 1}, 2)));
            Tensor f32 = Tensor.zeros(2), f64 = Tensor.zeros(DType.FLOAT64, 2).requiresGrad(true);
            assertThrows(TorchException.class, () -> Autograd.grad(f32.sum(), f64, false));
        }
    }

    @Test
    void badShapesAndArraysAreRejectedInJava() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("5 elements") && e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.randint(5, 5, 3));
        assertThrows(IllegalArgumentException.class, () -> Torch.setNumThreads(0));
        try (TensorScope scope = TensorScope.open()) {
            TorchException e2 = assertThrows(TorchException.class, () -> Tensor.zeros(6).reshape(4, 2));
            assertTrue(e2.getMessage().contains("[4, 2]"), e2.getMessage());
            assertThrows(TorchException.class, () -> Tensor.zeros(2, 2).select(5, 0));
            assertThrows(TorchException.class, () -> Tensor.zeros(2).item());
        }
    }

    @Test
    void closedTensorIsAnIllegalStateNotACrash() {
        Tensor t = Tensor.zeros(2);
        t.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, t::sum);
        assertTrue(e.getMessage().contains("closed"));
        assertThrows(IllegalStateException.class, () -> Tensor.ones(2).add(t));
        assertDoesNotThrow(t::close, "closing twice is harmless");
        assertEquals("Tensor[closed]", t.toString());
    }

    @Test
    void backwardTwiceWithoutRetainedGraphFails() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = Tensor.of(new double[]{1, 2}, 2).requiresGrad(true);
            Tensor y = x.exp().sum();
            y.backward();
            TorchException e = assertThrows(TorchException.class, y::backward);
            assertTrue(e.getMessage().contains("second time"), e.getMessage());
        }
    }

    @Test
    void cudaOnACpuBuildIsAClearException() {
        org.junit.jupiter.api.Assumptions.assumeFalse(Torch.cudaAvailable(), "this libtorch has CUDA");
        TorchException e = assertThrows(TorchException.class, () -> Device.setDefaultDevice(Device.cuda(0)));
        assertTrue(e.getMessage().contains("CUDA") && e.getMessage().contains(Torch.version()), e.getMessage());
        try (TensorScope scope = TensorScope.open()) {
            TorchException moved = assertThrows(TorchException.class, () -> Tensor.zeros(2).to(Device.cuda(0)));
            assertTrue(moved.getMessage().contains("CUDA"), moved.getMessage());
        }
        assertEquals(Device.CPU, Device.defaultDevice());
    }

    @Test
    void deviceParsing() {
        assertEquals(Device.CPU, Device.parse("cpu"));
        assertEquals(Device.cuda(0), Device.parse("CUDA"));
        assertEquals(Device.cuda(3), Device.parse("cuda:3"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse("tpu"));
        assertTrue(e.getMessage().contains("tpu"));
        assertThrows(IllegalArgumentException.class, () -> Device.parse("cuda:x"));
    }
}
