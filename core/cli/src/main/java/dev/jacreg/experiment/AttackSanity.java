package dev.jacreg.experiment;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.attack.Attack;
import dev.jacreg.attack.AttackSweep;
import dev.jacreg.attack.AutoAttack;
import dev.jacreg.attack.SanityChecks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The extra attack runs {@link SanityChecks} needs beyond an attack's sweep table, for every net: the attack at the
 * destroying radius (unless the sweep has it), the attack with twice its search at the budget radius (the middle
 * non-zero radius of the sweep), and for AutoAttack its white-box part and its Square part alone at that radius.
 */
public final class AttackSanity {
    private AttackSanity() {}

    /** The radius where the doubled budget is tried: the middle non-zero radius of the grid; NaN if it has none. */
    public static double budgetEpsilon(double[] epsilons) {
        double[] positive = Arrays.stream(epsilons).filter(e -> e > 0).sorted().distinct().toArray();
        return positive.length == 0 ? Double.NaN : positive[positive.length / 2];
    }

    /** The measurements of every net under the attack of {@code table} (made by {@link RobustnessSweep#attack}). */
    public static List<SanityChecks.Measurement> measure(List<RobustnessSweep.Net> nets, Tensor images, Tensor labels,
                                                         Attack attack, SweepTable table, long seed, int chunk,
                                                         ExperimentListener listener, WorkerPool pool) {
        double[] eps = table.levels();
        double destroying = SanityChecks.destroyingEpsilon(attack.norm(), images.numel() / images.size(0));
        double budget = budgetEpsilon(eps);
        Attack doubled = attack.withDoubledBudget();
        AutoAttack ensemble = attack instanceof AutoAttack a ? a : null;
        List<Callable<List<SanityChecks.Measurement>>> tasks = new ArrayList<>();
        for (int k = 0; k < nets.size(); k++) {
            RobustnessSweep.Net n = nets.get(k);
            double[] accuracy = table.accuracies().get(k);
            tasks.add(() -> {
                listener.phase("sanity checks of " + attack.name() + " on " + n.label());
                try (TensorScope scope = TensorScope.open()) {
                    Tensor input = images.dtype() == n.dtype() ? images : images.to(n.dtype());
                    double destroyed = at(eps, accuracy, destroying);
                    if (Double.isNaN(destroyed)) destroyed = run(n, attack, input, labels, destroying, seed, "destroying", chunk);
                    double atBudget = Double.isNaN(budget) ? Double.NaN : at(eps, accuracy, budget);
                    double twice = doubled == null || Double.isNaN(budget) ? Double.NaN
                            : run(n, doubled, input, labels, budget, seed, "doubled", chunk);
                    List<SanityChecks.Measurement> out = new ArrayList<>(List.of(new SanityChecks.Measurement(n.label(),
                            attack.name(), SanityChecks.Access.of(attack, ensemble != null), eps, accuracy, destroyed, budget, atBudget, twice)));
                    if (ensemble != null && !Double.isNaN(budget)) {
                        double white = run(n, ensemble.whiteBoxPart(), input, labels, budget, seed, "white-box", chunk);
                        double black = run(n, ensemble.blackBoxPart(), input, labels, budget, seed, "black-box", chunk);
                        out.add(part(n, attack.name() + ": white-box part", SanityChecks.Access.WHITE_BOX, budget, white));
                        out.add(part(n, attack.name() + ": Square part", SanityChecks.Access.BLACK_BOX, budget, black));
                    }
                    return out;
                }
            });
        }
        List<SanityChecks.Measurement> all = new ArrayList<>();
        for (List<SanityChecks.Measurement> m : pool.invokeAllUnchecked(tasks)) all.addAll(m);
        return all;
    }

    private static SanityChecks.Measurement part(RobustnessSweep.Net n, String name, SanityChecks.Access access,
                                                 double epsilon, double accuracy) {
        return new SanityChecks.Measurement(n.label(), name, access, new double[]{epsilon}, new double[]{accuracy},
                Double.NaN, epsilon, accuracy, Double.NaN);
    }

    /** The grid's accuracy at ε, or NaN where the grid lacks it. */
    private static double at(double[] eps, double[] accuracy, double epsilon) {
        for (int i = 0; i < eps.length; i++) {
            if (eps[i] == epsilon) return accuracy[i];
        }
        return Double.NaN;
    }

    private static double run(RobustnessSweep.Net n, Attack attack, Tensor images, Tensor labels, double epsilon,
                              long seed, String purpose, int chunk) {
        RandomStream random = RobustnessSweep.attackStream(seed, attack.name() + "-" + purpose, 0);
        return AttackSweep.accuracy(n.model(), attack, images, labels, epsilon, chunk, random);
    }
}
