package dev.jacreg;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Training-mode batch norm through the shim's own autograd functions (Torch.setBatchNormFused(true), the fused
 * double backward) against libtorch's at::batch_norm and its composite double backward (false): forward, running
 * statistics, first gradients, the create_graph double backward for every combination of first gradients a caller
 * can take, a third derivative, and central finite differences of the first-order gradient as a second truth.
 */
class BatchNormFusedTest {
    static final double MOMENTUM = 0.1, EPS = 1e-5;

    /** Everything one run computes, flattened to float64. */
    record Outcome(double[] y, double[] runningMean, double[] runningVar, List<double[]> first, List<double[]> second) {}

    static double[] positive(int n, long seed) {
        double[] v = FiniteDifferences.values(n, seed, 0.5);
        for (int i = 0; i < n; i++) v[i] += 1.0;
        return v;
    }

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
     * s = Σ V·BN(x)²; the first gradients of s for the inputs firstWrt picks (x, weight, bias) with create_graph;
     * P = Σ_i ⟨first_i, U_i⟩; the second gradients of P for x, weight and bias.
     */
    static Outcome run(boolean fused, DType dtype, long[] shape, boolean[] firstWrt) {
        boolean previous = Torch.setBatchNormFused(fused);
        try (TensorScope scope = TensorScope.open()) {
            int n = numel(shape), c = (int) shape[1];
            Tensor x = tensor(FiniteDifferences.values(n, 1, 2.0), dtype, shape).requiresGrad(true);
            Tensor w = tensor(positive(c, 2), dtype, c).requiresGrad(true);
            Tensor b = tensor(FiniteDifferences.values(c, 3, 1.0), dtype, c).requiresGrad(true);
            Tensor runningMean = tensor(FiniteDifferences.values(c, 4, 0.1), dtype, c);
            Tensor runningVar = tensor(positive(c, 5), dtype, c);
            Tensor y = Functional.batchNorm(x, w, b, runningMean, runningVar, true, MOMENTUM, EPS);
            Tensor s = y.square().mul(tensor(FiniteDifferences.values(n, 6, 1.0), dtype, shape)).sum();

            List<Tensor> params = List.of(x, w, b), wrt = new ArrayList<>(), seeds = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                if (!firstWrt[i]) continue;
                wrt.add(params.get(i));
                seeds.add(tensor(FiniteDifferences.values(numel(params.get(i).shape()), 7 + i, 1.0), dtype,
                        params.get(i).shape()));
            }
            List<Tensor> first = Autograd.grad(List.of(s), wrt, null, true, true, Autograd.Unused.FAIL);
            Tensor p = null;
            for (int i = 0; i < first.size(); i++) {
                Tensor term = first.get(i).mul(seeds.get(i)).sum();
                p = p == null ? term : p.add(term);
            }
            List<Tensor> second = Autograd.grad(List.of(p), params, null, false, false, Autograd.Unused.ZEROS);
            return new Outcome(y.toDoubleArray(), runningMean.toDoubleArray(), runningVar.toDoubleArray(),
                    first.stream().map(Tensor::toDoubleArray).toList(), second.stream().map(Tensor::toDoubleArray).toList());
        } finally {
            Torch.setBatchNormFused(previous);
        }
    }

    static void assertClose(double[] expected, double[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double error = FiniteDifferences.relativeError(actual, expected, 1e-300);
        assertTrue(error <= tolerance, what + ": relative error " + error + " > " + tolerance);
    }

    static void assertSame(Outcome aten, Outcome fused, double tolerance, String what) {
        assertClose(aten.y(), fused.y(), tolerance, what + " forward");
        assertClose(aten.runningMean(), fused.runningMean(), tolerance, what + " running mean");
        assertClose(aten.runningVar(), fused.runningVar(), tolerance, what + " running var");
        for (int i = 0; i < aten.first().size(); i++) assertClose(aten.first().get(i), fused.first().get(i), tolerance, what + " first gradient " + i);
        String[] names = {"x", "weight", "bias"};
        for (int i = 0; i < 3; i++) {
            if (i < 2) assertTrue(FiniteDifferences.maxAbs(aten.second().get(i)) > 1e-6, what + ": second gradient of " + names[i] + " is zero");
            assertClose(aten.second().get(i), fused.second().get(i), tolerance, what + " second gradient of " + names[i]);
        }
    }

    static final boolean[][] FIRST_WRT = {
            {true, false, false},   // the Jacobian penalty: input only
            {true, true, false}, {true, true, true}, {false, true, false}, {false, false, true}, {false, true, true}};

    @Test
    void fusedMatchesAtenInFloat64ForEveryFirstGradientAndLayout() {
        for (long[] shape : List.of(new long[]{4, 3, 5, 6}, new long[]{6, 3, 7}, new long[]{8, 3})) {
            for (boolean[] wrt : FIRST_WRT) {
                String what = java.util.Arrays.toString(shape) + " first grad of " + java.util.Arrays.toString(wrt);
                assertSame(run(false, DType.FLOAT64, shape, wrt), run(true, DType.FLOAT64, shape, wrt), 1e-12, what);
            }
        }
    }

    @Test
    void fusedMatchesAtenInFloat32() {
        long[] shape = {16, 4, 12, 12};
        for (boolean[] wrt : FIRST_WRT) {
            assertSame(run(false, DType.FLOAT32, shape, wrt), run(true, DType.FLOAT32, shape, wrt), 2e-5,
                    "float32 " + java.util.Arrays.toString(wrt));
        }
    }

    // ---- the forward kernel against a float64 computation in Java -------------------------------------------------

    /** y and the updated running statistics, computed in double from the definition. */
    static double[][] forwardByDefinition(double[] x, long[] shape, double[] w, double[] b, double[] rm, double[] rv) {
        int n = (int) shape[0], c = (int) shape[1], l = numel(shape) / (n * c);
        double[] y = new double[x.length], mean = rm.clone(), var = rv.clone();
        for (int ch = 0; ch < c; ch++) {
            double sum = 0, squares = 0;
            for (int i = 0; i < n; i++) for (int k = 0; k < l; k++) sum += x[(i * c + ch) * l + k];
            double mu = sum / (n * l);
            for (int i = 0; i < n; i++) for (int k = 0; k < l; k++) squares += Math.pow(x[(i * c + ch) * l + k] - mu, 2);
            double invstd = 1 / Math.sqrt(squares / (n * l) + EPS);
            for (int i = 0; i < n; i++) for (int k = 0; k < l; k++) {
                int at = (i * c + ch) * l + k;
                y[at] = (x[at] - mu) * invstd * w[ch] + b[ch];
            }
            mean[ch] = MOMENTUM * mu + (1 - MOMENTUM) * rm[ch];
            var[ch] = MOMENTUM * squares / (n * l - 1) + (1 - MOMENTUM) * rv[ch];
        }
        return new double[][]{y, mean, var};
    }

    /** The seed network's batch-norm shape in float32, channels far from zero mean: both paths as exact as float allows. */
    @Test
    void forwardAtTheSeedShapeMatchesTheDefinitionAsCloselyAsAten() {
        long[] shape = {32, 20, 24, 24};
        int n = numel(shape);
        double[] x = FiniteDifferences.values(n, 31, 2.0);
        for (int i = 0; i < n; i++) x[i] = x[i] * (1 + (i / 576) % 20) + 5.0 * ((i / 576) % 20 - 10);  // per-channel offset and scale
        double[] w = positive(20, 32), b = FiniteDifferences.values(20, 33, 1.0);
        double[] rm = FiniteDifferences.values(20, 34, 0.1), rv = positive(20, 35);
        // The float32 input, read back, is what both paths see.
        double[] x32;
        try (TensorScope scope = TensorScope.open()) {
            x32 = tensor(x, DType.FLOAT32, shape).toDoubleArray();
        }
        double[][] expected = forwardByDefinition(x32, shape, w, b, rm, rv);
        double[] errors = new double[2];
        for (boolean fused : new boolean[]{false, true}) {
            boolean previous = Torch.setBatchNormFused(fused);
            try (TensorScope scope = TensorScope.open()) {
                Tensor runningMean = tensor(rm, DType.FLOAT32, 20), runningVar = tensor(rv, DType.FLOAT32, 20);
                Tensor y = Functional.batchNorm(tensor(x32, DType.FLOAT32, shape).requiresGrad(true),
                        tensor(w, DType.FLOAT32, 20).requiresGrad(true), tensor(b, DType.FLOAT32, 20).requiresGrad(true),
                        runningMean, runningVar, true, MOMENTUM, EPS);
                String what = fused ? "fused" : "aten";
                errors[fused ? 1 : 0] = FiniteDifferences.relativeError(y.toDoubleArray(), expected[0], 1e-300);
                assertClose(expected[1], runningMean.toDoubleArray(), 1e-6, what + " running mean");
                assertClose(expected[2], runningVar.toDoubleArray(), 1e-6, what + " running var");
            } finally {
                Torch.setBatchNormFused(previous);
            }
        }
        assertTrue(errors[1] <= Math.max(1.5 * errors[0], 4e-7), "fused forward error " + errors[1] + " vs aten " + errors[0]);
    }

    /**
     * Seeded fuzz of the forward kernel: random shapes (1–3 spatial dims, sizes that leave every remainder of the
     * kernel's 4-wide loops), channel offsets up to ±100 and scales from 1e-3 to 1e3, random momentum, eps and
     * running statistics (or none), float64: output, running statistics and the input gradient (ATen's first
     * backward on the kernel's saved statistics) equal ATen's to 1e-10.
     */
    @Test
    void randomShapesAndScalesMatchAten() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(20261126);
        for (int round = 0; round < 150; round++) {
            int spatial = random.nextInt(4);
            long[] shape = new long[2 + spatial];
            shape[0] = 1 + random.nextInt(6);
            shape[1] = 1 + random.nextInt(6);
            for (int d = 2; d < shape.length; d++) shape[d] = 1 + random.nextInt(9);
            if (numel(shape) / shape[1] < 2) shape[0] = 2;
            int n = numel(shape), c = (int) shape[1], l = n / (int) (shape[0] * c);
            double[] x = FiniteDifferences.values(n, random.nextLong(), 1.0);
            double[] offset = new double[c], scale = new double[c];
            for (int ch = 0; ch < c; ch++) {
                offset[ch] = random.nextDouble(-100, 100);
                scale[ch] = Math.pow(10, random.nextDouble(-3, 3));
            }
            for (int i = 0; i < n; i++) x[i] = offset[(i / l) % c] + scale[(i / l) % c] * x[i];
            double[] w = FiniteDifferences.values(c, random.nextLong(), 2.0), b = FiniteDifferences.values(c, random.nextLong(), 1.0);
            double[] rm = FiniteDifferences.values(c, random.nextLong(), 1.0), rv = positive(c, random.nextLong());
            double[] upstream = FiniteDifferences.values(n, random.nextLong(), 1.0);
            boolean stats = random.nextBoolean();
            double momentum = random.nextDouble(), eps = Math.pow(10, random.nextDouble(-8, -2));
            String what = "round " + round + " shape " + java.util.Arrays.toString(shape) + " stats " + stats;
            List<double[]> aten = forwardAndInputGradient(false, x, shape, w, b, stats ? rm : null, stats ? rv : null, upstream, momentum, eps);
            List<double[]> fused = forwardAndInputGradient(true, x, shape, w, b, stats ? rm : null, stats ? rv : null, upstream, momentum, eps);
            String[] names = {"y", "input gradient", "running mean", "running var"};
            for (int i = 0; i < aten.size(); i++) assertClose(aten.get(i), fused.get(i), 1e-10, what + " " + names[i]);
        }
    }

    /** y, ∂⟨y, upstream⟩/∂x and (when given) the updated running statistics, in float64. */
    static List<double[]> forwardAndInputGradient(boolean fused, double[] x, long[] shape, double[] w, double[] b, double[] rm,
                                                  double[] rv, double[] upstream, double momentum, double eps) {
        boolean previous = Torch.setBatchNormFused(fused);
        try (TensorScope scope = TensorScope.open()) {
            int c = (int) shape[1];
            Tensor input = Tensor.of(x, shape).requiresGrad(true);
            Tensor runningMean = rm == null ? null : Tensor.of(rm, c), runningVar = rv == null ? null : Tensor.of(rv, c);
            Tensor y = Functional.batchNorm(input, Tensor.of(w, c), Tensor.of(b, c), runningMean, runningVar, true, momentum, eps);
            Tensor gradient = Autograd.grad(y.mul(Tensor.of(upstream, shape)).sum(), input, false);
            List<double[]> out = new ArrayList<>(List.of(y.toDoubleArray(), gradient.toDoubleArray()));
            if (rm != null) {
                out.add(runningMean.toDoubleArray());
                out.add(runningVar.toDoubleArray());
            }
            return out;
        } finally {
            Torch.setBatchNormFused(previous);
        }
    }

    /** A constant channel (zero variance) with eps = 0: both paths give y = β, as libtorch defines it (invstd 0). */
    @Test
    void constantChannelWithoutEpsIsTheBias() {
        double[] x = FiniteDifferences.values(4 * 2 * 3, 51, 1.0);
        for (int i = 0; i < x.length; i++) if ((i / 3) % 2 == 1) x[i] = 0.75;  // channel 1 constant
        long[] shape = {4, 2, 3};
        double[] w = {1.5, 2.0}, b = {0.25, -0.5}, upstream = FiniteDifferences.values(x.length, 52, 1.0);
        List<double[]> aten = forwardAndInputGradient(false, x, shape, w, b, null, null, upstream, MOMENTUM, 0.0);
        List<double[]> fused = forwardAndInputGradient(true, x, shape, w, b, null, null, upstream, MOMENTUM, 0.0);
        for (int i = 0; i < x.length; i++) {
            if ((i / 3) % 2 == 1) assertEquals(-0.5, fused.get(0)[i], 0.0, "y of the constant channel at " + i);
        }
        assertClose(aten.get(0), fused.get(0), 1e-12, "y");
        assertClose(aten.get(1), fused.get(1), 1e-12, "input gradient");
    }

    /** A non-contiguous input (a narrowed view) takes ATen's forward and gives what its contiguous copy gives. */
    @Test
    void nonContiguousInputGivesTheContiguousResult() {
        boolean previous = Torch.setBatchNormFused(true);
        try (TensorScope scope = TensorScope.open()) {
            Tensor stored = Tensor.of(FiniteDifferences.values(3 * 5 * 4 * 9, 41, 2.0), 3, 5, 4, 9);
            Tensor view = stored.narrow(3, 1, 6), copy = view.contiguous();
            Tensor w = Tensor.of(positive(5, 42), 5), b = Tensor.of(FiniteDifferences.values(5, 43, 1.0), 5);
            double[] fromView = Functional.batchNorm(view, w, b, null, null, true, MOMENTUM, EPS).toDoubleArray();
            double[] fromCopy = Functional.batchNorm(copy, w, b, null, null, true, MOMENTUM, EPS).toDoubleArray();
            assertClose(fromCopy, fromView, 1e-12, "narrowed input");
        } finally {
            Torch.setBatchNormFused(previous);
        }
    }

    // ---- finite differences of the first-order gradient --------------------------------------------------------

    static final long[] SMALL = {3, 2, 3, 2};
    final double[] x0 = FiniteDifferences.values(numel(SMALL), 11, 2.0);
    final double[] w0 = positive(2, 12), b0 = FiniteDifferences.values(2, 13, 1.0);
    final double[] v = FiniteDifferences.values(numel(SMALL), 14, 1.0);
    final double[] ux = FiniteDifferences.values(numel(SMALL), 15, 1.0), uw = FiniteDifferences.values(2, 16, 1.0);

    /** P = ⟨∂s/∂x, Ux⟩ + ⟨∂s/∂weight, Uw⟩ with s = Σ V·BN(x)², first gradients with or without create_graph. */
    Tensor firstOrderProjection(Tensor x, Tensor w, Tensor b, boolean createGraph) {
        Tensor y = Functional.batchNorm(x, w, b, null, null, true, MOMENTUM, EPS);
        Tensor s = y.square().mul(Tensor.of(v, SMALL)).sum();
        List<Tensor> g = Autograd.grad(List.of(s), List.of(x, w), null, createGraph, createGraph, Autograd.Unused.FAIL);
        return g.get(0).mul(Tensor.of(ux, SMALL)).sum().add(g.get(1).mul(Tensor.of(uw, 2)).sum());
    }

    @Test
    void fusedDoubleBackwardMatchesFiniteDifferences() {
        boolean previous = Torch.setBatchNormFused(true);
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = Tensor.of(x0, SMALL).requiresGrad(true), w = Tensor.of(w0, 2).requiresGrad(true);
            Tensor b = Tensor.of(b0, 2).requiresGrad(true);
            List<Tensor> analytic = Autograd.grad(List.of(firstOrderProjection(x, w, b, true)), List.of(x, w, b), null,
                    false, false, Autograd.Unused.ZEROS);

            Function<Tensor, Tensor> byX = t -> firstOrderProjection(t.requiresGrad(true), Tensor.of(w0, 2).requiresGrad(true), Tensor.of(b0, 2), false);
            Function<Tensor, Tensor> byW = t -> firstOrderProjection(Tensor.of(x0, SMALL).requiresGrad(true), t.requiresGrad(true), Tensor.of(b0, 2), false);
            Function<Tensor, Tensor> byB = t -> firstOrderProjection(Tensor.of(x0, SMALL).requiresGrad(true), Tensor.of(w0, 2).requiresGrad(true), t, false);
            double[][] numeric = {FiniteDifferences.gradient(byX, x0, SMALL, 1e-5), FiniteDifferences.gradient(byW, w0, new long[]{2}, 1e-5),
                    FiniteDifferences.gradient(byB, b0, new long[]{2}, 1e-5)};
            String[] names = {"x", "weight", "bias"};
            for (int i = 0; i < 3; i++) {
                double[] a = analytic.get(i).toDoubleArray();
                double error = FiniteDifferences.relativeError(a, numeric[i], 1e-6);
                assertTrue(error < 1e-6, names[i] + ": relative error " + error + " analytic " + java.util.Arrays.toString(a)
                        + " numeric " + java.util.Arrays.toString(numeric[i]));
            }
            assertTrue(FiniteDifferences.maxAbs(analytic.get(0).toDoubleArray()) > 1e-3);
        } finally {
            Torch.setBatchNormFused(previous);
        }
    }

    // ---- third derivative: the composite formula stays differentiable -------------------------------------------

    static List<double[]> thirdDerivative(boolean fused) {
        boolean previous = Torch.setBatchNormFused(fused);
        try (TensorScope scope = TensorScope.open()) {
            long[] shape = {4, 3, 3, 3};
            int n = numel(shape);
            Tensor x = Tensor.of(FiniteDifferences.values(n, 21, 2.0), shape).requiresGrad(true);
            Tensor w = Tensor.of(positive(3, 22), 3).requiresGrad(true);
            Tensor b = Tensor.of(FiniteDifferences.values(3, 23, 1.0), 3).requiresGrad(true);
            Tensor y = Functional.batchNorm(x, w, b, null, null, true, MOMENTUM, EPS);
            Tensor s = y.square().mul(Tensor.of(FiniteDifferences.values(n, 24, 1.0), shape)).sum();
            Tensor g = Autograd.grad(s, x, true);
            Tensor p = g.mul(Tensor.of(FiniteDifferences.values(n, 25, 1.0), shape)).sum();
            List<Tensor> h = Autograd.grad(p, List.of(x, w), true);
            Tensor q = h.get(0).mul(Tensor.of(FiniteDifferences.values(n, 26, 1.0), shape)).sum()
                    .add(h.get(1).mul(Tensor.of(FiniteDifferences.values(3, 27, 1.0), 3)).sum());
            List<Tensor> third = Autograd.grad(List.of(q), List.of(x, w, b), null, false, false, Autograd.Unused.ZEROS);
            List<double[]> out = new ArrayList<>();
            out.add(h.get(0).toDoubleArray());
            out.add(h.get(1).toDoubleArray());
            for (Tensor t : third) out.add(t.toDoubleArray());
            return out;
        } finally {
            Torch.setBatchNormFused(previous);
        }
    }

    @Test
    void thirdDerivativeMatchesAten() {
        List<double[]> aten = thirdDerivative(false), fused = thirdDerivative(true);
        String[] names = {"second x", "second weight", "third x", "third weight", "third bias"};
        for (int i = 0; i < names.length; i++) {
            if (i != 4) assertTrue(FiniteDifferences.maxAbs(aten.get(i)) > 1e-6, names[i] + " is zero");
            assertClose(aten.get(i), fused.get(i), 1e-11, names[i]);
        }
    }

    // ---- the switch and bad input -------------------------------------------------------------------------------

    @Test
    void switchReportsAndRestoresTheSetting() {
        boolean initial = Torch.batchNormFused();
        try {
            assertEquals(initial, Torch.setBatchNormFused(false));
            assertFalse(Torch.batchNormFused());
            assertFalse(Torch.setBatchNormFused(true));
            assertTrue(Torch.batchNormFused());
        } finally {
            Torch.setBatchNormFused(initial);
        }
    }

    @Test
    void badInputInFusedModeIsAClearException() {
        boolean previous = Torch.setBatchNormFused(true);
        try (TensorScope scope = TensorScope.open()) {
            Tensor w = Tensor.ones(DType.FLOAT64, 3), b = Tensor.zeros(DType.FLOAT64, 3);
            IllegalArgumentException oneD = assertThrows(IllegalArgumentException.class,
                    () -> Functional.batchNorm(Tensor.rand(DType.FLOAT64, 5), w, b, null, null, true, MOMENTUM, EPS));
            assertTrue(oneD.getMessage().contains("N×C"), oneD.getMessage());
            Tensor x = Tensor.rand(DType.FLOAT64, 4, 2, 3, 3);
            TorchException size = assertThrows(TorchException.class,
                    () -> Functional.batchNorm(x, w, b, null, null, true, MOMENTUM, EPS));
            assertTrue(size.getMessage().contains("weight"), size.getMessage());
            TorchException stats = assertThrows(TorchException.class, () -> Functional.batchNorm(x,
                    Tensor.ones(DType.FLOAT64, 2), Tensor.zeros(DType.FLOAT64, 2), Tensor.zeros(DType.FLOAT64, 5),
                    Tensor.ones(DType.FLOAT64, 2), true, MOMENTUM, EPS));
            assertTrue(stats.getMessage().contains("running_mean"), stats.getMessage());
        } finally {
            Torch.setBatchNormFused(previous);
        }
    }
}
