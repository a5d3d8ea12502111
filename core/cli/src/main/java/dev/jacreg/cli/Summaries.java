package dev.jacreg.cli;

import dev.jacreg.experiment.ExperimentResult;
import dev.jacreg.experiment.ModelResult;
import dev.jacreg.experiment.ReplicateSummary;
import dev.jacreg.experiment.Replicates;
import dev.jacreg.experiment.ReportWriter;
import dev.jacreg.stats.ConfidenceInterval;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The plain-text summaries {@code jacreg experiment} prints on stdout when its report is written. */
final class Summaries {
    private Summaries() {}

    /** One run: every model's accuracy per noise level (and the difference from the reference), norms, timings. */
    static void print(PrintStream out, ExperimentResult r, Path dir, List<Path> files) {
        List<ModelResult> models = r.models();
        if (models.stream().anyMatch(m -> m.training().stoppedEarly())) {
            out.println("STOPPED EARLY: " + String.join(", ", models.stream().map(m -> m.name() + " net "
                    + m.training().iterations() + " of " + m.training().plannedIterations()).toList())
                    + " iterations; the results describe partly trained nets.");
        }
        StringBuilder header = new StringBuilder("noise ");
        for (ModelResult m : models) header.append(String.format(Locale.ROOT, " %10s", m.name()));
        for (ModelResult m : r.compared()) header.append(String.format(Locale.ROOT, " %10s", m.name() + " - " + "ref"));
        out.println(header);
        double[] levels = r.noiseLevels();
        double[] base = r.baseline().map(ModelResult::accuracy).orElse(null);
        for (int i = 0; i < levels.length; i++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%5.2f ", levels[i]));
            for (ModelResult m : models) row.append(String.format(Locale.ROOT, " %9.2f%%", m.accuracy()[i] * 100));
            for (ModelResult m : r.compared()) {
                row.append(String.format(Locale.ROOT, " %+10.2f", (m.accuracy()[i] - base[i]) * 100));
            }
            out.println(row);
        }
        out.println("mean squared Jacobian norm (exact, clean test set): " + String.join(", ", models.stream()
                .map(m -> String.format(Locale.ROOT, "%s %.6g", m.name(), m.jacobianNorm())).toList()));
        out.println("median ms per training iteration: " + String.join(", ", models.stream()
                .map(m -> m.name() + " " + millis(m.training().medianIterationMillis())).toList()) + "; training "
                + String.join(" + ", models.stream()
                .map(m -> String.format(Locale.ROOT, "%.1f s", m.training().totalSeconds())).toList()));
        out.printf(Locale.ROOT, "inference on the %d test images: %.1f ms; whole experiment %.1f s%n",
                r.environment().testCount(), r.inferenceMillis(), r.totalSeconds());
        ExperimentResult.SingleCase c = r.example();
        StringBuilder clean = new StringBuilder(), noisy = new StringBuilder();
        for (int k = 0; k < models.size(); k++) {
            clean.append(k == 0 ? "" : ", ").append(models.get(k).name()).append(' ').append(c.cleanPredictions()[k]);
            noisy.append(k == 0 ? "" : ", ").append(models.get(k).name()).append(' ').append(c.noisyPredictions()[k]);
        }
        out.printf(Locale.ROOT, "first test image (true %d): clean %s; %.0f%% noise %s%n", c.trueLabel(), clean,
                c.noise() * 100, noisy);
        out.println("wrote " + files.size() + " files to " + dir.toAbsolutePath() + "; open "
                + dir.resolve(ReportWriter.REPORT_MD));
        out.flush();
    }

    private static String millis(double ms) {
        return Double.isFinite(ms) ? String.format(Locale.ROOT, "%.1f", ms) : "n/a";
    }

    /** Several replicates: means and intervals per model, paired differences, each seed's norms. */
    static void print(PrintStream out, Replicates.Outcome outcome, ReplicateSummary s, Path dir, List<Path> files) {
        if (!outcome.skipped().isEmpty()) {
            out.println("STOPPED EARLY: seeds never started: " + outcome.skipped());
        }
        out.printf(Locale.ROOT, "%d replicates (seeds %s), mean ± 95 %% confidence interval:%n", s.count(),
                outcome.runs().stream().map(r -> Long.toString(r.seed())).toList());
        StringBuilder header = new StringBuilder("noise ");
        for (ReplicateSummary.Model m : s.models()) header.append(String.format(Locale.ROOT, "  %-16s", m.name()));
        for (ReplicateSummary.Comparison c : s.compared()) {
            header.append(String.format(Locale.ROOT, "  %-19s  %-14s", c.name() + " - reference", c.name() + " ahead"));
        }
        out.println(header.toString().stripTrailing());
        for (int i = 0; i < s.levels().length; i++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%5.2f ", s.levels()[i]));
            for (ReplicateSummary.Model m : s.models()) row.append(String.format(Locale.ROOT, "  %-16s", pct(m.accuracy().get(i))));
            for (ReplicateSummary.Comparison c : s.compared()) {
                row.append(String.format(Locale.ROOT, "  %-19s  %-14s", points(c.difference().get(i)),
                        c.ahead()[i] + " of " + s.count()));
            }
            out.println(row.toString().stripTrailing());
        }
        for (Replicates.Run r : outcome.runs()) {
            List<ModelResult> models = r.result().models();
            out.printf(Locale.ROOT, "seed %d: mean squared Jacobian norm (exact, clean test set) %s%s%n", r.seed(),
                    String.join(", ", models.stream().map(m -> String.format(Locale.ROOT, "%s %.6g", m.name(),
                            m.jacobianNorm())).toList()),
                    models.stream().anyMatch(m -> m.training().stoppedEarly()) ? " (stopped early)" : "");
        }
        out.printf(Locale.ROOT, "whole run %.1f s, %d at a time%n", outcome.totalSeconds(), outcome.jobs());
        out.println("wrote " + files.size() + " files and " + s.count() + " seed-S/ folders to " + dir.toAbsolutePath()
                + "; open " + dir.resolve(ReportWriter.REPORT_MD));
        out.flush();
    }

    private static String pct(ConfidenceInterval ci) {
        return Double.isNaN(ci.halfWidth()) ? String.format(Locale.ROOT, "%.2f%%", ci.mean() * 100)
                : String.format(Locale.ROOT, "%.2f ± %.2f%%", ci.mean() * 100, ci.halfWidth() * 100);
    }

    private static String points(ConfidenceInterval ci) {
        return String.format(Locale.ROOT, "%+.2f ± %.2f", ci.mean() * 100, ci.halfWidth() * 100);
    }
}
