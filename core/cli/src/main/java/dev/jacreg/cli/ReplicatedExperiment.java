package dev.jacreg.cli;

import dev.jacreg.experiment.Experiment;
import dev.jacreg.experiment.ExperimentConfig;
import dev.jacreg.experiment.ModelCatalog;
import dev.jacreg.experiment.ModelComparison;
import dev.jacreg.experiment.ModelRecipe;
import dev.jacreg.experiment.ReplicateReport;
import dev.jacreg.experiment.ReplicateSummary;
import dev.jacreg.experiment.Replicates;
import dev.jacreg.experiment.ReportWriter;
import dev.jacreg.experiment.SweepReport;
import dev.jacreg.experiment.SweepSummary;
import dev.jacreg.experiment.SweepTable;
import dev.jacreg.experiment.WorkerPool;
import dev.jacreg.stats.ConfidenceInterval;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** {@code jacreg experiment} with several seeds: the replicates, their report and the summary on stdout. */
final class ReplicatedExperiment {
    private ReplicatedExperiment() {}

    /**
     * @param threadsEach libtorch intra-op threads per replicate (--threads, else 1)
     */
    static int run(JacregCli cli, ExperimentConfig config, List<Long> seeds, int jobs, int threadsEach)
            throws IOException, InterruptedException {
        return run(cli, config, ModelCatalog.parse(ModelCatalog.DEFAULT, config.penalty()), seeds, jobs, threadsEach, null, "");
    }

    /** Extra measurements on one replicate's trained nets, written into its folder; returns their tables. */
    interface Extra {
        List<SweepTable> run(long seed, Experiment.Outcome outcome, Path folder, WorkerPool pool) throws IOException;
    }

    /**
     * As above, with {@code extra} (may be null) run on every replicate after its report; its tables are then
     * summarised over the replicates into the main report, described by {@code extraDescription}.
     */
    static int run(JacregCli cli, ExperimentConfig config, List<ModelRecipe> models, List<Long> seeds, int jobs,
                   int threadsEach, Extra extra, String extraDescription) throws IOException, InterruptedException {
        Path out = config.out();
        Map<Long, List<SweepTable>> extraTables = new ConcurrentHashMap<>();
        ReplicateProgress progress = new ReplicateProgress(cli.err, seeds.size(), models.size());
        Replicates replicates = new Replicates(config, models, seeds, jobs, threadsEach, progress::forSeed, cli.stopRequested);
        progress.line("running " + seeds.size() + " replicates (seeds " + seeds.toString().replaceAll("[\\[\\]]", "")
                + ") of " + models.size() + " models (" + String.join(", ", models.stream().map(ModelRecipe::name).toList())
                + "), " + replicates.jobs() + " training runs at a time (all seeds' nets in one queue), "
                + threadsEach + " libtorch thread(s) each; loading " + config.data().describe());
        // Each replicate's full report is written as soon as it finishes, so a later failure or stop loses nothing.
        Replicates.Outcome outcome = replicates.run((seed, o, pool) -> {
            new ReportWriter(ReplicateReport.seedFolder(out, seed)).write(o);
            if (extra != null) extraTables.put(seed, extra.run(seed, o, ReplicateReport.seedFolder(out, seed), pool));
            progress.line("seed " + seed + ": report written to " + ReplicateReport.seedFolder(out, seed));
        });
        if (outcome.runs().isEmpty()) {
            throw new IOException("stopped before any replicate started; nothing to report");
        }
        ReplicateSummary summary = ReplicateSummary.of(outcome.runs());
        List<Path> files = new ArrayList<>(ReplicateReport.write(out, outcome, summary));
        String section = "";
        if (models.size() > 2) {
            ModelComparison.Written written = ModelComparison.writeReplicated(out, outcome.runs());
            section = written.markdown();
            files.addAll(written.files());
        }
        if (!extraTables.isEmpty()) {
            SweepSummary.Written written = SweepSummary.write(out, new TreeMap<>(extraTables), extraDescription);
            section += written.markdown();
            files.addAll(written.files());
        }
        if (!section.isEmpty()) SweepReport.insertIntoReport(out.resolve(ReportWriter.REPORT_MD), section);
        printSummary(cli.out, outcome, summary, out, files);
        return JacregCli.OK;
    }

    static void printSummary(PrintStream out, Replicates.Outcome outcome, ReplicateSummary s, Path dir, List<Path> files) {
        if (!outcome.skipped().isEmpty()) {
            out.println("STOPPED EARLY: seeds never started: " + outcome.skipped());
        }
        out.printf(Locale.ROOT, "%d replicates (seeds %s), mean ± 95 %% confidence interval:%n", s.count(),
                outcome.runs().stream().map(r -> Long.toString(r.seed())).toList());
        out.println("noise   Jacobian          Reference         difference (points)  Jacobian ahead");
        for (int i = 0; i < s.levels().length; i++) {
            out.printf(Locale.ROOT, "%5.2f   %-16s  %-16s  %-19s  %d of %d%n", s.levels()[i], pct(s.jacobian().get(i)),
                    pct(s.reference().get(i)), points(s.difference().get(i)), s.ahead()[i], s.count());
        }
        for (Replicates.Run r : outcome.runs()) {
            out.printf(Locale.ROOT, "seed %d: mean squared Jacobian norm (exact, clean test set) Jacobian %.6g, reference %.6g%s%n",
                    r.seed(), r.result().jacobianNormJacobian(), r.result().jacobianNormReference(),
                    r.result().trainingJacobian().stoppedEarly() || r.result().trainingReference().stoppedEarly()
                            ? " (stopped early)" : "");
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
