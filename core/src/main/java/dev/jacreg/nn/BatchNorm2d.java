package dev.jacreg.nn;

import dev.jacreg.DType;
import dev.jacreg.Functional;
import dev.jacreg.Tensor;

/**
 * Batch normalisation per channel: scale 1, offset 0, running mean 0 and variance 1 at start. In
 * training mode it uses the batch's statistics and updates the running ones with
 * running ← (1 − momentum)·running + momentum·batch (MATLAB's decay 0.1 is momentum 0.1 here).
 */
public final class BatchNorm2d extends Layer {
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final double momentum;
    private final double eps;

    public BatchNorm2d(int channels, double momentum, double eps, DType dtype) {
        if (channels < 1) throw new IllegalArgumentException("BatchNorm2d needs >= 1 channel, got " + channels);
        this.weight = parameter("weight", Tensor.ones(dtype, channels));
        this.bias = parameter("bias", Tensor.zeros(dtype, channels));
        this.runningMean = buffer("running_mean", Tensor.zeros(dtype, channels));
        this.runningVar = buffer("running_var", Tensor.ones(dtype, channels));
        this.momentum = momentum;
        this.eps = eps;
    }

    public BatchNorm2d(int channels, DType dtype) {
        this(channels, 0.1, 1e-5, dtype);
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.batchNorm(input, weight, bias, runningMean, runningVar, isTraining(), momentum, eps);
    }
}
