package dev.jacreg.attack;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Module;

import java.util.Objects;

/**
 * Fast gradient (sign) method, Goodfellow et al. 2015: one step of length ε along the steepest-ascent direction of
 * the loss for the norm, x' = clip₀¹(x + ε·sign(∇ₓL)) for L∞ and clip₀¹(x + ε·∇ₓL/‖∇ₓL‖₂) for L2.
 */
public final class Fgsm implements Attack {
    private final Norm norm;

    /**
     * FGSM in the given norm.
     *
     * @param norm the ball the perturbation stays in
     */
    public Fgsm(Norm norm) {
        this.norm = Objects.requireNonNull(norm, "norm");
    }

    @Override
    public String name() {
        return "fgsm";
    }

    @Override
    public Norm norm() {
        return norm;
    }

    @Override
    public Tensor perturb(Module model, Tensor images, Tensor labels, double epsilon, RandomStream random) {
        AttackMath.checkEpsilon(epsilon);
        AttackMath.checkBatch(images, labels);
        if (epsilon == 0) return images.detach().clone();
        try (TensorScope scope = TensorScope.open()) {
            Tensor gradient = AttackMath.lossGradient(model, images, labels);
            Tensor step = AttackMath.direction(gradient, norm).mul(epsilon);
            return scope.keep(AttackMath.clipPixels(images.detach().add(step)));
        }
    }

    @Override
    public String toString() {
        return "FGSM (" + norm.symbol() + ")";
    }
}
