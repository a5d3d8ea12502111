package dev.jacreg.nn;

import dev.jacreg.DType;
import dev.jacreg.Functional;
import dev.jacreg.Tensor;
import dev.jacreg.TorchException;

/**
 * Batch normalisation per channel: scale 1, offset 0, running mean 0 and variance 1 at start. In
 * training mode it uses the batch's statistics and updates the running ones with
 * running ← (1 − momentum)·running + momentum·batch (MATLAB's decay 0.1 is momentum 0.1 here).
 */
public final class BatchNorm2d extends Layer implements BatchStatistics.Switchable {
    private final double momentum;
    private final double eps;
    private BatchStatistics statistics = BatchStatistics.LOCAL;
    private final int channels;
    private boolean recordBatchVariance;
    private double minBatchVariance = Double.NaN;

    /**
     * A batch-norm layer over the channels of N×C×H×W inputs: weight 1, bias 0, running mean 0 and variance 1.
     *
     * @param channels the number of channels C, &gt;= 1
     * @param momentum weight of each batch in the running statistics, in [0, 1]
     * @param eps added to the variance before its square root, &gt;= 0
     * @param dtype the type of its weight, bias and running statistics (the input's)
     */
    public BatchNorm2d(int channels, double momentum, double eps, DType dtype) {
        if (channels < 1) throw new IllegalArgumentException("BatchNorm2d needs >= 1 channel, got " + channels);
        parameter("weight", Tensor.ones(dtype, channels));
        parameter("bias", Tensor.zeros(dtype, channels));
        buffer("running_mean", Tensor.zeros(dtype, channels));
        buffer("running_var", Tensor.ones(dtype, channels));
        this.momentum = momentum;
        this.eps = eps;
        this.channels = channels;
    }

    /**
     * PyTorch's defaults: momentum 0.1, eps 1e-5.
     *
     * @param channels the number of channels C, &gt;= 1
     * @param dtype the type of its weight, bias and running statistics (the input's)
     */
    public BatchNorm2d(int channels, DType dtype) {
        this(channels, 0.1, 1e-5, dtype);
    }

    /**
     * Turns on (or off) recording of the smallest per-channel batch variance of training-mode forward passes, a
     * diagnostic: a channel whose variance collapses towards 0 divides by about sqrt(eps) and can blow up gradients.
     * Off by default, since it costs a reduction and a read-back per pass.
     *
     * @param on true to record from the next training-mode pass, false to stop
     */
    public void recordBatchVariance(boolean on) {
        recordBatchVariance = on;
        minBatchVariance = Double.NaN;
    }

    /**
     * The smallest per-channel batch variance (biased, the one training mode normalises with) over the training-mode
     * passes since the last {@link #resetBatchVariance()}; NaN when none was recorded.
     *
     * @return that variance, or NaN
     */
    public double minBatchVariance() {
        return minBatchVariance;
    }

    /** Forgets the recorded minimum: {@link #minBatchVariance()} is NaN until the next recorded pass. */
    public void resetBatchVariance() {
        minBatchVariance = Double.NaN;
    }

    @Override
    public Tensor forward(Tensor input) {
        if (recordBatchVariance && isTraining()) record(input);
        if (isTraining() && statistics != BatchStatistics.LOCAL) {
            // Outside the bad-input translation below: a synchronized pass also fails for a lost peer.
            return statistics.normalize(input, state("weight"), state("bias"), state("running_mean"), state("running_var"),
                    momentum, eps);
        }
        try {
            return Functional.batchNorm(input, state("weight"), state("bias"), state("running_mean"), state("running_var"),
                    isTraining(), momentum, eps);
        } catch (TorchException e) {
            throw LayerException.badInput(this, "N×" + channels + "×H×W", input, e);
        }
    }

    @Override
    public BatchStatistics batchStatistics() {
        return statistics;
    }

    /** Where training-mode passes take their statistics from; {@link BatchStatistics#LOCAL} until set. */
    @Override
    public void setBatchStatistics(BatchStatistics statistics) {
        this.statistics = java.util.Objects.requireNonNull(statistics, "statistics");
    }

    @Override
    public String describe() {
        return "BatchNorm2d(" + channels + ")";
    }

    private void record(Tensor input) {
        long[] dims = new long[input.dim() - 1];
        dims[0] = 0;
        for (int d = 2; d < input.dim(); d++) dims[d - 1] = d;
        try (Tensor x = input.detach(); Tensor mean = x.mean(dims, true); Tensor centred = x.sub(mean);
             Tensor squares = centred.square(); Tensor variance = squares.mean(dims, false); Tensor min = variance.min()) {
            double value = min.item();
            minBatchVariance = Double.isNaN(minBatchVariance) ? value : Math.min(minBatchVariance, value);
        }
    }
}
