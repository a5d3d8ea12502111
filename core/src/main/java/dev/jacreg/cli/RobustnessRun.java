package dev.jacreg.cli;

import dev.jacreg.Tensor;
import dev.jacreg.attack.Attack;
import dev.jacreg.attack.Norm;
import dev.jacreg.attack.Pgd;
import dev.jacreg.data.Corruption;
import dev.jacreg.experiment.ExperimentListener;
import dev.jacreg.experiment.Formats;
import dev.jacreg.experiment.RobustnessSweep;
import dev.jacreg.experiment.SweepReport;
import dev.jacreg.experiment.SweepTable;
import dev.jacreg.experiment.WorkerPool;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The extra corruption sweeps and the attacks of {@link RobustnessOptions}, for both commands. */
final class RobustnessRun {
    private RobustnessRun() {}

    /** What was measured and written; markdown is the report section (empty when nothing ran). */
    record Result(List<SweepTable> tables, List<Path> files, String markdown) {}

    /**
     * Measures every listed corruption other than pixel replacement (which the commands sweep themselves) and every
     * attack, writes their CSVs and charts into {@code out}.
     */
    static Result run(RobustnessOptions options, List<RobustnessSweep.Net> nets, Tensor images, Tensor labels,
                      double[] noiseLevels, long seed, int chunk, Path out, ExperimentListener listener) throws IOException {
        return run(options, nets, images, labels, noiseLevels, seed, chunk, out, listener, WorkerPool.inline(), List.of());
    }

    /**
     * As above, the nets measured concurrently on {@code pool}; {@code leading} tables measured elsewhere (the models'
     * pixel-replacement sweep) come first in the files and the section.
     */
    static Result run(RobustnessOptions options, List<RobustnessSweep.Net> nets, Tensor images, Tensor labels,
                      double[] noiseLevels, long seed, int chunk, Path out, ExperimentListener listener, WorkerPool pool,
                      List<SweepTable> leading) throws IOException {
        List<SweepTable> tables = new ArrayList<>(leading);
        ExperimentListener safe = ExperimentListener.synchronizedView(listener);
        for (Corruption c : options.corruptionList()) {
            if (c == Corruption.REPLACE) continue;
            tables.add(RobustnessSweep.corruption(nets, images, labels, c, RobustnessOptions.levels(c, noiseLevels), seed,
                    chunk, safe, pool));
        }
        List<Attack> attacks = options.attackList();
        double[] eps = attacks.isEmpty() ? new double[0] : options.epsilonList();
        for (Attack a : attacks) tables.add(RobustnessSweep.attack(nets, images, labels, a, eps, seed, chunk, safe, pool));
        if (tables.isEmpty()) return new Result(List.of(), List.of(), "");
        List<Path> files = SweepReport.write(out, tables);
        return new Result(tables, files, SweepReport.markdown(tables, describe(options, "seed " + seed)));
    }

    /** How the sweeps were made, one paragraph; {@code seedText} says which seed the random streams come from. */
    static String describe(RobustnessOptions options, String seedText) {
        List<Attack> attacks = options.attackList();
        List<Corruption> kinds = options.corruptionList();
        String direction = options.norm() == Norm.LINF ? "the sign of the gradient" : "the gradient divided by its L2 norm";
        StringBuilder s = new StringBuilder("Every net is evaluated on the same test images; random draws come from "
                + "streams derived from " + seedText + ", so every net sees the same noisy copies and random starts.");
        if (kinds.contains(Corruption.GAUSSIAN)) s.append(" Gaussian noise adds N(0, σ²) to every pixel and clips to [0, 1].");
        if (kinds.contains(Corruption.SALT_PEPPER)) {
            s.append(" Salt-and-pepper noise sets each pixel with probability p to 0 or 1, with equal chance.");
        }
        if (!attacks.isEmpty()) {
            s.append(" Attacks are white-box: each net is attacked with the gradient of its own cross-entropy (logits "
                    + "against the true label) with respect to the input, in inference mode (batch norm with running "
                    + "statistics); adversarial images stay within ε of the clean image in the ")
                    .append(options.norm().symbol()).append(" norm, pixels clipped to [0, 1].");
        }
        for (Attack a : attacks) {
            if (a instanceof Pgd pgd) {
                s.append(" PGD takes ").append(pgd.steps()).append(" steps of length ")
                        .append(options.pgdStepSize == null ? "2.5·ε/" + pgd.steps() : Formats.number(options.pgdStepSize))
                        .append(" along ").append(direction)
                        .append(", each followed by projection onto the ε-ball and clipping, from ")
                        .append(pgd.randomStart() ? "a uniformly random point of the ball." : "the clean image.");
            } else {
                s.append(" FGSM takes one step of length ε along ").append(direction).append('.');
            }
        }
        return s.toString();
    }

    /** The tables as plain text, for the terminal. */
    static void print(PrintStream out, List<SweepTable> tables) {
        for (SweepTable t : tables) {
            out.println(t.title());
            StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-10s", t.levelColumn()));
            for (String c : t.columns()) header.append(String.format(Locale.ROOT, " %14s", c));
            out.println(header);
            double[] levels = t.levels();
            for (int i = 0; i < levels.length; i++) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-10s", Formats.number(levels[i])));
                for (double[] acc : t.accuracies()) row.append(String.format(Locale.ROOT, " %13.2f%%", acc[i] * 100));
                out.println(row);
            }
        }
        out.flush();
    }
}
