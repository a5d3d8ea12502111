package dev.jacreg.nn;

import dev.jacreg.DType;
import dev.jacreg.Functional;
import dev.jacreg.Tensor;
import dev.jacreg.TorchException;

/**
 * Batch normalisation of features, N×C or N×C×L inputs (PyTorch's BatchNorm1d): per feature C, scale 1, offset 0,
 * running mean 0 and variance 1 at start, running ← (1 − momentum)·running + momentum·batch in training mode (the
 * unbiased batch variance), the running statistics in inference mode.
 */
public final class BatchNorm1d extends Layer implements BatchStatistics.Switchable {
    private final double momentum;
    private final double eps;
    private BatchStatistics statistics = BatchStatistics.LOCAL;
    private final int features;

    /**
     * A batch-norm layer for {@code features} features.
     *
     * @param features the size C of dimension 1
     * @param momentum weight of each batch in the running statistics, in [0, 1]
     * @param eps      added to the variance before its square root, &gt;= 0
     * @param dtype the type of its weight, bias and running statistics (the input's)
     */
    public BatchNorm1d(int features, double momentum, double eps, DType dtype) {
        if (features < 1) throw new IllegalArgumentException("BatchNorm1d needs >= 1 feature, got " + features);
        if (!(momentum >= 0 && momentum <= 1)) throw new IllegalArgumentException("batch-norm momentum must be in [0, 1], got " + momentum);
        if (!(eps >= 0) || Double.isInfinite(eps)) throw new IllegalArgumentException("batch-norm eps must be finite and >= 0, got " + eps);
        parameter("weight", Tensor.ones(dtype, features));
        parameter("bias", Tensor.zeros(dtype, features));
        buffer("running_mean", Tensor.zeros(dtype, features));
        buffer("running_var", Tensor.ones(dtype, features));
        this.momentum = momentum;
        this.eps = eps;
        this.features = features;
    }

    /**
     * PyTorch's defaults: momentum 0.1, eps 1e-5.
     *
     * @param features the size C of dimension 1
     * @param dtype the type of its weight, bias and running statistics (the input's)
     */
    public BatchNorm1d(int features, DType dtype) {
        this(features, 0.1, 1e-5, dtype);
    }

    @Override
    public Tensor forward(Tensor input) {
        int dim = input.dim();
        if ((dim != 2 && dim != 3) || input.size(1) != features) {
            throw LayerException.badInput(this, "N×" + features + " or N×" + features + "×L", input,
                    null);
        }
        if (isTraining() && statistics != BatchStatistics.LOCAL) {
            // Outside the bad-input translation below: a synchronized pass also fails for a lost peer.
            return statistics.normalize(input, state("weight"), state("bias"), state("running_mean"), state("running_var"),
                    momentum, eps);
        }
        try {
            return Functional.batchNorm(input, state("weight"), state("bias"), state("running_mean"), state("running_var"),
                    isTraining(), momentum, eps);
        } catch (TorchException e) {
            throw LayerException.badInput(this, "N×" + features + " or N×" + features + "×L", input, e);
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
        return "BatchNorm1d(" + features + ")";
    }
}
