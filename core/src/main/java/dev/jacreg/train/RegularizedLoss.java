package dev.jacreg.train;

import dev.jacreg.Functional;
import dev.jacreg.Tensor;
import dev.jacreg.nn.Module;

import java.util.List;

/**
 * Cross-entropy of the softmax output plus the weighted Jacobian penalty (docs/experiment.md §4):
 * total = CE + (λ/2)·R, CE = −(1/B) Σ T·log Z. With λ = 0 (the reference network) no penalty
 * graph is built at all.
 */
public final class RegularizedLoss {
    private final JacobianPenalty penalty;

    /** @param penalty the penalty, or null for plain cross-entropy */
    public RegularizedLoss(JacobianPenalty penalty) {
        this.penalty = penalty;
    }

    public static RegularizedLoss plain() {
        return new RegularizedLoss(null);
    }

    public JacobianPenalty penalty() {
        return penalty;
    }

    public boolean penalized() {
        return penalty != null && penalty.lambda() > 0;
    }

    /** The parts of one evaluation; all tensors live in the caller's scope. penalty is null when unpenalized. */
    public record Parts(Tensor logits, Tensor softmax, Tensor crossEntropy, Tensor penalty, Tensor total) {}

    /** Forward pass, cross-entropy and (if penalized) the penalty with random directions. */
    public Parts compute(Module model, Tensor images, Tensor oneHotTargets) {
        return compute(model, images, oneHotTargets, null);
    }

    /** As {@link #compute(Module, Tensor, Tensor)} with given directions (B×C unit rows) instead of random ones. */
    public Parts compute(Module model, Tensor images, Tensor oneHotTargets, List<Tensor> directions) {
        boolean withPenalty = penalized();
        // The penalty differentiates with respect to the raw images, so they must be a graph leaf.
        Tensor input = withPenalty ? images.detach().requiresGrad(true) : images;
        Tensor logits = model.forward(input);
        Tensor softmax = Functional.softmax(logits, 1);
        Tensor crossEntropy = crossEntropy(logits, oneHotTargets);
        if (!withPenalty) return new Parts(logits, softmax, crossEntropy, null, crossEntropy);
        Tensor output = penalty.target() == JacobianPenalty.Target.SOFTMAX ? softmax : logits;
        Tensor r = directions == null ? penalty.estimate(input, output) : JacobianPenalty.estimate(input, output, directions);
        Tensor total = crossEntropy.add(r.mul(penalty.lambda() / 2));
        return new Parts(logits, softmax, crossEntropy, r, total);
    }

    /** −(1/B) Σ T·log softmax(logits), computed through log-softmax for stability. */
    public static Tensor crossEntropy(Tensor logits, Tensor oneHotTargets) {
        long batch = logits.size(0);
        return oneHotTargets.mul(Functional.logSoftmax(logits, 1)).sum().mul(-1.0 / batch);
    }
}
