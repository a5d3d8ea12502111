package dev.jacreg.attack;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Module;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * AutoAttack, Croce and Hein 2020, the standard version: APGD-CE, then APGD-T (targeted DLR over the top
 * {@link Apgd#DEFAULT_TARGETS} classes), then FAB-T ({@link FabT}, over the top {@link FabT#DEFAULT_TARGETS} classes),
 * then Square, in L∞ or L2, each attacking only the images every earlier one failed on. The result is the per-image
 * worst case: an image stays correctly classified only if every attack fails on it. FAB-T runs as many iterations per
 * target as APGD (both 100 in the standard version), so one budget sets both.
 */
public final class AutoAttack implements Attack {
    private final Norm norm;
    private final int iterations;
    private final int squareQueries;
    private final boolean withSquare;

    /**
     * AutoAttack with other budgets than the standard version's (e.g. smaller ones for a quick look).
     *
     * @param norm the ball the perturbation stays in
     * @param iterations    APGD iterations per run and FAB-T iterations per target (standard:
     *                      {@value Apgd#DEFAULT_ITERATIONS})
     * @param squareQueries Square's budget per image (standard: {@value Square#DEFAULT_QUERIES}), &gt;= 2
     */
    public AutoAttack(Norm norm, int iterations, int squareQueries) {
        this(norm, iterations, squareQueries, true);
    }

    private AutoAttack(Norm norm, int iterations, int squareQueries, boolean withSquare) {
        this.norm = Objects.requireNonNull(norm, "norm");
        if (iterations < 1) throw new IllegalArgumentException("AutoAttack needs at least 1 APGD iteration, got " + iterations);
        if (squareQueries < 2) {
            throw new IllegalArgumentException("AutoAttack's Square needs at least 2 queries, got " + squareQueries);
        }
        this.iterations = iterations;
        this.squareQueries = squareQueries;
        this.withSquare = withSquare;
    }

    /**
     * The standard version's budgets.
     *
     * @param norm the ball the perturbation stays in
     */
    public AutoAttack(Norm norm) {
        this(norm, Apgd.DEFAULT_ITERATIONS, Square.DEFAULT_QUERIES);
    }

    @Override
    public String name() {
        return "autoattack";
    }

    @Override
    public Norm norm() {
        return norm;
    }

    /** {@return the attacks, in the order they run} */
    public List<Attack> stages() {
        List<Attack> stages = new ArrayList<>(List.of(new Apgd(norm, Apgd.Loss.CE, iterations, 1, Apgd.DEFAULT_TARGETS),
                new Apgd(norm, Apgd.Loss.TARGETED_DLR, iterations, 1, Apgd.DEFAULT_TARGETS), fab()));
        if (withSquare) stages.add(blackBoxPart());
        return stages;
    }

    /** {@return FAB-T with this version's iterations} */
    public FabT fab() {
        return new FabT(norm, iterations, FabT.DEFAULT_TARGETS);
    }

    /** {@return the white-box attacks alone (APGD-CE, APGD-T, FAB-T), for the check that Square does not beat them} */
    public AutoAttack whiteBoxPart() {
        return new AutoAttack(norm, iterations, squareQueries, false);
    }

    /** {@return Square alone, for the same check} */
    public Square blackBoxPart() {
        return new Square(norm, squareQueries, Square.DEFAULT_P_INIT);
    }

    /** {@return the APGD iterations per run, also FAB-T's per target} */
    public int iterations() {
        return iterations;
    }

    /** {@return Square's query budget per image} */
    public int squareQueries() {
        return squareQueries;
    }

    @Override
    public AutoAttack withDoubledBudget() {
        return new AutoAttack(norm, 2 * iterations, 2 * squareQueries, withSquare);
    }

    @Override
    public Tensor perturb(Module model, Tensor images, Tensor labels, double epsilon, RandomStream random) {
        AttackMath.checkEpsilon(epsilon);
        AttackMath.checkBatch(images, labels);
        if (epsilon == 0) return images.detach().clone();
        try (TensorScope scope = TensorScope.open()) {
            Tensor best = images.detach().clone();
            for (Attack stage : stages()) {
                long[] open = AttackMath.indices(AttackMath.misclassified(model, best, labels), false);
                if (open.length == 0) break;
                try (TensorScope stageScope = TensorScope.open()) {
                    Tensor openLabels = AttackMath.rows(labels, open);
                    Tensor found = stage.perturb(model, AttackMath.rows(images.detach(), open), openLabels, epsilon, random);
                    Tensor merged = AttackMath.pick(AttackMath.misclassified(model, found, openLabels), found,
                            AttackMath.rows(best, open));
                    Tensor replaced = stageScope.keep(AttackMath.replaceRows(best, open, merged));
                    best.close();
                    best = replaced;
                }
            }
            return scope.keep(best);
        }
    }

    /** {@return the version's settings in words, for reports} */
    public String describe() {
        StringBuilder s = new StringBuilder("AutoAttack (Croce & Hein 2020) as the per-image worst case of ");
        List<Attack> stages = stages();
        for (int i = 0; i < stages.size(); i++) s.append(i == 0 ? "" : i == stages.size() - 1 ? " and " : ", ").append(stages.get(i));
        s.append(", run in that order, each on the images every earlier one failed on; an image counts as robust only "
                + "if all fail. APGD starts from a random point of the ball (on its sphere for L2) with step 2ε, momentum 0.75 and the "
                + "published checkpoints (halving the step and restarting from the best point when the loss rose in "
                + "fewer than 75 % of the steps or stalled); APGD-T maximises the targeted DLR loss for each of the ");
        s.append(Apgd.DEFAULT_TARGETS).append(" most likely wrong classes. ").append(fab().describe());
        if (withSquare) s.append(' ').append(blackBoxPart().describe());
        return s.toString();
    }

    @Override
    public String toString() {
        return "AutoAttack (" + norm.symbol() + ", APGD and FAB-T " + iterations + " iterations"
                + (withSquare ? ", Square " + squareQueries + " queries" : ", white box only") + ")";
    }
}
