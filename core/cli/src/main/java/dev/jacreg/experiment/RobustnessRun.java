package dev.jacreg.experiment;

import dev.jacreg.Tensor;
import dev.jacreg.attack.Apgd;
import dev.jacreg.attack.Attack;
import dev.jacreg.attack.AutoAttack;
import dev.jacreg.attack.FabT;
import dev.jacreg.attack.Norm;
import dev.jacreg.attack.Pgd;
import dev.jacreg.attack.SanityChecks;
import dev.jacreg.attack.Square;
import dev.jacreg.data.Corruption;
import dev.jacreg.report.Report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The extra corruption sweeps and the attacks of a {@link RobustnessPlan} on trained nets, for both commands. */
public final class RobustnessRun {
    private RobustnessRun() {}

    /**
     * What was measured and written; sections are the report's (none when nothing ran), sanity the attacks'
     * sanity-check table for the terminal (empty without attacks).
     */
    public record Result(List<SweepTable> tables, List<Path> files, List<Report.Section> sections, String sanity) {
        Result(List<SweepTable> tables, List<Path> files, List<Report.Section> sections) {
            this(tables, files, sections, "");
        }
    }

    /**
     * Measures every listed corruption other than pixel replacement (which the commands sweep themselves) and every
     * attack, writes their CSVs and charts into {@code out}.
     */
    public static Result run(RobustnessPlan plan, List<RobustnessSweep.Net> nets, Tensor images, Tensor labels, long seed,
                             int chunk, Path out, ExperimentListener listener) throws IOException {
        return run(plan, nets, images, labels, seed, chunk, out, listener, WorkerPool.inline(), List.of());
    }

    /**
     * As above, the nets measured concurrently on {@code pool}; {@code leading} tables measured elsewhere (the models'
     * pixel-replacement sweep) come first in the files and the section.
     */
    public static Result run(RobustnessPlan plan, List<RobustnessSweep.Net> nets, Tensor images, Tensor labels, long seed,
                             int chunk, Path out, ExperimentListener listener, WorkerPool pool, List<SweepTable> leading)
            throws IOException {
        List<SweepTable> tables = new ArrayList<>(leading);
        ExperimentListener safe = ExperimentListener.synchronizedView(listener);
        for (var c : plan.corruptions().entrySet()) {
            if (c.getKey() == Corruption.REPLACE) continue;
            tables.add(RobustnessSweep.corruption(nets, images, labels, c.getKey(), c.getValue(), seed, chunk, safe, pool));
        }
        List<Attack> attacks = plan.attacks();
        double[] eps = plan.epsilons();
        List<SanityChecks.Measurement> measurements = new ArrayList<>();
        for (Attack a : attacks) {
            SweepTable table = RobustnessSweep.attack(nets, images, labels, a, eps, seed, chunk, safe, pool);
            tables.add(table);
            measurements.addAll(AttackSanity.measure(nets, images, labels, a, table, seed, chunk, safe, pool));
        }
        if (tables.isEmpty()) return new Result(List.of(), List.of(), List.of());
        List<Path> files = SweepReport.write(out, tables);
        Report.Section section = SweepReport.section(tables, describe(plan, "seed " + seed));
        if (measurements.isEmpty()) return new Result(tables, files, List.of(section));
        List<SanityChecks.Row> rows = SanityChecks.evaluate(measurements);
        return new Result(tables, files, List.of(section.with(List.of(SanityChecks.markdown(rows)))),
                SanityChecks.text(rows));
    }

    /** How the sweeps were made, one paragraph; {@code seedText} says which seed the random streams come from. */
    public static String describe(RobustnessPlan plan, String seedText) {
        List<Attack> attacks = plan.attacks();
        java.util.Set<Corruption> kinds = plan.corruptions().keySet();
        String direction = plan.norm() == Norm.LINF ? "the sign of the gradient" : "the gradient divided by its L2 norm";
        StringBuilder s = new StringBuilder("Every net is evaluated on the same test images; random draws come from "
                + "streams derived from " + seedText + ", so every net sees the same noisy copies and random starts.");
        if (kinds.contains(Corruption.GAUSSIAN)) s.append(" Gaussian noise adds N(0, σ²) to every pixel and clips to [0, 1].");
        if (kinds.contains(Corruption.SALT_PEPPER)) {
            s.append(" Salt-and-pepper noise sets each pixel with probability p to 0 or 1, with equal chance.");
        }
        if (!attacks.isEmpty()) {
            s.append(" Each net is attacked through its own gradients (white box; FGSM and PGD climb the "
                    + "cross-entropy of the logits against the true label) or, for Square, its own logits alone, in "
                    + "inference mode (batch norm with running statistics); adversarial images stay within ε of the "
                    + "clean image in the ")
                    .append(plan.norm().symbol()).append(" norm, pixels clipped to [0, 1].");
            s.append(" The sanity checks after the tables (Carlini et al. 2019) also attack every net at the radius "
                    + "that can destroy an image (L∞ 0.5, or 0.5·√d in L2) and, at the middle non-zero radius, with "
                    + "twice the attack's search").append(attacks.stream().anyMatch(a -> a instanceof AutoAttack)
                    ? " and with AutoAttack's white-box and Square parts alone" : "").append('.');
        }
        for (Attack a : attacks) {
            if (a instanceof Pgd pgd) {
                s.append(" PGD takes ").append(pgd.steps()).append(" steps of length ")
                        .append(plan.pgdStepSize() == null ? "2.5·ε/" + pgd.steps() : Formats.number(plan.pgdStepSize()))
                        .append(" along ").append(direction)
                        .append(", each followed by projection onto the ε-ball and clipping, from ")
                        .append(pgd.randomStart() ? "a uniformly random point of the ball." : "the clean image.");
                if (pgd.restarts() > 1) {
                    s.append(" It restarts ").append(pgd.restarts() - 1).append(" times from fresh random starts on "
                            + "the images still correctly classified; an image resists only if every run fails.");
                }
            } else if (a instanceof AutoAttack auto) {
                s.append(' ').append(auto.describe());
            } else if (a instanceof Apgd apgd) {
                s.append(' ').append(apgd).append(" follows Croce & Hein 2020, Algorithm 1: step 2ε from a random "
                        + "point of the ball (on its sphere for L2), momentum 0.75, the step halved at the published checkpoints "
                        + "(restarting from the best point) when the loss rose in fewer than 75 % of the steps or "
                        + "stalled.");
            } else if (a instanceof Square square) {
                s.append(' ').append(square.describe());
            } else if (a instanceof FabT fab) {
                s.append(' ').append(fab.describe());
            } else {
                s.append(" FGSM takes one step of length ε along ").append(direction).append('.');
            }
        }
        return s.toString();
    }

    /** The tables and the attacks' sanity checks as plain text, for the terminal. */
    public static String text(Result result) {
        return text(result.tables()) + result.sanity();
    }

    /** The tables as plain text, for the terminal. */
    public static String text(List<SweepTable> tables) {
        StringBuilder out = new StringBuilder();
        for (SweepTable t : tables) {
            out.append(t.title()).append('\n');
            StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-10s", t.levelColumn()));
            for (String c : t.columns()) header.append(String.format(Locale.ROOT, " %14s", c));
            out.append(header).append('\n');
            double[] levels = t.levels();
            for (int i = 0; i < levels.length; i++) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-10s", Formats.number(levels[i])));
                for (double[] acc : t.accuracies()) row.append(String.format(Locale.ROOT, " %13.2f%%", acc[i] * 100));
                out.append(row).append('\n');
            }
        }
        return out.toString();
    }
}
