package dev.jacreg.cli;

import dev.jacreg.attack.Attack;
import dev.jacreg.attack.Fgsm;
import dev.jacreg.attack.Norm;
import dev.jacreg.attack.Pgd;
import dev.jacreg.data.Corruption;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/** --corruption and the attack options, shared by {@code experiment} and {@code evaluate} (a picocli mixin). */
final class RobustnessOptions {
    @Option(names = "--corruption", paramLabel = "KIND", split = ",",
            description = "Noise of the sweep, one or more of replace (each pixel replaced by a uniform value with "
                    + "probability p), gaussian (additive N(0, sigma^2), clipped to [0, 1]), salt-pepper (each pixel "
                    + "with probability p set to 0 or 1); one table and chart per kind (default: replace).")
    List<String> corruptions = List.of("replace");

    @Option(names = "--attacks", paramLabel = "NAME", split = ",",
            description = "White-box attacks to measure accuracy under: fgsm, pgd or both (fgsm,pgd); each net is "
                    + "attacked with its own gradients (default: none).")
    List<String> attacks = List.of();

    @Option(names = "--attack-norm", paramLabel = "linf|l2",
            description = "Ball the attacks stay in around each image (default: ${DEFAULT-VALUE}).")
    String attackNorm = "linf";

    @Option(names = "--epsilons", paramLabel = "E", split = ",",
            description = "Attack radii (default: 0,0.02,...,0.2 for linf; 0,0.25,...,3 for l2).")
    double[] epsilons;

    @Option(names = "--pgd-steps", paramLabel = "N", description = "PGD iterations (default: ${DEFAULT-VALUE}).")
    int pgdSteps = 10;

    @Option(names = "--pgd-step-size", paramLabel = "A",
            description = "PGD step length in pixel units (default: 2.5 * epsilon / steps).")
    Double pgdStepSize;

    @Option(names = "--pgd-random-start", description = "Start PGD at a random point of the ball.")
    boolean pgdRandomStart;

    /** The listed corruptions, without repeats; a usage error for an unknown one. */
    List<Corruption> corruptionList() {
        if (corruptions.isEmpty()) throw new UsageException("--corruption needs at least one kind");
        LinkedHashSet<Corruption> kinds = new LinkedHashSet<>();
        for (String c : corruptions) kinds.add(parse(() -> Corruption.parse(c)));
        return List.copyOf(kinds);
    }

    Norm norm() {
        return parse(() -> Norm.parse(attackNorm));
    }

    /** The attacks, validated; empty when none were asked for. */
    List<Attack> attackList() {
        Norm norm = norm();
        List<Attack> list = new ArrayList<>();
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (String a : attacks) names.add(a.trim().toLowerCase(Locale.ROOT));
        for (String name : names) {
            switch (name) {
                case "fgsm" -> list.add(new Fgsm(norm));
                case "pgd" -> list.add(parse(() -> new Pgd(norm, pgdSteps,
                        pgdStepSize == null ? Double.NaN : pgdStepSize, pgdRandomStart)));
                default -> throw new UsageException("--attacks: unknown attack '" + name + "' (expected fgsm or pgd)");
            }
        }
        return list;
    }

    /** The ε grid (the norm's default unless given), checked. */
    double[] epsilonList() {
        double[] eps = epsilons == null ? norm().defaultEpsilons() : epsilons.clone();
        if (eps.length == 0) throw new UsageException("--epsilons needs at least one value");
        for (double e : eps) {
            if (!(e >= 0) || Double.isInfinite(e)) throw new UsageException("--epsilons must be finite and >= 0, got " + e);
        }
        return eps;
    }

    /** Levels for a corruption: --noise-levels when given (checked against the kind), else the kind's default. */
    static double[] levels(Corruption c, double[] given) {
        double[] levels = given == null ? c.defaultLevels() : given;
        for (double level : levels) parse(() -> {
            c.checkLevel(level);
            return null;
        });
        return levels;
    }

    /** Checks every option now, before any work: a usage error names the first bad one. */
    void validate(double[] noiseLevels) {
        for (Corruption c : corruptionList()) levels(c, noiseLevels);
        if (!attackList().isEmpty()) epsilonList();
    }

    /** Whether anything beyond the default pixel-replacement sweep was asked for. */
    boolean extraRequested() {
        return !attacks.isEmpty() || corruptionList().stream().anyMatch(c -> c != Corruption.REPLACE);
    }

    private static <T> T parse(java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
