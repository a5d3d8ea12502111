package dev.jacreg.train;

import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Global gradient norm, norm clipping and value clipping, against sums and clamps computed here. */
class GradientsTest {
    private static double javaNorm(double[]... parts) {
        double sum = 0;
        for (double[] p : parts) for (double v : p) sum += v * v;
        return Math.sqrt(sum);
    }

    @Test
    void normIsTheL2NormOfAllTensorsAsOneVector() {
        try (TensorScope scope = TensorScope.open()) {
            double[] a = {3, -4, 1.5}, b = {0.25, 12, -7, 2};
            List<Tensor> g = Arrays.asList(Tensor.of(a, 3), null, Tensor.of(b, 2, 2));
            assertEquals(javaNorm(a, b), Gradients.norm(g), 1e-12);
            // float32 squares overflow above ~1.8e19; the norm is accumulated in float64 and stays finite.
            float big = 1e20f;
            assertEquals(big * Math.sqrt(2), Gradients.norm(List.of(Tensor.of(new float[]{big, big}, 2))), 1e6);
        }
    }

    @Test
    void clippingScalesLargeGradientsDownToTheLimit() {
        try (TensorScope scope = TensorScope.open()) {
            double[] a = {3, -4, 1.5}, b = {0.25, 12, -7, 2};
            List<Tensor> g = List.of(Tensor.of(a, 3), Tensor.of(b, 4));
            double before = Gradients.norm(g);
            double scale = Gradients.clipInPlace(g, 2.0, before);
            double after = Gradients.norm(g);
            assertTrue(after <= 2.0, "norm " + after);
            assertEquals(2.0, after, 1e-5);
            assertEquals(after / before, scale, 1e-12);
            // Direction kept: every element scaled by the same factor.
            double[] a2 = g.get(0).toDoubleArray(), b2 = g.get(1).toDoubleArray();
            for (int i = 0; i < a.length; i++) assertEquals(a[i] * scale, a2[i], 1e-12);
            for (int i = 0; i < b.length; i++) assertEquals(b[i] * scale, b2[i], 1e-12);
        }
    }

    @Test
    void clippingLeavesSmallerGradientsUntouched() {
        try (TensorScope scope = TensorScope.open()) {
            double[] a = {0.3, -0.4};
            List<Tensor> g = List.of(Tensor.of(a, 2));
            assertEquals(1.0, Gradients.clipInPlace(g, 0.5 + 1e-3, Gradients.norm(g)));
            assertArrayEquals(a, g.get(0).toDoubleArray());
            assertThrows(IllegalArgumentException.class, () -> Gradients.clipInPlace(g, 0, 1));
        }
    }

    @Test
    void sumAddsPerParameterAndTreatsNullAsZero() {
        try (TensorScope scope = TensorScope.open()) {
            List<Tensor> s = Gradients.sum(Arrays.asList(Tensor.of(new double[]{1, 2}, 2), null),
                    Arrays.asList(Tensor.of(new double[]{10, 20}, 2), Tensor.of(new double[]{5}, 1)));
            assertArrayEquals(new double[]{11, 22}, s.get(0).toDoubleArray());
            assertArrayEquals(new double[]{5}, s.get(1).toDoubleArray());
        }
    }

    @Test
    void valueClippingClampsEveryElementAndSkipsNulls() {
        try (TensorScope scope = TensorScope.open()) {
            double[] a = {3, -4, 0.5, -0.5, 1, -1.0000001};
            Tensor g = Tensor.of(a, 2, 3);
            Gradients.clipValueInPlace(Arrays.asList(g, null), 1.0);
            double[] expected = new double[a.length];
            for (int i = 0; i < a.length; i++) expected[i] = Math.max(-1, Math.min(1, a[i]));
            assertArrayEquals(expected, g.toDoubleArray(), 0);
            assertThrows(IllegalArgumentException.class, () -> Gradients.clipValueInPlace(List.of(g), 0));
        }
    }
}
