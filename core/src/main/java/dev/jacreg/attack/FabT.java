package dev.jacreg.attack;

import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Module;

import java.util.Objects;

/**
 * FAB-T, the targeted Fast Adaptive Boundary attack of Croce and Hein 2020 ("Minimally distorted adversarial examples
 * with a fast adaptive boundary attack"), as AutoAttack's standard version runs it: fra31/auto-attack
 * {@code autoattack/fab_pt.py}, {@code FABAttack_PT.perturb} with {@code targeted}, {@code attack_single_run_targeted}
 * and {@code get_diff_logits_grads_batch_targeted}. FAB seeks the smallest perturbation that misclassifies an image;
 * as an attack at radius ε an image counts as broken when the point it found is within ε, as AutoAttack uses it.
 *
 * <p>For each target t in turn, the {@link #DEFAULT_TARGETS} classes with the highest clean logits other than the
 * label, on the images no earlier target broke: from x₁ = x₀ (the clean image; AutoAttack's first and only restart has
 * no random start) each of the N iterations linearises z_t − z_y at x₁ into the hyperplane w·x = b (w = ∇(z_t − z_y),
 * b = w·x₁ − (z_t − z_y)(x₁)), projects both x₁ and x₀ onto it within the box [0, 1] ({@link FabProjection}), giving
 * moves d₁ and d₂, and steps to clip((x₁ + η·d₁)(1 − α) + (x₀ + η·d₂)·α, 0, 1) with α = min(‖d₁‖/(‖d₁‖ + ‖d₂‖), α_max),
 * the norms floored at 1e-8. An iterate the model misclassifies (any wrong class) is remembered if it is the closest to
 * x₀ yet, and x₁ is pulled back to x₀ + β·(x₁ − x₀). Settings: α_max = 0.1, η = 1.05, β = 0.9. The projection is per
 * image in doubles; the model's gradients are batched. On a linear model the linearisation is exact and the closest
 * point FAB-T keeps lies about 0.5 % beyond the boundary (the overshoot η is never annealed), as in the reference.
 *
 * <p>An image that is not broken is returned unchanged; so is one the model already misclassifies.
 */
public final class FabT implements Attack {
    /** AutoAttack's standard version: 100 iterations per target. */
    public static final int DEFAULT_ITERATIONS = 100;
    /** AutoAttack's standard version: the 9 most likely wrong classes. */
    public static final int DEFAULT_TARGETS = 9;
    /** Largest weight α of the step from the clean image's projection. */
    static final double ALPHA_MAX = 0.1;
    /** η: the overshoot of each projection step. */
    static final double ETA = 1.05;
    /** β: the pull back towards the clean image after an adversarial iterate. */
    static final double BETA = 0.9;
    /** Floor of the projection moves' norms in α (the reference's). */
    private static final double MIN_MOVE = 1e-8;

    private final Norm norm;
    private final int iterations;
    private final int targets;

    /**
     * FAB-T with the given budget.
     *
     * @param norm the norm minimised and the ball of the attack
     * @param iterations N, iterations per target, &gt;= 1
     * @param targets the target classes tried in turn, &gt;= 1
     */
    public FabT(Norm norm, int iterations, int targets) {
        this.norm = Objects.requireNonNull(norm, "norm");
        if (iterations < 1) throw new IllegalArgumentException("FAB-T needs at least 1 iteration, got " + iterations);
        if (targets < 1) throw new IllegalArgumentException("FAB-T needs at least 1 target class, got " + targets);
        this.iterations = iterations;
        this.targets = targets;
    }

    /**
     * AutoAttack's standard settings: N = 100 and 9 targets.
     *
     * @param norm the norm minimised and the ball of the attack
     */
    public FabT(Norm norm) {
        this(norm, DEFAULT_ITERATIONS, DEFAULT_TARGETS);
    }

    @Override
    public String name() {
        return "fab-t";
    }

