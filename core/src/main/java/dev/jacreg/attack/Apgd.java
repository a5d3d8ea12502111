package dev.jacreg.attack;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Module;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Auto-PGD, Croce and Hein 2020 (Algorithm 1), as in AutoAttack: from a random start (uniform in the L∞ cube, on the
 * sphere of radius ε for L2), a first step of
 * η = 2ε along the steepest-ascent direction for the norm (sign of the gradient for L∞, the unit gradient for L2), then
 * steps with momentum α = 0.75, x ← P(x + α(z − x) + (1 − α)(x − x_prev)) with z = P(x + η·direction), P the projection
 * onto the ε-ball followed by clipping to [0, 1]. At the checkpoints w_j = ⌈p_j·N⌉ (p_0 = 0, p_1 = 0.22,
 * p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06)) an image whose loss rose in fewer than ρ = 0.75 of the steps since
 * the last checkpoint, or whose step size was not halved then and whose best loss has not improved since, halves its
 * step size and restarts from its best point. Everything is per image, batched.
 *
 * <p>{@link Loss#CE} maximises the cross-entropy (APGD-CE); {@link Loss#TARGETED_DLR} (APGD-T) runs once per target
 * class, the {@link #DEFAULT_TARGETS} classes with the highest clean logits other than the label, on the images no
 * earlier target fooled. The result per image is the first misclassified iterate found, else the highest-loss point.
 */
public final class Apgd implements Attack {
    /** The loss APGD maximises. */
    public enum Loss {
        /** Cross-entropy with the label. */
        CE("apgd-ce", "APGD-CE"),
        /** Targeted difference-of-logits ratio, over the top target classes. */
        TARGETED_DLR("apgd-t", "APGD-T");

        private final String label, title;

        Loss(String label, String title) {
            this.label = label;
            this.title = title;
        }
    }

    /** AutoAttack's standard version: 100 iterations per run. */
    public static final int DEFAULT_ITERATIONS = 100;
    /** AutoAttack's standard version: the 9 most likely wrong classes (all of them on 10-class data). */
    public static final int DEFAULT_TARGETS = 9;
    /** Momentum weight α of the update. */
    static final double MOMENTUM = 0.75;
    /** ρ: at a checkpoint the step size halves unless the loss rose in at least this fraction of the steps. */
    static final double RHO = 0.75;
    /** First step size, in units of ε. */
    static final double INITIAL_STEP = 2;

    private final Norm norm;
    private final Loss loss;
    private final int iterations;
    private final int restarts;
    private final int targets;

    /**
     * APGD with the given budget.
     *
     * @param norm the ball the perturbation stays in
     * @param loss the loss maximised: cross-entropy (APGD-CE) or the targeted DLR (APGD-T)
     * @param iterations N, steps per run, >= 1
     * @param restarts   runs from fresh random starts (per target for APGD-T), >= 1; later runs attack only the
     *                   images no earlier one fooled
     * @param targets    target classes of APGD-T, >= 1 (ignored by APGD-CE)
     */
    public Apgd(Norm norm, Loss loss, int iterations, int restarts, int targets) {
        this.norm = Objects.requireNonNull(norm, "norm");
        this.loss = Objects.requireNonNull(loss, "loss");
        if (iterations < 1) throw new IllegalArgumentException("APGD needs at least 1 iteration, got " + iterations);
        if (restarts < 1) throw new IllegalArgumentException("APGD needs at least 1 restart, got " + restarts);
        if (targets < 1) throw new IllegalArgumentException("APGD-T needs at least 1 target class, got " + targets);
        this.iterations = iterations;
        this.restarts = restarts;
        this.targets = targets;
    }

    /**
     * AutoAttack's standard settings: N = 100, one run (per target), 9 targets.
     *
     * @param norm the ball the perturbation stays in
     * @param loss the loss maximised: cross-entropy (APGD-CE) or the targeted DLR (APGD-T)
     */
    public Apgd(Norm norm, Loss loss) {
        this(norm, loss, DEFAULT_ITERATIONS, 1, DEFAULT_TARGETS);
    }

    @Override
    public String name() {
        return loss.label;
    }

    @Override
    public Norm norm() {
        return norm;
    }

    /** {@return the loss this attack maximises} */
    public Loss loss() {
        return loss;
    }

    /** {@return the steps N of one run} */
    public int iterations() {
        return iterations;
    }

    /** {@return the runs from fresh random starts (per target for APGD-T)} */
    public int restarts() {
        return restarts;
    }

    /** {@return the target classes APGD-T attacks in turn (unused by APGD-CE)} */
    public int targets() {
        return targets;
    }

    @Override
    public Apgd withDoubledBudget() {
        return new Apgd(norm, loss, 2 * iterations, 2 * restarts, targets);
    }

    /**
     * The checkpoints w_1 &lt; w_2 &lt; … ≤ N, in steps taken: ⌈p_j·N⌉ for the p_j of the schedule that are ≤ 1, computed
     * in hundredths so that 0.22·100 is 22 exactly.
     *
     * @param iterations N, &gt;= 1
     * @return the checkpoints, increasing
     */
    public static int[] checkpoints(int iterations) {
        List<Integer> w = new ArrayList<>();
        int previous = 0, current = 22;  // p in hundredths
        while (current <= 100) {
            int step = (int) Math.ceil(current * (double) iterations / 100 - 1e-9);
            if (step >= 1 && (w.isEmpty() || step > w.get(w.size() - 1))) w.add(step);
            int next = current + Math.max(current - previous - 3, 6);
            previous = current;
            current = next;
        }
        return w.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public Tensor perturb(Module model, Tensor images, Tensor labels, double epsilon, RandomStream random) {
        AttackMath.checkEpsilon(epsilon);
        AttackMath.checkBatch(images, labels);
        if (epsilon == 0) return images.detach().clone();
        if (random == null) throw new IllegalArgumentException(loss.title + " needs a random stream for its random starts");
        try (TensorScope scope = TensorScope.open()) {
            Tensor clean = images.detach();
            Tensor best = clean.clone();
            Tensor cleanLogits = AttackMath.logits(model, clean);
            boolean[] fooled = AttackMath.misclassified(cleanLogits, labels);
            int n = fooled.length;
            int[][] ranking = loss == Loss.TARGETED_DLR ? AttackMath.classRanking(cleanLogits) : null;
            int runsPerRestart = loss == Loss.CE ? 1 : (int) Math.min(targets, cleanLogits.size(1) - 1);
            long[] y = labels.toLongArray();
            double[] bestLoss = new double[n];
            Arrays.fill(bestLoss, Double.NEGATIVE_INFINITY);
            for (int target = 0; target < runsPerRestart; target++) {
                for (int r = 0; r < restarts; r++) {
                    long[] open = AttackMath.indices(fooled, false);
                    if (open.length == 0) break;
                    AttackMath.PerImageLoss objective;
                    Tensor openLabels = AttackMath.rows(labels, open);
                    if (loss == Loss.CE) {
                        objective = AttackMath.crossEntropy(openLabels);
                    } else {
                        long[] t = new long[open.length];
                        for (int k = 0; k < open.length; k++) t[k] = AttackMath.targetClass(ranking[(int) open[k]], y[(int) open[k]], target);
                        objective = AttackMath.targetedDlr(openLabels, t);
                    }
                    try (TensorScope runScope = TensorScope.open()) {
                        Run run = run(model, AttackMath.rows(clean, open), openLabels, objective, epsilon, random);
                        // Per image: a misclassified point beats everything; among the rest the highest loss of the
                        // CE runs is kept (losses of different targets are not comparable, so there the first stays).
                        boolean[] take = new boolean[open.length];
                        for (int k = 0; k < open.length; k++) {
                            int i = (int) open[k];
                            take[k] = run.fooled[k] || (loss == Loss.CE && run.bestLoss[k] > bestLoss[i])
                                    || bestLoss[i] == Double.NEGATIVE_INFINITY;
                            if (take[k]) bestLoss[i] = run.bestLoss[k];
                            if (run.fooled[k]) fooled[i] = true;
                        }
                        Tensor merged = AttackMath.pick(take, run.adversarial, AttackMath.rows(best, open));
                        Tensor replaced = runScope.keep(AttackMath.replaceRows(best, open, merged));
                        best.close();
                        best = replaced;
                    }
                }
            }
            return scope.keep(best);
        }
    }


    /**
     * What one run gave, per image.
     *
     * @param adversarial      the first misclassified iterate, or the highest-loss point
     * @param bestLoss         the highest loss reached
     * @param fooled           whether some iterate was misclassified
     * @param checkpointBest   the best loss at the start and at each checkpoint: [checkpoint][image]
     * @param finalStepSizes   η of each image after the last checkpoint
     */
    record Run(Tensor adversarial, double[] bestLoss, boolean[] fooled, List<double[]> checkpointBest,
               double[] finalStepSizes) {}

    /** One run of Algorithm 1 on every image of the batch, maximising {@code objective}. */
    Run run(Module model, Tensor clean, Tensor labels, AttackMath.PerImageLoss objective, double epsilon,
            RandomStream random) {
        int n = (int) clean.size(0);
        int[] checkpoints = checkpoints(iterations);
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = AttackMath.clipPixels(clean.add(startOffset(clean, epsilon, random)));
            AttackMath.LossAndGradient at = AttackMath.lossAndGradient(model, x, labels, objective);
            Tensor gradient = at.gradient(), previous = x;
            Tensor xBest = x, gradientBest = gradient;
            double[] bestLoss = at.loss().clone(), lastLoss = at.loss().clone();
            double[] eta = new double[n];
            Arrays.fill(eta, INITIAL_STEP * epsilon);
            boolean[] fooled = at.misclassified().clone();
            Tensor adversarial = x;
            int[] rises = new int[n];
            boolean[] halvedLast = new boolean[n];
            double[] bestAtLast = bestLoss.clone();
            List<double[]> checkpointBest = new ArrayList<>(List.of(bestLoss.clone()));
            int next = 0, lastCheckpoint = 0;
            Tensor[] state = {x, previous, gradient, xBest, gradientBest, adversarial};
            for (int step = 1; step <= iterations; step++) {
                try (TensorScope stepScope = TensorScope.open()) {
                    Tensor stepSize = AttackMath.rowValues(eta, x);
                    Tensor z = projected(x.add(AttackMath.direction(gradient, norm).mul(stepSize)), clean, epsilon);
                    double a = step == 1 ? 1 : MOMENTUM;
                    Tensor moved = projected(x.add(z.sub(x).mul(a)).add(x.sub(previous).mul(1 - a)), clean, epsilon);
                    previous = x;
                    x = moved;
                    at = AttackMath.lossAndGradient(model, x, labels, objective);
                    gradient = at.gradient();
                    boolean[] newlyFooled = new boolean[n], improved = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        newlyFooled[i] = at.misclassified()[i] && !fooled[i];
                        fooled[i] |= at.misclassified()[i];
                        if (at.loss()[i] > lastLoss[i]) rises[i]++;
                        lastLoss[i] = at.loss()[i];
                        improved[i] = at.loss()[i] > bestLoss[i];
                        if (improved[i]) bestLoss[i] = at.loss()[i];
                    }
                    adversarial = AttackMath.pick(newlyFooled, x, adversarial);
                    xBest = AttackMath.pick(improved, x, xBest);
                    gradientBest = AttackMath.pick(improved, gradient, gradientBest);
                    if (next < checkpoints.length && step == checkpoints[next]) {
                        int interval = step - lastCheckpoint;
                        boolean[] halve = new boolean[n];
                        for (int i = 0; i < n; i++) {
                            boolean oscillating = rises[i] < RHO * interval;
                            boolean stalled = !halvedLast[i] && bestLoss[i] <= bestAtLast[i];
                            halve[i] = oscillating || stalled;
                            if (halve[i]) {
                                eta[i] /= 2;
                                lastLoss[i] = bestLoss[i];  // the next step is compared with the restart point
                            }
                            halvedLast[i] = halve[i];
                            bestAtLast[i] = bestLoss[i];
                            rises[i] = 0;
                        }
                        x = AttackMath.pick(halve, xBest, x);
                        gradient = AttackMath.pick(halve, gradientBest, gradient);
                        checkpointBest.add(bestLoss.clone());
                        lastCheckpoint = step;
                        next++;
                    }
                    Tensor[] now = {x, previous, gradient, xBest, gradientBest, adversarial};
                    carry(stepScope, scope, state, now);
                    state = now;
                }
            }
            Tensor result = AttackMath.pick(fooled, adversarial, xBest);
            return new Run(scope.keep(result), bestLoss, fooled, checkpointBest, eta);
        }
    }

    /**
     * Moves the step's surviving tensors ({@code now}) from its scope to the run's, and frees the run's tensors of the
     * previous state that none of them is, so a run holds a fixed number of batches whatever N.
     */
    private static void carry(TensorScope step, TensorScope run, Tensor[] before, Tensor[] now) {
        for (Tensor t : now) {
            if (t.owner() == step) step.keep(t);
        }
        for (Tensor old : before) {
            boolean survives = false;
            for (Tensor t : now) survives |= t == old;
            if (!survives && old.owner() == run && !old.isClosed()) old.close();
        }
    }

    /** The random start: uniform in the L∞ cube of radius ε; for L2 a uniform direction at radius ε (on the sphere). */
    private Tensor startOffset(Tensor clean, double epsilon, RandomStream random) {
        if (norm == Norm.LINF) return AttackMath.randomPoint(clean, epsilon, norm, random, loss.title);
        Tensor direction = random.normal(clean.dtype(), clean.shape());
        return direction.div(AttackMath.norms(direction)).mul(epsilon);
    }

    private Tensor projected(Tensor x, Tensor clean, double epsilon) {
        return AttackMath.clipPixels(AttackMath.project(x, clean, epsilon, norm));
    }

    @Override
    public String toString() {
        return loss.title + " (" + norm.symbol() + ", " + iterations + " iterations"
                + (restarts > 1 ? ", " + restarts + " restarts" : "")
                + (loss == Loss.TARGETED_DLR ? ", " + targets + " targets" : "") + ")";
    }
}
