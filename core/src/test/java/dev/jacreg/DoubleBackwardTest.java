package dev.jacreg;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The create_graph double backward the Jacobian penalty needs: for a small conv → batch-norm → relu
 * → linear → softmax net in float64, the gradient of P(W) = ‖∂(v·f(x))/∂x‖² with respect to the conv
 * weights, taken through autograd twice, must match central finite differences of P itself.
 */
class DoubleBackwardTest {
    static final long[] X_SHAPE = {3, 1, 6, 6};
    static final long[] CONV_SHAPE = {2, 1, 3, 3};
    static final long[] FC_SHAPE = {4, 2 * 4 * 4};

    final double[] x = FiniteDifferences.values(3 * 36, 1, 1.0);
    final double[] convWeight = FiniteDifferences.values(18, 2, 0.5);
    final double[] fcWeight = FiniteDifferences.values(4 * 32, 3, 0.3);
    final double[] v = FiniteDifferences.values(3 * 4, 4, 1.0);

    /** P(W) for conv weights W; input gradient taken with or without create_graph. */
    Tensor penalty(Tensor convW, boolean createGraph) {
        Tensor input = Tensor.of(x, X_SHAPE).requiresGrad(true);
        Tensor h = Functional.conv2d(input, convW, null, 1, 0);
        h = Functional.batchNorm(h, null, null, null, null, true, 0.1, 1e-5);
        h = Functional.relu(h).flatten(1, -1);
        Tensor z = Functional.softmax(Functional.linear(h, Tensor.of(fcWeight, FC_SHAPE), null), 1);
        Tensor s = z.mul(Tensor.of(v, 3, 4)).sum();
        Tensor g = Autograd.grad(s, input, createGraph);
        return g.square().sum();
    }

    @Test
    void gradientOfInputGradientNormMatchesFiniteDifferences() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor w = Tensor.of(convWeight, CONV_SHAPE).requiresGrad(true);
            Tensor p = penalty(w, true);
            double[] analytic = Autograd.grad(p, w, false).toDoubleArray();

            double[] numeric = FiniteDifferences.gradient(cw -> penalty(cw, false), convWeight, CONV_SHAPE, 1e-5);

            assertTrue(FiniteDifferences.maxAbs(analytic) > 1e-3,
                    "double-backward gradient is (near) zero: create_graph lost the graph");
            double error = FiniteDifferences.relativeError(analytic, numeric, 1e-8);
            assertTrue(error < 1e-6, "relative error " + error + " analytic " + java.util.Arrays.toString(analytic)
                    + " numeric " + java.util.Arrays.toString(numeric));
        }
    }

    @Test
    void withoutCreateGraphTheSecondBackwardFails() {
        // Differentiating a gradient taken without create_graph has no graph to follow: libtorch says so.
        try (TensorScope scope = TensorScope.open()) {
            Tensor w = Tensor.of(convWeight, CONV_SHAPE).requiresGrad(true);
            Tensor p = penalty(w, false);
            TorchException e = assertThrows(TorchException.class, () -> Autograd.grad(p, w, false));
            assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
        }
    }

    @Test
    void secondDerivativeOfCubeIsClosedForm() {
        try (TensorScope scope = TensorScope.open()) {
            double[] values = {-1.5, 0.25, 2.0};
            Tensor x = Tensor.of(values, 3).requiresGrad(true);
            Tensor y = x.pow(3.0).sum();
            Tensor dy = Autograd.grad(y, x, true);                // 3x²
            Tensor d2y = Autograd.grad(dy.sum(), x, false);      // 6x
            double[] first = dy.toDoubleArray(), second = d2y.toDoubleArray();
            for (int i = 0; i < 3; i++) {
                assertEquals(3 * values[i] * values[i], first[i], 1e-12);
                assertEquals(6 * values[i], second[i], 1e-12);
            }
        }
    }

    @Test
    void backwardWithCreateGraphAccumulatesDifferentiableGrad() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = Tensor.of(new double[]{2.0}, 1).requiresGrad(true);
            x.pow(4.0).sum().backward(null, false, true);  // x.grad = 4x³ with a graph
            Tensor grad = x.grad();
            assertEquals(32.0, grad.item(), 1e-12);
            assertTrue(grad.requiresGrad(), "create_graph backward must leave a differentiable grad");
            assertEquals(48.0, Autograd.grad(grad.sum(), x, false).item(), 1e-12);  // 12x²
            x.clearGrad();
            assertNull(x.grad());
        }
    }

    @Test
    void gradientsForSeveralInputsWithSeedsAndUnusedInputs() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor a = Tensor.of(new double[]{1, 2}, 2).requiresGrad(true);
            Tensor b = Tensor.of(new double[]{3, 4}, 2).requiresGrad(true);
            Tensor unused = Tensor.of(new double[]{5}, 1).requiresGrad(true);
            Tensor out = a.mul(b);                                   // vector output
            Tensor seed = Tensor.of(new double[]{10, 100}, 2);
            List<Tensor> g = Autograd.grad(List.of(out), List.of(a, b, unused), List.of(seed), false, false,
                    Autograd.Unused.NULL);
            assertArrayEquals(new double[]{30, 400}, g.get(0).toDoubleArray(), 1e-12);
            assertArrayEquals(new double[]{10, 200}, g.get(1).toDoubleArray(), 1e-12);
            assertNull(g.get(2));
            List<Tensor> z = Autograd.grad(List.of(out.sum()), List.of(unused), null, false, false, Autograd.Unused.ZEROS);
            assertArrayEquals(new double[]{0}, z.get(0).toDoubleArray());
            assertThrows(TorchException.class, () -> Autograd.grad(List.of(out.sum()), List.of(unused), null, false,
                    false, Autograd.Unused.FAIL));
        }
    }

    @Test
    void noGradBlocksStopTracking() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = Tensor.of(new double[]{1}, 1).requiresGrad(true);
            try (var off = Autograd.noGrad()) {
                assertFalse(Autograd.isGradEnabled());
                assertFalse(x.mul(2.0).requiresGrad());
            }
            assertTrue(Autograd.isGradEnabled());
            assertTrue(x.mul(2.0).requiresGrad());
        }
    }
}