    @Override
    public Norm norm() {
        return norm;
    }

    /** {@return the iterations per target} */
    public int iterations() {
        return iterations;
    }

    /** {@return the target classes tried in turn} */
    public int targets() {
        return targets;
    }

    /** {@return twice the iterations (AutoAttack's FAB-T has no restart to double)} */
    @Override
    public FabT withDoubledBudget() {
        return new FabT(norm, 2 * iterations, targets);
    }

    /**
     * The attack at radius ε. Deterministic: {@code random} is not read (the standard version has no random start).
     */
    @Override
    public Tensor perturb(Module model, Tensor images, Tensor labels, double epsilon, RandomStream random) {
        AttackMath.checkEpsilon(epsilon);
        AttackMath.checkBatch(images, labels);
        if (epsilon == 0) return images.detach().clone();
        try (TensorScope scope = TensorScope.open()) {
            Tensor clean = images.detach();
            Tensor cleanLogits = AttackMath.logits(model, clean);
            boolean[] done = AttackMath.misclassified(cleanLogits, labels);  // broken, or wrong from the start
            int[][] ranking = AttackMath.classRanking(cleanLogits);
            long[] y = labels.toLongArray();
            int runs = (int) Math.min(targets, cleanLogits.size(1) - 1);
            Tensor best = clean.clone();
            for (int target = 0; target < runs; target++) {
                long[] open = AttackMath.indices(done, false);
                if (open.length == 0) break;
                try (TensorScope runScope = TensorScope.open()) {
                    long[] t = new long[open.length];
                    for (int k = 0; k < open.length; k++) {
                        t[k] = AttackMath.targetClass(ranking[(int) open[k]], y[(int) open[k]], target);
                    }
                    Tensor openImages = AttackMath.rows(clean, open);
                    Tensor openLabels = AttackMath.rows(labels, open);
                    Minimal found = run(model, openImages, openLabels, t);
                    // The points were found in doubles: projected onto the ball so that the images' dtype's rounding
                    // cannot leave it, and judged again in that dtype, as the reference judges its float32 points.
                    Tensor points =
                            AttackMath.clipPixels(AttackMath.project(found.points(), openImages, epsilon, norm));
                    boolean[] wrong = AttackMath.misclassified(model, points, openLabels);
                    boolean[] broken = new boolean[open.length];
                    for (int k = 0; k < open.length; k++) {
                        broken[k] = found.distance()[k] <= epsilon && wrong[k];
                        if (broken[k]) done[(int) open[k]] = true;
                    }
                    Tensor merged = AttackMath.pick(broken, points, AttackMath.rows(best, open));
                    Tensor replaced = runScope.keep(AttackMath.replaceRows(best, open, merged));
                    best.close();
                    best = replaced;
                }
            }
            return scope.keep(best);
        }
    }

    /**
     * What one targeted run found, per image.
     *
     * @param points the closest misclassified iterate, or the clean image where none was; in the caller's scope
     * @param distance its distance to the clean image in the attack's norm; infinity where none was found
     */
    record Minimal(Tensor points, double[] distance) {}

