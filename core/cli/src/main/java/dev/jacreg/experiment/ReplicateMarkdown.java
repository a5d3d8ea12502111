package dev.jacreg.experiment;

import dev.jacreg.stats.ConfidenceInterval;
import dev.jacreg.train.TrainingResult;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.jacreg.experiment.ReportWriter.JACOBIAN_LABEL;
import static dev.jacreg.experiment.ReportWriter.REFERENCE_LABEL;

/** The text of report.md for several replicates: summary table with intervals, per-seed tables, links. */
final class ReplicateMarkdown {
    private ReplicateMarkdown() {}

    static String render(Replicates.Outcome outcome, ReplicateSummary s) {
        List<Replicates.Run> runs = outcome.runs();
        ExperimentResult first = runs.get(0).result();
        ExperimentConfig c = first.config();
        StringBuilder md = new StringBuilder();
        boolean stopped = !outcome.skipped().isEmpty() || runs.stream().anyMatch(r -> r.result().trainingJacobian().stoppedEarly()
                || r.result().trainingReference().stoppedEarly());
        md.append("# Jacobian regularization vs. reference under pixel noise: ").append(s.count()).append(" replicates")
                .append(stopped ? " (stopped early)" : "").append("\n\n");
        if (stopped) {
            md.append("> **⚠ The run was stopped early.** ");
            if (!outcome.skipped().isEmpty()) md.append("Seeds never started: ").append(seedList(outcome.skipped())).append(". ");
            md.append("Replicates whose training was cut short are marked in the training table; their numbers describe "
                    + "partly trained networks.\n\n");
        }
        md.append("Each replicate trains a Jacobian-regularized net (λ = ").append(Formats.number(c.penalty().lambda()))
                .append(") and a reference net from the same initial weights, with its own seed for the initial weights, "
                        + "the shuffling, the penalty directions and the test noise; the data are the same for all (")
                .append(first.environment().dataDescription()).append(", data seed ").append(c.dataSeed())
                .append("). Seeds: ").append(seedList(runs.stream().map(Replicates.Run::seed).toList())).append(". ")
                .append(outcome.jobs()).append(outcome.jobs() == 1 ? " training run" : " training runs")
                .append(" at a time, ").append(Formats.seconds(outcome.totalSeconds())).append(" in all, peak resident memory ")
                .append(PeakMemory.describe(outcome.peakResidentBytes())).append(".\n\n");
        md.append("Intervals are ").append(Math.round(s.level() * 100)).append(" % Student-t confidence intervals of the "
                + "mean over replicates (mean ± t·s/√n, n − 1 degrees of freedom). The difference is paired: "
                + "regularized − reference of the same seed, on the same noisy images.\n\n");

        md.append("## Accuracy under pixel noise\n\n");
        md.append("| noise | ").append(JACOBIAN_LABEL).append(" | ").append(REFERENCE_LABEL)
                .append(" | difference (points) | regularized ahead |\n|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < s.levels().length; i++) {
            md.append("| ").append(Formats.number(s.levels()[i] * 100)).append(" % | ")
                    .append(percentCi(s.jacobian().get(i))).append(" | ").append(percentCi(s.reference().get(i))).append(" | ")
                    .append(pointsCi(s.difference().get(i))).append(" | ").append(s.ahead()[i]).append(" of ")
                    .append(s.count()).append(" |\n");
        }
        md.append("\n![Mean accuracy against noise proportion with 95 % bands](").append(ReportWriter.ACCURACY_PNG)
                .append(")\n\n");
        md.append("Raw numbers: [").append(ReplicateReport.REPLICATES_CSV).append("](").append(ReplicateReport.REPLICATES_CSV)
                .append(") (every seed and level), [").append(ReplicateReport.SUMMARY_CSV).append("](")
                .append(ReplicateReport.SUMMARY_CSV).append(") (the table above).\n\n");

        md.append("## Accuracy per seed\n\nRegularized / reference, in %:\n\n| noise |");
        for (Replicates.Run r : runs) md.append(" seed ").append(r.seed()).append(" |");
        md.append("\n|---:|");
        md.append("---:|".repeat(runs.size())).append('\n');
        for (int i = 0; i < s.levels().length; i++) {
            md.append("| ").append(Formats.number(s.levels()[i] * 100)).append(" % |");
            for (Replicates.Run r : runs) {
                md.append(String.format(Locale.ROOT, " %.2f / %.2f |", r.result().accuracyJacobian()[i] * 100,
                        r.result().accuracyReference()[i] * 100));
            }
            md.append('\n');
        }
        md.append('\n');

        md.append("## Jacobian norm per seed\n\n");
        md.append("Mean over the clean test set of the exact squared Frobenius norm ‖J‖²_F (all outputs, inference mode). "
                + "Numbers: [").append(ReplicateReport.NORMS_CSV).append("](").append(ReplicateReport.NORMS_CSV).append(").\n\n");
        md.append("| seed | ").append(JACOBIAN_LABEL).append(" | ").append(REFERENCE_LABEL)
                .append(" | reference / regularized |\n|---:|---:|---:|---:|\n");
        for (Replicates.Run r : runs) {
            double a = r.result().jacobianNormJacobian(), b = r.result().jacobianNormReference();
            md.append("| ").append(r.seed()).append(" | ").append(Formats.scientific(a)).append(" | ")
                    .append(Formats.scientific(b)).append(" | ").append(a > 0 ? Formats.ratio(b / a) : "n/a").append(" |\n");
        }
        ConfidenceInterval na = s.norm(true), nb = s.norm(false);
        md.append("| mean ± 95 % CI | ").append(sciCi(na)).append(" | ").append(sciCi(nb)).append(" | |\n\n");

        md.append("## Training per seed\n\n| seed | net | iterations | training time | median ms / iteration | report |\n"
                + "|---:|---|---:|---:|---:|---|\n");
        for (Replicates.Run r : runs) {
            String link = "[seed-" + r.seed() + "/report.md](seed-" + r.seed() + "/" + ReportWriter.REPORT_MD + ")";
            trainingRow(md, r.seed(), JACOBIAN_LABEL, r.result().trainingJacobian(), link);
            trainingRow(md, r.seed(), REFERENCE_LABEL, r.result().trainingReference(), "");
        }
        md.append("\nEach `seed-S/` folder holds that replicate's full single-run report: its training-loss plot, "
                + "example and noise figures, accuracy table and trained weights. The training loss of the first seed: \n\n")
                .append("![Training loss of seed ").append(runs.get(0).seed()).append("](seed-").append(runs.get(0).seed())
                .append("/").append(ReportWriter.LOSS_PNG).append(")\n\n");

        List<Long> seeds = runs.stream().map(Replicates.Run::seed).toList();
        md.append(SettingsTable.render(RunSettings.of(c), Map.of(RunSetting.SEED, seedList(seeds) + " (one per replicate)"),
                replicateRows(outcome, first)));
        return md.toString();
    }

