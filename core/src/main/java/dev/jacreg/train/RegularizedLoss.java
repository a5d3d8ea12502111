package dev.jacreg.train;

import dev.jacreg.Functional;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.nn.Module;

import java.util.List;

/**
 * Cross-entropy of the softmax output plus the weighted Jacobian penalty (docs/experiment.md §4):
 * total = CE + (λ/2)·R, CE = −(1/B) Σ T·log Z. With λ = 0 (the reference network) no penalty
 * graph is built at all. With {@link JacobianPenalty#subset} below 1, R is computed on the first images of the batch
 * only, in a pass of their own, and CE on all of them.
 */
public final class RegularizedLoss {
    private final JacobianPenalty penalty;
    private final boolean exact;
    private final RobustObjective robust;

    /**
     * The cross-entropy plus, when a penalty is given, its weighted estimate.
     *
     * @param penalty the penalty, or null for plain cross-entropy
     */
    public RegularizedLoss(JacobianPenalty penalty) {
        this(penalty, false);
    }

    private RegularizedLoss(JacobianPenalty penalty, boolean exact) {
        this(penalty, exact, null);
    }

    private RegularizedLoss(JacobianPenalty penalty, boolean exact, RobustObjective robust) {
        this.penalty = penalty;
        this.exact = exact;
        this.robust = robust;
    }

    /**
     * A robustness objective in place of cross-entropy (no Jacobian penalty).
     *
     * @param objective the objective
     * @return the loss
     */
    public static RegularizedLoss robust(RobustObjective objective) {
        if (objective == null) throw new IllegalArgumentException("the robust loss needs an objective");
        return new RegularizedLoss(null, false, objective);
    }

    /**
     * This loss with its robustness objective's random draws from {@code random} ({@link RobustObjective#drawingFrom}):
     * one training run's own copy. The penalty's directions come from the {@link Trainer}'s stream, not from here.
     *
     * @param random the stream of the objective's draws
     * @return the copy, or this loss when it has no robustness objective
     */
    public RegularizedLoss drawingFrom(RandomStream random) {
        return robust == null ? this : new RegularizedLoss(null, false, robust.drawingFrom(random));
    }

    /** {@return the robustness objective that replaces cross-entropy, or null} */
    public RobustObjective robustObjective() {
        return robust;
    }

    /**
     * The penalty computed exactly instead of estimated: the C one-hot directions (an orthonormal basis of the
     * output space) in place of random ones, i.e. n = C projections whose estimate is the exact squared Frobenius
     * norm ({@link JacobianPenalty#exactSquaredNorm}, kept differentiable). The penalty's projection count is unused.
     *
     * @param penalty λ, target and batch-norm mode (its projections are ignored)
     * @return the loss
     */
    public static RegularizedLoss exact(JacobianPenalty penalty) {
        if (penalty == null) throw new IllegalArgumentException("the exact penalty needs a penalty");
        return new RegularizedLoss(penalty, true);
    }

    /** {@return whether the penalty is computed exactly (C backward passes) rather than from random projections} */
    public boolean exact() {
        return exact;
    }

    /** {@return the cross-entropy alone} */
    public static RegularizedLoss plain() {
        return new RegularizedLoss(null);
    }

    /** {@return the penalty, or null for none} */
    public JacobianPenalty penalty() {
        return penalty;
    }

    /** {@return whether a penalty is added to the cross-entropy} */
    public boolean penalized() {
        return penalty != null && penalty.lambda() > 0;
    }

    /**
     * {@return whether a training step reads batch norm's running statistics: a pass in inference mode inside the loss
     * (a robustness objective's attack or TRADES term, a penalty with {@link JacobianPenalty.BatchNormMode#EVAL})}
     * A data-parallel {@link Trainer} then gives every rank rank 0's statistics before every step; otherwise no step
     * reads them and one broadcast after the last step leaves the ranks as a broadcast before every step would.
     */
    public boolean readsRunningStatistics() {
        return robust != null || penalized() && penalty.batchNorm() == JacobianPenalty.BatchNormMode.EVAL;
    }