    /**
     * One run of {@code attack_single_run_targeted} without random start: N iterations towards the hyperplanes of
     * z_t − z_y, keeping the closest misclassified iterate.
     *
     * @param targets per image, the target class t
     */
    Minimal run(Module model, Tensor clean, Tensor labels, long[] targets) {
        int n = (int) clean.size(0);
        int dims = (int) (clean.numel() / n);
        long[] shape = clean.shape();
        DType dtype = clean.dtype();
        long[] y = labels.toLongArray();
        double[] flatClean = clean.to(DType.FLOAT64).toDoubleArray();
        double[][] x0 = new double[n][], x1 = new double[n][], adversarial = new double[n][];
        double[] distance = new double[n];
        for (int i = 0; i < n; i++) {
            x0[i] = java.util.Arrays.copyOfRange(flatClean, i * dims, (i + 1) * dims);
            x1[i] = x0[i].clone();
            adversarial[i] = x0[i];
            distance[i] = Double.POSITIVE_INFINITY;
        }
        AttackMath.PerImageLoss towardsTarget =
                logits -> AttackMath.logitOf(logits, targets).sub(AttackMath.logitOf(logits, y));
        for (int it = 0; it < iterations; it++) {
            try (TensorScope step = TensorScope.open()) {
                AttackMath.LossAndGradient at =
                        AttackMath.lossAndGradient(model, tensor(x1, shape, dtype), labels, towardsTarget);
                double[] gradient = at.gradient().to(DType.FLOAT64).toDoubleArray();
                for (int i = 0; i < n; i++) {
                    double[] w = java.util.Arrays.copyOfRange(gradient, i * dims, (i + 1) * dims);
                    double b = FabProjection.dot(w, x1[i]) - at.loss()[i];
                    double[] d1 = FabProjection.project(norm, x1[i], w, b);
                    double[] d2 = FabProjection.project(norm, x0[i], w, b);
                    double a1 = Math.max(length(d1), MIN_MOVE), a2 = Math.max(length(d2), MIN_MOVE);
                    double alpha = Math.min(Math.max(a1 / (a1 + a2), 0), ALPHA_MAX);
                    for (int j = 0; j < dims; j++) {
                        double v = (x1[i][j] + ETA * d1[j]) * (1 - alpha) + (x0[i][j] + ETA * d2[j]) * alpha;
                        x1[i][j] = Math.min(1, Math.max(0, v));
                    }
                }
                boolean[] wrong = AttackMath.misclassified(model, tensor(x1, shape, dtype), labels);
                for (int i = 0; i < n; i++) {
                    if (!wrong[i]) continue;
                    double[] delta = new double[dims];
                    for (int j = 0; j < dims; j++) delta[j] = x1[i][j] - x0[i][j];
                    double dist = length(delta);
                    if (dist < distance[i]) {
                        distance[i] = dist;
                        adversarial[i] = x1[i].clone();
                    }
                    for (int j = 0; j < dims; j++) x1[i][j] = x0[i][j] + BETA * delta[j];
                }
            }
        }
        return new Minimal(tensor(adversarial, shape, dtype), distance);
    }

    /** The norm of a move: max |d_j| (L∞) or √Σd_j² (L2). */
    private double length(double[] d) {
        double s = 0;
        for (double v : d) s = norm == Norm.LINF ? Math.max(s, Math.abs(v)) : s + v * v;
        return norm == Norm.LINF ? s : Math.sqrt(s);
    }

    /** Rows of doubles as a tensor of the images' shape and dtype. */
    private static Tensor tensor(double[][] rows, long[] shape, DType dtype) {
        int dims = rows[0].length;
        double[] flat = new double[rows.length * dims];
        for (int i = 0; i < rows.length; i++) System.arraycopy(rows[i], 0, flat, i * dims, dims);
        return Tensor.of(flat, shape).to(dtype);
    }


    /** {@return the settings in words, for reports} */
    public String describe() {
        return "FAB-T (Croce & Hein 2020, targeted, as in AutoAttack) seeks the smallest " + norm.symbol()
                + " perturbation that misclassifies each image, for each of the " + targets + " most likely wrong "
                + "classes in turn: " + iterations + " steps towards the linearised decision boundary, each a "
                + "projection onto the hyperplane within [0, 1] with overshoot η = " + ETA + ", mixed with the clean "
                + "image's projection by at most α_max = " + ALPHA_MAX + ", pulled back by β = " + BETA + " after each "
                + "misclassified point; an image counts as broken when the closest point found is within ε.";
    }

    @Override
    public String toString() {
        return "FAB-T (" + norm.symbol() + ", " + iterations + " iterations, " + targets + " targets)";
    }
}
