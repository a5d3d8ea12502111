package dev.jacreg.attack;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Module;

import java.util.Arrays;
import java.util.Objects;

/**
 * Projected gradient descent (on the negative loss), Madry et al. 2018: from x (or a random point of the ε-ball
 * around it), {@code steps} times: a step of length α along the steepest-ascent direction for the norm (as in
 * {@link Fgsm}), then projection onto the ε-ball around x and clipping to [0, 1]. With one step, α = ε and no random
 * start it is FGSM.
 */
public final class Pgd implements Attack {
    /** Madry et al.'s rule of thumb: a step of 2.5·ε/steps lets the iterate reach the boundary from anywhere. */
    public static final double DEFAULT_STEP_FACTOR = 2.5;

    private final Norm norm;
    private final int steps;
    private final double stepSize;
    private final boolean randomStart;

    /**
     * @param stepSize α in pixel units, > 0; NaN for 2.5·ε/steps (scaled with each ε of a sweep)
     */
    public Pgd(Norm norm, int steps, double stepSize, boolean randomStart) {
        this.norm = Objects.requireNonNull(norm, "norm");
        if (steps < 1) throw new IllegalArgumentException("PGD needs at least 1 step, got " + steps);
        if (!Double.isNaN(stepSize) && !(stepSize > 0 && Double.isFinite(stepSize))) {
            throw new IllegalArgumentException("PGD step size must be finite and > 0, got " + stepSize);
        }
        this.steps = steps;
        this.stepSize = stepSize;
        this.randomStart = randomStart;
    }

    @Override
    public String name() {
        return "pgd";
    }

    @Override
    public Norm norm() {
        return norm;
    }

    public int steps() {
        return steps;
    }

    public boolean randomStart() {
        return randomStart;
    }

    /** α used at radius ε. */
    public double stepSize(double epsilon) {
        return Double.isNaN(stepSize) ? DEFAULT_STEP_FACTOR * epsilon / steps : stepSize;
    }

    @Override
    public Tensor perturb(Module model, Tensor images, Tensor labels, double epsilon, RandomStream random) {
        AttackMath.checkEpsilon(epsilon);
        AttackMath.checkBatch(images, labels);
        if (epsilon == 0) return images.detach().clone();
        double alpha = stepSize(epsilon);
        try (TensorScope scope = TensorScope.open()) {
            Tensor clean = images.detach();
            Tensor x = randomStart ? AttackMath.clipPixels(clean.add(randomPoint(clean, epsilon, random))) : clean;
            for (int i = 0; i < steps; i++) {
                // Each step's graph and temporaries go with its scope; only the new iterate stays.
                try (TensorScope step = TensorScope.open()) {
                    Tensor gradient = AttackMath.lossGradient(model, x, labels);
                    Tensor moved = x.add(AttackMath.direction(gradient, norm).mul(alpha));
                    x = step.keep(AttackMath.clipPixels(AttackMath.project(moved, clean, epsilon, norm)));
                }
            }
            return scope.keep(x == clean ? clean.clone() : x);
        }
    }

    /**
     * A uniformly random point of the ε-ball: uniform per pixel in [−ε, ε] for L∞; for L2 a uniform direction
     * (normalised Gaussian) at radius ε·u^(1/d), which is uniform in the d-dimensional ball.
     */
    private Tensor randomPoint(Tensor like, double epsilon, RandomStream random) {
        if (random == null) throw new IllegalArgumentException("PGD with a random start needs a random stream");
        long[] shape = like.shape();
        if (norm == Norm.LINF) return random.uniform(like.dtype(), shape).mul(2 * epsilon).sub(epsilon);
        long n = shape[0];
        long dims = like.numel() / Math.max(1, n);
        long[] column = new long[shape.length];
        Arrays.fill(column, 1);
        column[0] = n;
        Tensor direction = random.normal(like.dtype(), shape);
        direction = direction.div(AttackMath.norms(direction));
        Tensor radius = random.uniform(like.dtype(), column).pow(1.0 / dims).mul(epsilon);
        return direction.mul(radius);
    }

    @Override
    public String toString() {
        return "PGD (" + norm.symbol() + ", " + steps + " steps" + (randomStart ? ", random start" : "") + ")";
    }
}