    /** The Settings rows about this study rather than its settings. */
    private static Map<String, String> replicateRows(Replicates.Outcome outcome, ExperimentResult first) {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("replicates", Integer.toString(outcome.runs().size()));
        rows.put("training runs at a time (--jobs)", Integer.toString(outcome.jobs()));
        rows.putAll(SettingsTable.runRows(first));
        rows.put("libtorch intra-op threads per worker", Integer.toString(first.environment().threads()));
        rows.put("CPU", first.environment().cpu());
        return rows;
    }

    private static void trainingRow(StringBuilder md, long seed, String net, TrainingResult t, String link) {
        md.append("| ").append(seed).append(" | ").append(net).append(" | ").append(Formats.count(t.iterations()))
                .append(t.stoppedEarly() ? " of " + Formats.count(t.plannedIterations()) + " (stopped)" : "").append(" | ")
                .append(Formats.seconds(t.totalSeconds())).append(" | ").append(Formats.millis(t.medianIterationMillis()))
                .append(" | ").append(link).append(" |\n");
    }

    private static String percentCi(ConfidenceInterval ci) {
        return Double.isNaN(ci.halfWidth()) ? String.format(Locale.ROOT, "%.2f %%", ci.mean() * 100)
                : String.format(Locale.ROOT, "%.2f ± %.2f %%", ci.mean() * 100, ci.halfWidth() * 100);
    }

    private static String pointsCi(ConfidenceInterval ci) {
        String mean = Formats.signed(ci.mean() * 100);
        return Double.isNaN(ci.halfWidth()) ? mean : mean + String.format(Locale.ROOT, " ± %.1f", ci.halfWidth() * 100);
    }

    private static String sciCi(ConfidenceInterval ci) {
        return Formats.scientific(ci.mean()) + (Double.isNaN(ci.halfWidth()) ? "" : " ± " + Formats.scientific(ci.halfWidth()));
    }

    private static String seedList(List<Long> seeds) {
        StringBuilder s = new StringBuilder();
        for (long seed : seeds) s.append(s.isEmpty() ? "" : ", ").append(seed);
        return s.toString();
    }
}
