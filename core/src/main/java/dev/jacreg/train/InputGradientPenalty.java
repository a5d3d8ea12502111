package dev.jacreg.train;

import dev.jacreg.Autograd;
import dev.jacreg.Functional;
import dev.jacreg.Tensor;
import dev.jacreg.nn.Module;

/**
 * Input-gradient regularization (Ross and Doshi-Velez 2018, "double backpropagation", Drucker and LeCun 1992):
 * CE + λ·(1/B)·Σᵢ ‖∇_{xᵢ} CEᵢ‖², with CEᵢ = −log softmax(f(xᵢ))_{yᵢ} each image's own cross-entropy, the gradient
 * taken with its graph so that the penalty's own gradient in the parameters flows through it.
 *
 * @param lambda the weight λ of the gradient term, &gt;= 0
 */
public record InputGradientPenalty(double lambda) implements RobustObjective {
    /** Checks that λ is finite and &gt;= 0. */
    public InputGradientPenalty {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("input-gradient λ must be finite and >= 0, got " + lambda);
        }
    }

    @Override
    public RegularizedLoss.Parts compute(Module model, Tensor images, Tensor oneHotTargets) {
        Tensor input = images.detach().requiresGrad(true);
        Tensor logits = model.forward(input);
        Tensor perImage = oneHotTargets.mul(Functional.logSoftmax(logits, 1)).sum(new long[]{1}, false).neg();
        Tensor crossEntropy = perImage.mean();
        // The summed loss's input gradient is each image's own (images do not interact through the loss).
        Tensor gradient = Autograd.grad(perImage.sum(), input, true);
        Tensor penalty = gradient.square().sum().mul(1.0 / images.size(0));
        Tensor total = crossEntropy.add(penalty.mul(lambda));
        return new RegularizedLoss.Parts(logits, Functional.softmax(logits, 1), total, null, total);
    }

    @Override
    public String describe() {
        return "cross-entropy + λ·mean ‖∇ₓ CE‖²₂ (input-gradient penalty, double backprop), λ = " + lambda;
    }
}
