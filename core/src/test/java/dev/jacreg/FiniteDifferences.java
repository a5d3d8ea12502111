package dev.jacreg;

import java.util.function.Function;

/** Central finite differences in float64: the independent truth gradients are checked against. */
final class FiniteDifferences {
    private FiniteDifferences() {}

    /**
     * ∂f/∂x at x for a scalar function f of a tensor of the given shape (values as double[]).
     * Each evaluation runs inside its own scope so nothing leaks.
     */
    static double[] gradient(Function<Tensor, Tensor> f, double[] x, long[] shape, double step) {
        double[] grad = new double[x.length];
        double[] probe = x.clone();
        for (int i = 0; i < x.length; i++) {
            probe[i] = x[i] + step;
            double plus = evaluate(f, probe, shape);
            probe[i] = x[i] - step;
            double minus = evaluate(f, probe, shape);
            probe[i] = x[i];
            grad[i] = (plus - minus) / (2 * step);
        }
        return grad;
    }

    static double evaluate(Function<Tensor, Tensor> f, double[] x, long[] shape) {
        try (TensorScope scope = TensorScope.open()) {
            return f.apply(Tensor.of(x, shape)).item();
        }
    }

    /** max |a−b| / max(max|b|, floor): a relative error that is not fooled by tiny entries. */
    static double relativeError(double[] actual, double[] expected, double floor) {
        double maxDiff = 0, maxRef = floor;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        return maxDiff / maxRef;
    }

    static double maxAbs(double[] values) {
        double max = 0;
        for (double v : values) max = Math.max(max, Math.abs(v));
        return max;
    }

    /** Deterministic pseudo-random doubles in [-scale, scale] (no global state). */
    static double[] values(int n, long seed, double scale) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = (random.nextDouble() * 2 - 1) * scale;
        return out;
    }
}