    /**
     * The parts of one evaluation; all tensors live in the caller's scope. penalty is null when unpenalized.
     *
     * @param logits the model's B×C output
     * @param softmax its softmax
     * @param crossEntropy the mean cross-entropy, a scalar
     * @param penalty R (unweighted), a scalar, or null
     * @param total what is minimised: CE + (λ/2)·R
     */
    public record Parts(Tensor logits, Tensor softmax, Tensor crossEntropy, Tensor penalty, Tensor total) {}

    /**
     * Forward pass, cross-entropy and (if penalized) the penalty with random directions.
     *
     * @param model the model
     * @param images the batch
     * @param oneHotTargets B×C one-hot rows in the images' dtype
     * @return the parts
     */
    public Parts compute(Module model, Tensor images, Tensor oneHotTargets) {
        return compute(model, images, oneHotTargets, null);
    }

    /**
     * As {@link #compute(Module, Tensor, Tensor)} with given directions instead of random ones: B×C unit rows for
     * {@link JacobianPenalty.Estimator#PROJECTION}, B×image standard normals for FINITE_DIFFERENCE
     * ({@link JacobianPenalty#stepDirections}).
     *
     * @param model the model
     * @param images the batch
     * @param oneHotTargets B×C one-hot rows in the images' dtype
     * @param directions the penalty's directions
     * @return the parts
     */
    public Parts compute(Module model, Tensor images, Tensor oneHotTargets, List<Tensor> directions) {
        return compute(model, images, oneHotTargets, directions, penalty == null ? 0 : penalty.lambda());
    }

    /**
     * As {@link #compute(Module, Tensor, Tensor, List)} with the weight λ given (e.g. during a warm-up) instead of the
     * penalty's. The penalty is computed whenever {@link #penalized()}, even at λ = 0, so it can be recorded. With
     * {@link JacobianPenalty.BatchNormMode#EVAL} the model must be in training mode; it is back in training mode on
     * return. directions may be null (random ones).
     *
     * @param model the model
     * @param images the batch
     * @param oneHotTargets B×C one-hot rows in the images' dtype
     * @param directions the penalty's directions, or null for fresh random ones
     * @param lambda the weight λ in force
     * @return the parts
     */
    public Parts compute(Module model, Tensor images, Tensor oneHotTargets, List<Tensor> directions, double lambda) {
        if (robust != null) return robust.compute(model, images, oneHotTargets);
        if (penalized() && penalty.subsetSize(images.size(0)) < images.size(0)) {
            return computeOnSubset(model, images, oneHotTargets, directions, lambda);
        }
        if (penalized() && !exact && penalty.estimator() == JacobianPenalty.Estimator.FINITE_DIFFERENCE) {
            return computeFiniteDifference(model, images, oneHotTargets, directions, lambda);
        }
        boolean withPenalty = penalized();
        boolean evalPenalty = withPenalty && penalty.batchNorm() == JacobianPenalty.BatchNormMode.EVAL;
        // The penalty differentiates with respect to the raw images, so they must be a graph leaf.
        Tensor input = withPenalty && !evalPenalty ? images.detach().requiresGrad(true) : images;
        Tensor logits = model.forward(input);
        Tensor softmax = Functional.softmax(logits, 1);
        Tensor crossEntropy = crossEntropy(logits, oneHotTargets);
        if (!withPenalty) return new Parts(logits, softmax, crossEntropy, null, crossEntropy);
        Tensor penaltyInput = input, penaltyLogits = logits, penaltySoftmax = softmax;
        if (evalPenalty) {
            // A second pass over the same batch with running statistics: samples no longer interact, and inference
            // mode leaves the running statistics as the training pass above set them.
            penaltyInput = images.detach().requiresGrad(true);
            model.setTraining(false);
            try {
                penaltyLogits = model.forward(penaltyInput);
            } finally {
                model.setTraining(true);
            }
            penaltySoftmax = penalty.target() == JacobianPenalty.Target.SOFTMAX ? Functional.softmax(penaltyLogits, 1) : null;
        }
        Tensor output = penalty.target() == JacobianPenalty.Target.SOFTMAX ? penaltySoftmax : penaltyLogits;
        Tensor r = exact ? JacobianPenalty.exactSquaredNorm(penaltyInput, output, true)
                : directions == null ? penalty.estimate(penaltyInput, output)
                : JacobianPenalty.estimate(penaltyInput, output, directions);
        Tensor total = crossEntropy.add(r.mul(lambda / 2));
        return new Parts(logits, softmax, crossEntropy, r, total);
    }

