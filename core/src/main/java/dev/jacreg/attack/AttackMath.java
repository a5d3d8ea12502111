package dev.jacreg.attack;

import dev.jacreg.Autograd;
import dev.jacreg.Functional;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Module;

import java.util.Arrays;

/**
 * The operations FGSM and PGD share, written with the tensor operations the shim has (no sign or clamp):
 * the input gradient of the loss, steepest-ascent steps and projections. bench/baselines/python/attack_check.py does the
 * same in PyTorch, operation for operation, so the two can be compared.
 */
final class AttackMath {
    /** Guards the division by a zero gradient norm (an image whose loss is flat): the step is then 0. */
    static final double TINY = 1e-12;

    private AttackMath() {}

    static void checkEpsilon(double epsilon) {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be finite and >= 0, got " + epsilon);
        }
    }

    static void checkBatch(Tensor images, Tensor labels) {
        if (!images.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("images must be floating point, got " + images.dtype());
        }
        if (images.dim() < 2 || labels.dim() != 1 || labels.size(0) != images.size(0)) {
            throw new IllegalArgumentException("need N×… images and N labels, got " + Arrays.toString(images.shape())
                    + " and " + Arrays.toString(labels.shape()));
        }
    }

    /**
     * ∂L/∂x of the summed cross-entropy of the logits with the true labels (summed, so each image's gradient is its
     * own loss's, whatever the batch), in inference mode. Detached, in the caller's scope.
     */
    static Tensor lossGradient(Module model, Tensor x, Tensor labels) {
        model.setTraining(false);
        try (TensorScope scope = TensorScope.open(); var on = Autograd.enableGrad()) {
            Tensor input = x.detach().requiresGrad(true);
            Tensor logits = model.forward(input);
            Tensor oneHot = Functional.oneHot(labels, logits.size(1)).to(logits.dtype());
            Tensor loss = oneHot.mul(Functional.logSoftmax(logits, 1)).sum().neg();
            return scope.keep(Autograd.grad(loss, input, false).detach());
        }
    }

    /** −1, 0 or +1 elementwise, in the tensor's dtype. */
    static Tensor sign(Tensor t) {
        return t.gt(0).to(t.dtype()).sub(t.lt(0).to(t.dtype()));
    }

    /** Per-image Euclidean norm over all but the first dimension, shaped N×1×…×1 to broadcast. */
    static Tensor norms(Tensor t) {
        int dim = t.dim();
        long[] rest = new long[dim - 1];
        for (int i = 1; i < dim; i++) rest[i - 1] = i;
        return t.square().sum(rest, true).sqrt();
    }

    /** The unit-norm steepest-ascent direction of the gradient: sign(g) for L∞, g/‖g‖₂ per image for L2. */
    static Tensor direction(Tensor gradient, Norm norm) {
        if (norm == Norm.LINF) return sign(gradient);
        Tensor n = norms(gradient);
        return gradient.div(Tensor.where(n.lt(TINY), Tensor.scalar(TINY, n.dtype()), n));
    }

    /** Elementwise min(max(t, lower), upper) with tensor or scalar bounds. */
    static Tensor clamp(Tensor t, Tensor lower, Tensor upper) {
        Tensor low = Tensor.where(t.lt(lower), lower, t);
        return Tensor.where(low.gt(upper), upper, low);
    }

    /** Pixels clipped to [0, 1]. */
    static Tensor clipPixels(Tensor t) {
        return clamp(t, Tensor.scalar(0, t.dtype()), Tensor.scalar(1, t.dtype()));
    }

    /** The point of the ε-ball around {@code clean} nearest to {@code x} (Euclidean projection), before pixel clipping. */
    static Tensor project(Tensor x, Tensor clean, double epsilon, Norm norm) {
        if (norm == Norm.LINF) {
            // Clamping x itself (not x − clean) keeps a point already on the boundary bit-for-bit where it is.
            return clamp(x, clean.sub(epsilon), clean.add(epsilon));
        }
        Tensor delta = x.sub(clean);
        Tensor n = norms(delta);
        Tensor outside = n.gt(epsilon);
        // Only images outside the ball move; the division is guarded where it is not used.
        Tensor scale = Tensor.scalar(epsilon, n.dtype()).div(Tensor.where(outside, n, Tensor.scalar(1, n.dtype())));
        return Tensor.where(outside, clean.add(delta.mul(scale)), x);
    }
}
