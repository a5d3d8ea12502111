package dev.jacreg.experiment;

import dev.jacreg.report.Report;
import dev.jacreg.stats.ConfidenceInterval;
import dev.jacreg.train.TrainingResult;

import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;


/** The text of report.md for several replicates: summary table with intervals, per-seed tables, links; a column per model. */
final class ReplicateMarkdown {
    private ReplicateMarkdown() {}

    static Report report(Replicates.Outcome outcome, ReplicateSummary s) {
        List<Replicates.Run> runs = outcome.runs();
        ExperimentResult first = runs.get(0).result();
        ExperimentConfig c = first.config();
        List<ReplicateSummary.Model> models = s.models();
        List<ReplicateSummary.Comparison> compared = s.compared();
        List<String> intro = new ArrayList<>();
        List<Report.Section> sections = new ArrayList<>();
        StringBuilder md = new StringBuilder();
        boolean stopped = !outcome.skipped().isEmpty() || runs.stream().anyMatch(r -> r.result().models().stream()
                .anyMatch(m -> m.training().stoppedEarly()));
        String title = ReportMarkdown.title(first.models()) + " under pixel noise: " + s.count() + " replicates"
                + (stopped ? " (stopped early)" : "");
        if (stopped) {
            md.append("> **⚠ The run was stopped early.** ");
            if (!outcome.skipped().isEmpty()) md.append("Seeds never started: ").append(seedList(outcome.skipped())).append(". ");
            md.append("Replicates whose training was cut short are marked in the training table; their numbers describe "
                    + "partly trained networks.\n\n");
        }
        md.append("Each replicate trains ").append(describeModels(first)).append(" from the same initial weights, with "
                        + "its own seed for the initial weights, the shuffling, the penalty directions and the test noise; "
                        + "the data are the same for all (")
                .append(first.environment().dataDescription()).append(", data seed ").append(c.dataSeed())
                .append("). Seeds: ").append(seedList(runs.stream().map(Replicates.Run::seed).toList())).append(". ")
                .append(outcome.jobs()).append(outcome.jobs() == 1 ? " training run" : " training runs")
                .append(" at a time, ").append(Formats.seconds(outcome.totalSeconds())).append(" in all, peak resident memory ")
                .append(PeakMemory.describe(outcome.peakResidentBytes())).append(".\n\n");
        md.append("Intervals are ").append(Math.round(s.level() * 100)).append(" % Student-t confidence intervals of the "
                + "mean over replicates (mean ± t·s/√n, n − 1 degrees of freedom).");
        if (!compared.isEmpty()) {
            md.append(" The difference is paired: model − reference of the same seed, on the same noisy images.");
        }
        md.append("\n\n");

        intro.add(md.toString());
        md = new StringBuilder();
        md.append("| noise |");
        for (ReplicateSummary.Model m : models) md.append(' ').append(m.label()).append(" |");
        for (ReplicateSummary.Comparison d : compared) {
            md.append(' ').append(compared.size() == 1 ? "difference (points)" : d.label() + " − reference (points)")
                    .append(" | ").append(d.name()).append(" ahead |");
        }
        md.append("\n|---:|").append("---:|".repeat(models.size() + 2 * compared.size())).append('\n');
        for (int i = 0; i < s.levels().length; i++) {
            md.append("| ").append(Formats.number(s.levels()[i] * 100)).append(" % |");
            for (ReplicateSummary.Model m : models) md.append(' ').append(percentCi(m.accuracy().get(i))).append(" |");
            for (ReplicateSummary.Comparison d : compared) {
                md.append(' ').append(pointsCi(d.difference().get(i))).append(" | ").append(d.ahead()[i]).append(" of ")
                        .append(s.count()).append(" |");
            }
            md.append('\n');
        }
        md.append("\n![Mean accuracy against noise proportion with 95 % bands](").append(ReportWriter.ACCURACY_PNG)
                .append(")\n\n");
        md.append("Raw numbers: [").append(ReplicateReport.REPLICATES_CSV).append("](").append(ReplicateReport.REPLICATES_CSV)
                .append(") (every seed and level), [").append(ReplicateReport.SUMMARY_CSV).append("](")
                .append(ReplicateReport.SUMMARY_CSV).append(") (the table above).\n\n");

        sections.add(Report.Section.of("Accuracy under pixel noise", md.toString()));
        md = new StringBuilder();
        md.append("Per seed, ").append(String.join(" / ", models.stream().map(ReplicateSummary.Model::name).toList()))
                .append(", in %:\n\n| noise |");
        for (Replicates.Run r : runs) md.append(" seed ").append(r.seed()).append(" |");
        md.append("\n|---:|");
        md.append("---:|".repeat(runs.size())).append('\n');
        for (int i = 0; i < s.levels().length; i++) {
            md.append("| ").append(Formats.number(s.levels()[i] * 100)).append(" % |");
            for (Replicates.Run r : runs) {
                StringBuilder cell = new StringBuilder();
                for (ModelResult m : r.result().models()) {
                    cell.append(cell.isEmpty() ? "" : " / ").append(String.format(Locale.ROOT, "%.2f", m.accuracy()[i] * 100));
                }
                md.append(' ').append(cell).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');

        sections.add(Report.Section.of("Accuracy per seed", md.toString()));
        md = new StringBuilder();
        md.append("Mean over the clean test set of the exact squared Frobenius norm ‖J‖²_F (all outputs, inference mode). "
                + "Numbers: [").append(ReplicateReport.NORMS_CSV).append("](").append(ReplicateReport.NORMS_CSV).append(").\n\n");
        md.append("| seed |");
        for (ReplicateSummary.Model m : models) md.append(' ').append(m.label()).append(" |");
        for (ReplicateSummary.Comparison d : compared) md.append(" reference / ").append(d.name()).append(" |");
        md.append("\n|---:|").append("---:|".repeat(models.size() + compared.size())).append('\n');
        for (Replicates.Run r : runs) {
            md.append("| ").append(r.seed()).append(" |");
            for (ModelResult m : r.result().models()) md.append(' ').append(Formats.scientific(m.jacobianNorm())).append(" |");
            double base = r.result().baseline().map(ModelResult::jacobianNorm).orElse(Double.NaN);
            for (ModelResult m : r.result().compared()) {
                md.append(' ').append(m.jacobianNorm() > 0 ? Formats.ratio(base / m.jacobianNorm()) : "n/a").append(" |");
            }
            md.append('\n');
        }
        md.append("| mean ± 95 % CI |");
        for (ReplicateSummary.Model m : models) md.append(' ').append(sciCi(m.norm())).append(" |");
        md.append(" |".repeat(compared.size())).append("\n\n");

        sections.add(Report.Section.of("Jacobian norm per seed", md.toString()));
        md = new StringBuilder();
        md.append("| seed | net | iterations | training time | median ms / iteration | report |\n"
                + "|---:|---|---:|---:|---:|---|\n");
        for (Replicates.Run r : runs) {
            String link = "[seed-" + r.seed() + "/report.md](seed-" + r.seed() + "/" + ReportWriter.REPORT_MD + ")";
            List<ModelResult> trained = r.result().models();
            for (int k = 0; k < trained.size(); k++) {
                trainingRow(md, r.seed(), trained.get(k).label(), trained.get(k).training(), k == 0 ? link : "");
            }
        }
        md.append("\nEach `seed-S/` folder holds that replicate's full single-run report: its training-loss plot, "
                + "example and noise figures, accuracy table and trained weights. The training loss of the first seed: \n\n")
                .append("![Training loss of seed ").append(runs.get(0).seed()).append("](seed-").append(runs.get(0).seed())
                .append("/").append(ReportWriter.LOSS_PNG).append(")\n\n");

        sections.add(Report.Section.of("Training per seed", md.toString()));
        List<Long> seeds = runs.stream().map(Replicates.Run::seed).toList();
        sections.add(Report.Section.of(ReportMarkdown.SETTINGS, SettingsTable.table(RunSettings.of(c),
                Map.of(RunSetting.SEED, seedList(seeds) + " (one per replicate)"), replicateRows(outcome, first))));
        return new Report(title, intro, sections);
    }

    /** "a Jacobian-regularized net (λ = 1) and a reference net", or the models' labels. */
    private static String describeModels(ExperimentResult r) {
        if (r.names().equals(ModelCatalog.DEFAULT)) {
            return "a Jacobian-regularized net (λ = " + Formats.number(r.config().penalty().lambda()) + ") and a reference net";
        }
        List<String> labels = r.models().stream().map(ModelResult::label).toList();
        return labels.size() + " nets (" + String.join(", ", labels) + ")";
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
