package dev.jacreg;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * conv2d through the shim's autograd function, whose create-graph gradient runs in ATen's native kernels
 * (Torch.setConvCreateGraphNative(true)), against libtorch's at::conv2d (false): first gradients, the create_graph
 * double backward for the first gradients a caller can take, a third derivative, and central finite differences of
 * the first-order gradient as a second truth.
 */
class ConvCreateGraphTest {
    static final long[] X = {3, 2, 7, 7}, W = {4, 2, 3, 3};

    record Outcome(double[] y, List<double[]> first, List<double[]> second) {}

    static int numel(long[] shape) {
        long n = 1;
        for (long s : shape) n *= s;
        return Math.toIntExact(n);
    }

    static Tensor tensor(double[] values, DType dtype, long... shape) {
        Tensor t = Tensor.of(values, shape);
        return dtype == DType.FLOAT64 ? t : t.to(dtype);
    }

    /**
     * s = Σ V·conv2d(x, w, b)²; first gradients of s for the inputs firstWrt picks (x, w, b) with create_graph;
     * P = Σ_i ⟨first_i, U_i⟩; second gradients of P for x, w and (when there is one) b.
     */
    static Outcome run(boolean nativeKernels, DType dtype, boolean bias, int stride, int padding, boolean[] firstWrt) {
        boolean previous = Torch.setConvCreateGraphNative(nativeKernels);
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = tensor(FiniteDifferences.values(numel(X), 1, 1.0), dtype, X).requiresGrad(true);
            Tensor w = tensor(FiniteDifferences.values(numel(W), 2, 0.5), dtype, W).requiresGrad(true);
            Tensor b = bias ? tensor(FiniteDifferences.values(4, 3, 0.5), dtype, 4).requiresGrad(true) : null;
            Tensor y = Functional.conv2d(x, w, b, stride, padding);
            Tensor s = y.square().mul(tensor(FiniteDifferences.values(numel(y.shape()), 4, 1.0), dtype, y.shape())).sum();
            List<Tensor> params = bias ? List.of(x, w, b) : List.of(x, w);
            List<Tensor> wrt = new ArrayList<>(), seeds = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                if (!firstWrt[i]) continue;
                wrt.add(params.get(i));
                seeds.add(tensor(FiniteDifferences.values(numel(params.get(i).shape()), 5 + i, 1.0), dtype, params.get(i).shape()));
            }
            List<Tensor> first = Autograd.grad(List.of(s), wrt, null, true, true, Autograd.Unused.FAIL);
            Tensor p = null;
            for (int i = 0; i < first.size(); i++) {
                Tensor term = first.get(i).mul(seeds.get(i)).sum();
                p = p == null ? term : p.add(term);
            }
            List<Tensor> second = Autograd.grad(List.of(p), params, null, false, false, Autograd.Unused.ZEROS);
            return new Outcome(y.toDoubleArray(), first.stream().map(Tensor::toDoubleArray).toList(),
                    second.stream().map(Tensor::toDoubleArray).toList());
        } finally {
            Torch.setConvCreateGraphNative(previous);
        }
    }

    static void assertClose(double[] expected, double[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double error = FiniteDifferences.relativeError(actual, expected, 1e-300);
        assertTrue(error <= tolerance, what + ": relative error " + error + " > " + tolerance);
    }

    static void assertSame(Outcome aten, Outcome nat, double tolerance, String what) {
        assertClose(aten.y(), nat.y(), tolerance, what + " forward");
        for (int i = 0; i < aten.first().size(); i++) assertClose(aten.first().get(i), nat.first().get(i), tolerance, what + " first " + i);
        for (int i = 0; i < aten.second().size(); i++) {
            if (i < 2) assertTrue(FiniteDifferences.maxAbs(aten.second().get(i)) > 1e-6, what + ": second " + i + " is zero");
            assertClose(aten.second().get(i), nat.second().get(i), tolerance, what + " second " + i);
        }
    }

    static final boolean[][] FIRST_WRT = {{true, false, false}, {true, true, false}, {true, true, true}, {false, true, true}};

    @Test
    void nativeMatchesAten() {
        for (DType dtype : List.of(DType.FLOAT64, DType.FLOAT32)) {
            double tolerance = dtype == DType.FLOAT64 ? 1e-12 : 1e-5;
            for (boolean bias : new boolean[]{true, false}) {
                for (int[] sp : new int[][]{{1, 0}, {2, 1}}) {
                    for (boolean[] wrt : FIRST_WRT) {
                        if (!bias && wrt[2]) continue;
                        String what = dtype + " bias " + bias + " stride/padding " + Arrays.toString(sp) + " first grad of " + Arrays.toString(wrt);
                        assertSame(run(false, dtype, bias, sp[0], sp[1], wrt), run(true, dtype, bias, sp[0], sp[1], wrt), tolerance, what);
                    }
                }
            }
        }
    }

    // ---- finite differences of the first-order gradient, and a third derivative ---------------------------------

    static final long[] SX = {2, 2, 5, 5}, SW = {3, 2, 3, 3};
    final double[] x0 = FiniteDifferences.values(numel(SX), 11, 1.0), w0 = FiniteDifferences.values(numel(SW), 12, 0.5);
    final double[] v = FiniteDifferences.values(2 * 3 * 5 * 5, 13, 1.0), u = FiniteDifferences.values(numel(SX), 14, 1.0);

    /** P = ⟨∂s/∂x, U⟩ with s = Σ V·conv2d(x, w)² (padding 1), the input gradient with or without create_graph. */
    Tensor inputGradientProjection(Tensor x, Tensor w, boolean createGraph) {
        Tensor y = Functional.conv2d(x, w, null, 1, 1);
        Tensor s = y.square().mul(Tensor.of(v, 2, 3, 5, 5)).sum();
        return Autograd.grad(s, x, createGraph).mul(Tensor.of(u, SX)).sum();
    }

    @Test
    void nativeDoubleBackwardMatchesFiniteDifferences() {
        boolean previous = Torch.setConvCreateGraphNative(true);
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = Tensor.of(x0, SX).requiresGrad(true), w = Tensor.of(w0, SW).requiresGrad(true);
            List<Tensor> analytic = Autograd.grad(inputGradientProjection(x, w, true), List.of(x, w), false);
            Function<Tensor, Tensor> byX = t -> inputGradientProjection(t.requiresGrad(true), Tensor.of(w0, SW), false);
            Function<Tensor, Tensor> byW = t -> inputGradientProjection(Tensor.of(x0, SX).requiresGrad(true), t, false);
            double[][] numeric = {FiniteDifferences.gradient(byX, x0, SX, 1e-5), FiniteDifferences.gradient(byW, w0, SW, 1e-5)};
            for (int i = 0; i < 2; i++) {
                double[] a = analytic.get(i).toDoubleArray();
                assertTrue(FiniteDifferences.maxAbs(a) > 1e-3, "second derivative " + i + " is zero");
                double error = FiniteDifferences.relativeError(a, numeric[i], 1e-6);
                assertTrue(error < 1e-6, "input " + i + ": relative error " + error);
            }
        } finally {
            Torch.setConvCreateGraphNative(previous);
        }
    }

    static List<double[]> thirdDerivative(boolean nativeKernels) {
        boolean previous = Torch.setConvCreateGraphNative(nativeKernels);
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = Tensor.of(FiniteDifferences.values(numel(SX), 21, 1.0), SX).requiresGrad(true);
            Tensor w = Tensor.of(FiniteDifferences.values(numel(SW), 22, 0.5), SW).requiresGrad(true);
            Tensor y = Functional.conv2d(x, w, null, 1, 1);
            // cubed, so that the third derivative is not zero
            Tensor s = y.square().mul(y).mul(Tensor.of(FiniteDifferences.values(2 * 3 * 5 * 5, 23, 1.0), 2, 3, 5, 5)).sum();
            Tensor g = Autograd.grad(s, x, true);
            Tensor p = g.mul(Tensor.of(FiniteDifferences.values(numel(SX), 24, 1.0), SX)).sum();
            List<Tensor> h = Autograd.grad(p, List.of(x, w), true);
            Tensor q = h.get(0).mul(Tensor.of(FiniteDifferences.values(numel(SX), 25, 1.0), SX)).sum()
                    .add(h.get(1).mul(Tensor.of(FiniteDifferences.values(numel(SW), 26, 1.0), SW)).sum());
            List<Tensor> third = Autograd.grad(q, List.of(x, w), false);
            return List.of(h.get(0).toDoubleArray(), h.get(1).toDoubleArray(), third.get(0).toDoubleArray(), third.get(1).toDoubleArray());
        } finally {
            Torch.setConvCreateGraphNative(previous);
        }
    }

    @Test
    void thirdDerivativeMatchesAten() {
        List<double[]> aten = thirdDerivative(false), nat = thirdDerivative(true);
        for (int i = 0; i < aten.size(); i++) {
            assertTrue(FiniteDifferences.maxAbs(aten.get(i)) > 1e-6, "derivative " + i + " is zero");
            assertClose(aten.get(i), nat.get(i), 1e-11, "derivative " + i);
        }
    }

    @Test
    void switchReportsAndRestoresTheSetting() {
        boolean initial = Torch.convCreateGraphNative();
        try {
            assertEquals(initial, Torch.setConvCreateGraphNative(false));
            assertFalse(Torch.convCreateGraphNative());
            assertFalse(Torch.setConvCreateGraphNative(true));
            assertTrue(Torch.convCreateGraphNative());
        } finally {
            Torch.setConvCreateGraphNative(initial);
        }
    }

    @Test
    void badInputIsAClearException() {
        boolean previous = Torch.setConvCreateGraphNative(true);
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = Tensor.rand(DType.FLOAT32, 2, 3, 8, 8);
            RuntimeException channels = assertThrows(RuntimeException.class,
                    () -> Functional.conv2d(x, Tensor.rand(DType.FLOAT32, 4, 2, 3, 3), null, 1, 0));
            assertTrue(channels.getMessage().contains("channels"), channels.getMessage());
            TorchException biasSize = assertThrows(TorchException.class,
                    () -> Functional.conv2d(x, Tensor.rand(DType.FLOAT32, 4, 3, 3, 3), Tensor.rand(DType.FLOAT32, 5), 1, 0));
            assertFalse(biasSize.getMessage().isBlank());
            TorchException dtype = assertThrows(TorchException.class,
                    () -> Functional.conv2d(x, Tensor.rand(DType.FLOAT64, 4, 3, 3, 3), null, 1, 0));
            assertFalse(dtype.getMessage().isBlank());
        } finally {
            Torch.setConvCreateGraphNative(previous);
        }
    }
}
