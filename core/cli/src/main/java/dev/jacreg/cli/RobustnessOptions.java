package dev.jacreg.cli;

import dev.jacreg.attack.Apgd;
import dev.jacreg.attack.Attack;
import dev.jacreg.attack.AutoAttack;
import dev.jacreg.attack.FabT;
import dev.jacreg.attack.Fgsm;
import dev.jacreg.attack.Norm;
import dev.jacreg.attack.Pgd;
import dev.jacreg.attack.Square;
import dev.jacreg.data.Corruption;
import dev.jacreg.experiment.RobustnessPlan;
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
            description = "Attacks to measure accuracy under, one or more of fgsm, pgd, apgd-ce, apgd-t, fab-t, square "
                    + "(black box) and autoattack (per-image worst case of apgd-ce, apgd-t, fab-t and square); "
                    + "each net is attacked through its own gradients or outputs (default: none).")
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

    @Option(names = "--pgd-restarts", paramLabel = "N",
            description = "PGD runs from fresh random starts (needs --pgd-random-start); an image resists only if "
                    + "every run fails (default: ${DEFAULT-VALUE}).")
    int pgdRestarts = 1;

    @Option(names = "--apgd-iterations", paramLabel = "N",
            description = "Iterations of each APGD run and of FAB-T per target class, in apgd-ce, apgd-t, fab-t and "
                    + "autoattack (default: ${DEFAULT-VALUE}, AutoAttack's standard version).")
    int apgdIterations = Apgd.DEFAULT_ITERATIONS;

    @Option(names = "--square-queries", paramLabel = "N",
            description = "Forward passes per image of the Square attack, in square and autoattack (default: "
                    + "${DEFAULT-VALUE}, AutoAttack's standard version).")
    int squareQueries = Square.DEFAULT_QUERIES;

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
                case "pgd" -> {
                    if (pgdRestarts < 1) throw new UsageException("--pgd-restarts must be >= 1, got " + pgdRestarts);
                    if (pgdRestarts > 1 && !pgdRandomStart) {
                        throw new UsageException("--pgd-restarts " + pgdRestarts + " needs --pgd-random-start "
                                + "(restarts from the clean image are all the same run)");
                    }
                    list.add(parse(() -> new Pgd(norm, pgdSteps, pgdStepSize == null ? Double.NaN : pgdStepSize,
                            pgdRandomStart, pgdRestarts)));
                }
                case "apgd-ce", "apgd-t" -> {
                    checkApgdIterations();
                    list.add(new Apgd(norm, name.equals("apgd-ce") ? Apgd.Loss.CE : Apgd.Loss.TARGETED_DLR,
                            apgdIterations, 1, Apgd.DEFAULT_TARGETS));
                }
                case "fab-t" -> {
                    checkApgdIterations();
                    list.add(new FabT(norm, apgdIterations, FabT.DEFAULT_TARGETS));
                }
                case "square" -> {
                    checkSquareQueries();
                    list.add(new Square(norm, squareQueries, Square.DEFAULT_P_INIT));
                }
                case "autoattack" -> {
                    checkApgdIterations();
                    checkSquareQueries();
                    list.add(new AutoAttack(norm, apgdIterations, squareQueries));
                }
                default -> throw new UsageException("--attacks: unknown attack '" + name
                        + "' (expected fgsm, pgd, apgd-ce, apgd-t, fab-t, square or autoattack)");
            }
        }
        return list;
    }

    private void checkApgdIterations() {
        if (apgdIterations < 1) throw new UsageException("--apgd-iterations must be >= 1, got " + apgdIterations);
    }

    private void checkSquareQueries() {
        if (squareQueries < 2) {
            throw new UsageException("--square-queries must be >= 2 (the clean image and the starting point), got "
                    + squareQueries);
        }
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

    /** The checked plan of what to measure: each corruption with its levels, the attacks and their radii. */
    RobustnessPlan plan(double[] noiseLevels) {
        java.util.Map<Corruption, double[]> levels = new java.util.LinkedHashMap<>();
        for (Corruption c : corruptionList()) levels.put(c, levels(c, noiseLevels));
        List<Attack> list = attackList();
        return new RobustnessPlan(levels, list, list.isEmpty() ? new double[0] : epsilonList(), norm(), pgdStepSize);
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
