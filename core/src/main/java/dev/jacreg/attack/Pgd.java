package dev.jacreg.attack;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Module;

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
    private final int restarts;

    /**
     * PGD with one run.
     *
     * @param norm the ball the perturbation stays in
     * @param steps the gradient steps, &gt;= 1
     * @param stepSize α in pixel units, > 0; NaN for 2.5·ε/steps (scaled with each ε of a sweep)
     * @param randomStart whether the run starts from a uniform random point in the ball instead of the image
     */
    public Pgd(Norm norm, int steps, double stepSize, boolean randomStart) {
        this(norm, steps, stepSize, randomStart, 1);
    }

    /**
     * PGD with several runs.
     *
     * @param norm the ball the perturbation stays in
     * @param steps the gradient steps per run, &gt;= 1
     * @param stepSize α in pixel units, &gt; 0; NaN for 2.5·ε/steps (scaled with each ε of a sweep)
     * @param randomStart whether each run starts from a uniform random point in the ball instead of the image
     * @param restarts runs, >= 1; more than one needs random starts. Each later run attacks only the images no
     *                 earlier run misclassified, so an image resists only if every run fails on it.
     */
    public Pgd(Norm norm, int steps, double stepSize, boolean randomStart, int restarts) {
        this.norm = Objects.requireNonNull(norm, "norm");
        if (steps < 1) throw new IllegalArgumentException("PGD needs at least 1 step, got " + steps);
        if (!Double.isNaN(stepSize) && !(stepSize > 0 && Double.isFinite(stepSize))) {
            throw new IllegalArgumentException("PGD step size must be finite and > 0, got " + stepSize);
        }
        this.steps = steps;
        this.stepSize = stepSize;
        this.randomStart = randomStart;
        if (restarts < 1) throw new IllegalArgumentException("PGD needs at least 1 restart, got " + restarts);
        if (restarts > 1 && !randomStart) {
            throw new IllegalArgumentException("PGD restarts need random starts (without, every run is the same)");
        }
        this.restarts = restarts;
    }

    @Override
    public String name() {
        return "pgd";
    }

    @Override
    public Norm norm() {
        return norm;
    }

    /** {@return the gradient steps of one run} */
    public int steps() {
        return steps;
    }

    /** {@return whether runs start from a random point in the ball} */
    public boolean randomStart() {
        return randomStart;
    }

    /** {@return the number of runs} */
    public int restarts() {
        return restarts;
    }

    /** Twice the steps (the default step size shrinks with them) and twice the restarts. */
    @Override
    public Pgd withDoubledBudget() {
        return new Pgd(norm, 2 * steps, stepSize, randomStart, randomStart ? 2 * restarts : 1);
    }

    /**
     * α used at radius ε.
     *
     * @param epsilon the radius
     * @return the step size α, in pixel units
     */
    public double stepSize(double epsilon) {
        return Double.isNaN(stepSize) ? DEFAULT_STEP_FACTOR * epsilon / steps : stepSize;
    }

    @Override
    public Tensor perturb(Module model, Tensor images, Tensor labels, double epsilon, RandomStream random) {
        AttackMath.checkEpsilon(epsilon);
        AttackMath.checkBatch(images, labels);
        if (epsilon == 0) return images.detach().clone();
        try (TensorScope scope = TensorScope.open()) {
            Tensor clean = images.detach();
            Tensor best = run(model, clean, labels, epsilon, random);
            for (int r = 1; r < restarts; r++) {
                long[] open = AttackMath.indices(AttackMath.misclassified(model, best, labels), false);
                if (open.length == 0) break;
                try (TensorScope restart = TensorScope.open()) {
                    Tensor openLabels = AttackMath.rows(labels, open);
                    Tensor again = run(model, AttackMath.rows(clean, open), openLabels, epsilon, random);
                    // Per image the new point replaces the old one only where it fools the model.
                    Tensor merged = AttackMath.pick(AttackMath.misclassified(model, again, openLabels), again,
                            AttackMath.rows(best, open));
                    Tensor replaced = restart.keep(AttackMath.replaceRows(best, open, merged));
                    best.close();
                    best = replaced;
                }
            }
            return scope.keep(best);
        }
    }

    /** One run from the clean images or a random start; a new tensor in the caller's scope. */
    private Tensor run(Module model, Tensor clean, Tensor labels, double epsilon, RandomStream random) {
        double alpha = stepSize(epsilon);
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = randomStart ? AttackMath.clipPixels(clean.add(AttackMath.randomPoint(clean, epsilon, norm, random, "PGD"))) : clean;
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

    @Override
    public String toString() {
        return "PGD (" + norm.symbol() + ", " + steps + " steps" + (randomStart ? ", random start" : "")
                + (restarts > 1 ? ", " + restarts + " restarts" : "") + ")";
    }
}
