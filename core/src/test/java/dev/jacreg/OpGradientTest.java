package dev.jacreg;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * First-order gradients of every op the experiment uses, each against central finite differences in
 * float64. Each case maps x to a tensor; the check differentiates the scalar Σ w·op(x) for fixed
 * random weights w, so every output element contributes.
 */
class OpGradientTest {
    static final long[] SHAPE = {2, 3, 4, 4};  // N×C×H×W, big enough for conv and batch norm

    static Stream<Arguments> ops() {
        return Stream.of(
                op("add", x -> x.add(other(x))),
                op("sub", x -> x.sub(other(x))),
                op("mul", x -> x.mul(other(x))),
                op("div", x -> x.div(other(x).abs().add(1.0))),
                op("pow tensor", x -> x.abs().add(0.5).pow(other(x).mul(0.5))),
                op("add scalar", x -> x.add(3.0)),
                op("mul scalar", x -> x.mul(-2.5)),
                op("pow scalar", x -> x.pow(3.0)),
                op("neg", Tensor::neg),
                op("exp", Tensor::exp),
                op("log", x -> x.abs().add(0.5).log()),
                op("sqrt", x -> x.abs().add(0.5).sqrt()),
                op("sum", Tensor::sum),
                op("sum over dims", x -> x.sum(new long[]{1, 3}, true)),
                op("mean", Tensor::mean),
                op("mean over dims", x -> x.mean(new long[]{0, 2}, false)),
                op("matmul", x -> x.reshape(8, 12).matmul(Tensor.of(FiniteDifferences.values(12 * 5, 7, 1), 12, 5))),
                op("linear", x -> Functional.linear(x.flatten(1, -1),
                        Tensor.of(FiniteDifferences.values(5 * 48, 8, 0.3), 5, 48),
                        Tensor.of(FiniteDifferences.values(5, 9, 1), 5))),
                op("conv2d pad 1", x -> Functional.conv2d(x, Tensor.of(FiniteDifferences.values(2 * 3 * 9, 10, 0.5), 2, 3, 3, 3),
                        Tensor.of(new double[]{0.1, -0.2}, 2), 1, 1)),
                op("conv2d stride 2", x -> Functional.conv2d(x, Tensor.of(FiniteDifferences.values(2 * 3 * 4, 11, 0.5), 2, 3, 2, 2),
                        null, 2, 0)),
                op("batch norm (training)", x -> Functional.batchNorm(x, Tensor.of(new double[]{1.5, 0.5, 2}, 3),
                        Tensor.of(new double[]{0.1, 0.2, 0.3}, 3), null, null, true, 0.1, 1e-5)),
                op("batch norm (inference)", x -> Functional.batchNorm(x, Tensor.of(new double[]{1.5, 0.5, 2}, 3),
                        Tensor.of(new double[]{0.1, 0.2, 0.3}, 3), Tensor.of(new double[]{0.3, -0.1, 0}, 3),
                        Tensor.of(new double[]{2, 0.5, 1}, 3), false, 0.1, 1e-5)),
                op("relu", Functional::relu),
                op("softmax", x -> Functional.softmax(x.flatten(1, -1), 1)),
                op("log softmax", x -> Functional.logSoftmax(x.flatten(1, -1), 1)),
                op("reshape + select", x -> x.reshape(6, 16).select(0, 4)),
                op("narrow", x -> x.narrow(2, 1, 2)),
                op("index select", x -> x.indexSelect(1, Tensor.of(new long[]{2, 0, 2}, 3))),
                op("cat", x -> Tensor.cat(List.of(x, x.mul(2.0)), 1)),
                op("stack", x -> Tensor.stack(List.of(x, x.exp()), 0)),
                op("where", x -> Tensor.where(x.gt(0.0), x.mul(3.0), x.pow(2.0))),
                op("max pool 2, stride 2", x -> Functional.maxPool2d(x, 2, 2, 0)),
                op("max pool 3, stride 2, pad 1", x -> Functional.maxPool2d(x, 3, 2, 1)),
                op("max pool 3x2, stride 1x2", x -> Functional.maxPool2d(x, new long[]{3, 2}, new long[]{1, 2}, new long[]{0, 1})),
                op("dropout (fixed mask)", x -> {
                    Torch.manualSeed(7);  // the same mask at every evaluation
                    return Functional.dropout(x, 0.3, true);
                }),
                op("clone", Tensor::clone),
                op("square", Tensor::square));
    }

    private static Arguments op(String name, Function<Tensor, Tensor> f) {
        return Arguments.of(name, f);
    }

    /** A second operand that depends on nothing differentiable. */
    private static Tensor other(Tensor like) {
        return Tensor.of(FiniteDifferences.values(96, 5, 1.0), SHAPE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void gradientMatchesFiniteDifferences(String name, Function<Tensor, Tensor> op) {
        double[] x = FiniteDifferences.values(96, 42, 1.0);
        // Keep entries away from relu's kink and where's switch, where differences are not smooth.
        for (int i = 0; i < x.length; i++) if (Math.abs(x[i]) < 0.05) x[i] += 0.1;
        Function<Tensor, Tensor> scalar = t -> {
            Tensor y = op.apply(t);
            Tensor weights = Tensor.of(FiniteDifferences.values((int) y.numel(), 99, 1.0), y.shape());
            return y.mul(weights).sum();
        };
        try (TensorScope scope = TensorScope.open()) {
            Tensor input = Tensor.of(x, SHAPE).requiresGrad(true);
            double[] analytic = Autograd.grad(scalar.apply(input), input, false).toDoubleArray();
            double[] numeric = FiniteDifferences.gradient(scalar, x, SHAPE, 1e-6);
            double error = FiniteDifferences.relativeError(analytic, numeric, 1e-6);
            assertTrue(error < 1e-6, name + ": relative error " + error);
        }
    }
}