    /**
     * The cross-entropy on the whole batch (one training-mode pass), the penalty on its first m =
     * {@link JacobianPenalty#subsetSize} images only: exactly what this loss computes for a batch of those m images
     * (their own forward pass, batch statistics and all), with batch norm's running statistics left as the whole
     * batch's pass set them. Given directions are for the whole batch; their first m rows are used, so a run draws
     * the same random numbers whatever the subset. The saving is the penalty's extra work, done on m images, not B.
     */
    private Parts computeOnSubset(Module model, Tensor images, Tensor oneHotTargets, List<Tensor> directions,
                                  double lambda) {
        long m = penalty.subsetSize(images.size(0));
        Tensor logits = model.forward(images);
        Tensor softmax = Functional.softmax(logits, 1);
        Tensor crossEntropy = crossEntropy(logits, oneHotTargets);
        RegularizedLoss onWholeBatch = new RegularizedLoss(penalty.withSubset(1.0), exact);
        List<Tensor> firstRows = directions == null ? null : directions.stream().map(d -> d.narrow(0, 0, m)).toList();
        // With EVAL the subset's pass must see the running statistics as the whole batch's pass left them: in
        // inference mode its own cross-entropy pass leaves them alone (compute returns the model in training mode).
        if (penalty.batchNorm() == JacobianPenalty.BatchNormMode.EVAL) model.setTraining(false);
        Tensor r;
        try {
            r = FiniteDifferencePenalty.keepingBuffers(model, () -> List.of(onWholeBatch.compute(model,
                    images.narrow(0, 0, m), oneHotTargets.narrow(0, 0, m), firstRows, lambda).penalty())).get(0);
        } finally {
            model.setTraining(true);
        }
        return new Parts(logits, softmax, crossEntropy, r, crossEntropy.add(r.mul(lambda / 2)));
    }

    /**
     * {@link #compute(Module, Tensor, Tensor, List, double)} with {@link FiniteDifferencePenalty}: directions are
     * B×image standard normals (null: fresh ones from libtorch's generator).
     */
    private Parts computeFiniteDifference(Module model, Tensor images, Tensor oneHotTargets, List<Tensor> directions,
                                          double lambda) {
        List<Tensor> u = directions != null ? directions : penalty.stepDirections(RandomStream.libtorch(), images.dtype(),
                images.size(0), oneHotTargets.size(1), java.util.Arrays.copyOfRange(images.shape(), 1, images.shape().length));
        Tensor logits = model.forward(images);
        Tensor softmax = Functional.softmax(logits, 1);
        Tensor crossEntropy = crossEntropy(logits, oneHotTargets);
        Tensor r = FiniteDifferencePenalty.estimate(penalty, model, images, logits, u, FiniteDifferencePenalty.STEP);
        return new Parts(logits, softmax, crossEntropy, r, crossEntropy.add(r.mul(lambda / 2)));
    }

    /**
     * −(1/B) Σ T·log softmax(logits), computed through log-softmax for stability.
     *
     * @param logits B×C
     * @param oneHotTargets B×C one-hot rows, in the logits' dtype
     * @return the mean cross-entropy, a differentiable scalar
     */
    public static Tensor crossEntropy(Tensor logits, Tensor oneHotTargets) {
        long batch = logits.size(0);
        return oneHotTargets.mul(Functional.logSoftmax(logits, 1)).sum().mul(-1.0 / batch);
    }
}
