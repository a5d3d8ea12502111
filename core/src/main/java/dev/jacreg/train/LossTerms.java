package dev.jacreg.train;

import dev.jacreg.Functional;
import dev.jacreg.Tensor;

import java.util.List;
import java.util.Objects;

/** The built-in {@link LossTerm}s: the cross-entropy and the Jacobian penalty, estimated or exact. */
public final class LossTerms {
    private LossTerms() {}

    /** {@return −(1/B) Σ T·log softmax(output): {@link RegularizedLoss#crossEntropy}} */
    public static LossTerm crossEntropy() {
        return new LossTerm() {
            @Override
            public String name() {
                return "cross-entropy";
            }

            @Override
            public Tensor compute(Context context) {
                return RegularizedLoss.crossEntropy(context.output(), context.targets());
            }
        };
    }

    /**
     * (λ/2)·R with R the penalty's estimate of the squared Frobenius norm of the Jacobian of the output (softmax or
     * logits, as the penalty says) with respect to the input ({@link JacobianPenalty}: random projections, or
     * {@link FiniteDifferencePenalty} for its FINITE_DIFFERENCE estimator); the directions come from the context's
     * stream. A penalty on every K-th step only (K > 1) or on a subset of the batch is refused. With {@link JacobianPenalty.BatchNormMode#EVAL} the penalised pass is
     * a second forward pass in inference mode, as {@link RegularizedLoss} does.
     *
     * @param penalty λ, directions, target, batch-norm mode and estimator; {@code every} must be 1
     * @return the term, named "jacobian"
     */
    public static LossTerm jacobian(JacobianPenalty penalty) {
        return jacobian(penalty, false);
    }

    /**
     * (λ/2)·R with R the exact squared Frobenius norm ({@link JacobianPenalty#exactSquaredNorm}, C backward passes).
     *
     * @param penalty λ, target and batch-norm mode; {@code every} must be 1
     * @return the term, named "exact jacobian"
     */
    public static LossTerm exactJacobian(JacobianPenalty penalty) {
        return jacobian(penalty, true);
    }

    private static LossTerm jacobian(JacobianPenalty penalty, boolean exact) {
        Objects.requireNonNull(penalty, "penalty");
        if (penalty.every() != 1) {
            throw new IllegalArgumentException("a loss term is computed on every step; a penalty on every "
                    + penalty.every() + "th step only is Trainer's (JacobianPenalty.every), not a LossTerm's");
        }
        if (penalty.subset() != 1.0) {
            throw new IllegalArgumentException("a loss term is computed on the whole batch; a penalty on a fraction "
                    + penalty.subset() + " of it is RegularizedLoss's (JacobianPenalty.subset), not a LossTerm's");
        }
        return new LossTerm() {
            @Override
            public String name() {
                return exact ? "exact jacobian" : "jacobian";
            }

            @Override
            public boolean needsInputGradient() {
                return true;
            }

            @Override
            public Tensor compute(Context context) {
                Tensor input = context.input(), logits = context.output();
                if (!exact && penalty.estimator() == JacobianPenalty.Estimator.FINITE_DIFFERENCE) {
                    long[] shape = input.shape();
                    List<Tensor> u = FiniteDifferencePenalty.directions(context.random(), input.dtype(), penalty.projections(),
                            shape[0], java.util.Arrays.copyOfRange(shape, 1, shape.length));
                    return FiniteDifferencePenalty.estimate(penalty, context.model(), input, logits, u,
                            FiniteDifferencePenalty.STEP).mul(penalty.lambda() / 2);
                }
                if (penalty.batchNorm() == JacobianPenalty.BatchNormMode.EVAL) {
                    // Samples must not interact through batch statistics: a second pass with the running ones.
                    input = input.detach().requiresGrad(true);
                    context.model().setTraining(false);
                    try {
                        logits = context.model().forward(input);
                    } finally {
                        context.model().setTraining(true);
                    }
                }
                Tensor output = penalty.target() == JacobianPenalty.Target.SOFTMAX ? Functional.softmax(logits, 1) : logits;
                Tensor r = exact ? JacobianPenalty.exactSquaredNorm(input, output, true)
                        : JacobianPenalty.estimate(input, output, penalty.directions(context.random(), output.dtype(), output.shape()));
                return r.mul(penalty.lambda() / 2);
            }
        };
    }

    /**
     * The sum of the terms' values for one batch (for tests and custom loops).
     *
     * @param terms at least one term
     * @param context the batch
     * @return the total, a differentiable scalar
     */
    public static Tensor sum(List<LossTerm> terms, LossTerm.Context context) {
        Tensor total = null;
        for (LossTerm term : terms) {
            Tensor value = term.compute(context);
            total = total == null ? value : total.add(value);
        }
        if (total == null) throw new IllegalArgumentException("a loss needs at least one term");
        return total;
    }
}
