package dev.jacreg;

import dev.jacreg.nn.Dropout;
import dev.jacreg.nn.MaxPool2d;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The two ops added through the op table alone (issue 9): max pooling against a direct Java loop, with kernel and
 * stride different so that two int64[] arguments of one call must both arrive; dropout against its definition
 * y = x·mask/(1−p). Their gradients are checked against finite differences in {@link OpGradientTest}.
 */
class PoolingAndDropoutTest {
    static final int N = 2, C = 3, H = 7, W = 6;

    /** Max over each window, −∞ padding, written out directly. */
    static double[] referenceMaxPool(double[] x, int kh, int kw, int sh, int sw, int ph, int pw) {
        int oh = (H + 2 * ph - kh) / sh + 1, ow = (W + 2 * pw - kw) / sw + 1;
        double[] out = new double[N * C * oh * ow];
        for (int nc = 0; nc < N * C; nc++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int a = 0; a < kh; a++) {
                        for (int b = 0; b < kw; b++) {
                            int r = i * sh - ph + a, c = j * sw - pw + b;
                            if (r >= 0 && r < H && c >= 0 && c < W) max = Math.max(max, x[(nc * H + r) * W + c]);
                        }
                    }
                    out[(nc * oh + i) * ow + j] = max;
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "kernel {0}x{1}, stride {2}x{3}, padding {4}x{5}")
    @CsvSource({"2,2,2,2,0,0", "3,3,2,2,1,1", "3,3,1,1,0,0", "2,3,1,2,1,0", "4,2,3,1,2,1"})
    void maxPoolMatchesADirectLoop(int kh, int kw, int sh, int sw, int ph, int pw) {
        double[] x = FiniteDifferences.values(N * C * H * W, 3, 1.0);
        try (TensorScope scope = TensorScope.open()) {
            Tensor y = Functional.maxPool2d(Tensor.of(x, N, C, H, W), new long[]{kh, kw}, new long[]{sh, sw}, new long[]{ph, pw});
            long[] expectedShape = {N, C, (H + 2 * ph - kh) / sh + 1, (W + 2 * pw - kw) / sw + 1};
            assertArrayEquals(expectedShape, y.shape(), "output shape: kernel, stride and padding all arrived");
            assertArrayEquals(referenceMaxPool(x, kh, kw, sh, sw, ph, pw), y.toDoubleArray());
        }
    }

    @Test
    void maxPoolLayerIsTheFunctionalOp() {
        double[] x = FiniteDifferences.values(N * C * H * W, 4, 1.0);
        try (TensorScope scope = TensorScope.open(); MaxPool2d pool = new MaxPool2d(3, 2, 1)) {
            assertArrayEquals(referenceMaxPool(x, 3, 3, 2, 2, 1, 1), pool.forward(Tensor.of(x, N, C, H, W)).toDoubleArray());
            assertEquals(0, pool.parameters().size());
        }
    }

    @Test
    void badPoolingArgumentsAreJavaExceptions() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = Tensor.ones(DType.FLOAT64, 1, 1, 4, 4);
            assertThrows(IllegalArgumentException.class, () -> Functional.maxPool2d(x, new long[]{2, 2, 2}, new long[]{1, 1}, new long[]{0, 0}));
            assertThrows(IllegalArgumentException.class, () -> Functional.maxPool2d(x, 0, 1, 0));
            IllegalArgumentException pad = assertThrows(IllegalArgumentException.class, () -> Functional.maxPool2d(x, 2, 1, 2));
            assertTrue(pad.getMessage().contains("half the kernel"), pad.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(2, 0, 0));
            assertThrows(TorchException.class, () -> Functional.maxPool2d(Tensor.ones(5), 2, 2, 0));  // 1-D input
            assertThrows(TorchException.class, () -> Functional.maxPool2d(x, 5, 1, 0));  // window larger than the input
        }
    }

    @Test
    void dropoutIsTheInputTimesAScaledMask() {
        double p = 0.3;
        double[] x = FiniteDifferences.values(4000, 8, 1.0);
        for (int i = 0; i < x.length; i++) if (x[i] == 0) x[i] = 0.5;
        try (TensorScope scope = TensorScope.open()) {
            Tensor input = Tensor.of(x, 40, 100).requiresGrad(true);
            Tensor y = Functional.dropout(input, p, true);
            double[] out = y.toDoubleArray();
            double[] grad = Autograd.grad(y.sum(), input, false).toDoubleArray();
            for (int i = 0; i < x.length; i++) {
                double mask = out[i] == 0 ? 0 : 1;
                assertEquals(x[i] * mask / (1 - p), out[i], 1e-12, "y = x·mask/(1−p) at " + i);
                assertEquals(mask / (1 - p), grad[i], 1e-12, "dy/dx = mask/(1−p) at " + i);
            }
        }
    }

    @Test
    void dropoutKeepsAboutOneMinusPOfTheElements() {
        int n = 200_000;
        for (double p : new double[]{0.1, 0.5, 0.8}) {
            try (TensorScope scope = TensorScope.open()) {
                Torch.manualSeed(11);
                double kept = Functional.dropout(Tensor.ones(DType.FLOAT64, n), p, true).ne(0.0).to(DType.FLOAT64).mean().item();
                double sigma = Math.sqrt(p * (1 - p) / n);  // binomial standard error of the kept fraction
                assertEquals(1 - p, kept, 6 * sigma, "kept fraction for p = " + p);
            }
        }
    }

    @Test
    void dropoutIsTheIdentityInEvaluationModeAndForPZero() {
        double[] x = FiniteDifferences.values(60, 9, 1.0);
        try (TensorScope scope = TensorScope.open(); Dropout layer = new Dropout(0.5)) {
            Tensor input = Tensor.of(x, 6, 10);
            assertArrayEquals(x, Functional.dropout(input, 0.5, false).toDoubleArray());
            assertArrayEquals(x, Functional.dropout(input, 0.0, true).toDoubleArray());
            layer.setTraining(false);
            assertArrayEquals(x, layer.forward(input).toDoubleArray());
            layer.setTraining(true);
            Tensor trained = layer.forward(Tensor.ones(DType.FLOAT64, 10_000));
            assertTrue(trained.eq(0.0).to(DType.FLOAT64).sum().item() > 0, "training mode drops something");
            assertEquals(0, layer.parameters().size());
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.1, 1.0, 1.5, Double.NaN})
    void dropoutRejectsProbabilitiesOutsideZeroToOne(double p) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = Tensor.ones(3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Functional.dropout(x, p, true));
            assertTrue(e.getMessage().contains("dropout probability must be in [0, 1)"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Dropout(p));
        }
    }
}
