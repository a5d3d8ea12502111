package dev.jacreg.experiment;

import dev.jacreg.report.Report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * {@code jacreg experiment} with several seeds: the replicates (each seed's full report in its seed-S/ folder as soon
 * as it finishes, with the robustness plan measured on its nets), then the summary report over the seeds.
 */
public final class ReplicatedStudy {
    private ReplicatedStudy() {}

    /** What was run and written. */
    public record Written(Replicates.Outcome outcome, ReplicateSummary summary, List<Path> files) {}

    /**
     * @param plan        measured on every replicate after training (null: nothing beyond pixel replacement); its
     *                    tables are then summarised over the replicates into the main report
     * @param threadsEach libtorch intra-op threads per worker (--threads, else 1)
     * @param listeners   each seed's listener
     * @param lines       progress lines (the run's start, each seed's report)
     */
    public static Written run(ExperimentConfig config, List<ModelRecipe> models, List<Long> seeds, int jobs,
                              int threadsEach, RobustnessPlan plan, LongFunction<ExperimentListener> listeners,
                              Consumer<String> lines, BooleanSupplier stopRequested) throws IOException, InterruptedException {
        Path out = config.out();
        Map<Long, List<SweepTable>> extraTables = new ConcurrentHashMap<>();
        Replicates replicates = new Replicates(config, models, seeds, jobs, threadsEach, listeners, stopRequested);
        lines.accept("running " + seeds.size() + " replicates (seeds " + seeds.toString().replaceAll("[\\[\\]]", "")
                + ") of " + models.size() + " models (" + String.join(", ", models.stream().map(ModelRecipe::name).toList())
                + "), " + replicates.jobs() + " training runs at a time (all seeds' nets in one queue), "
                + threadsEach + " libtorch thread(s) each; loading " + config.data().describe());
        // Each replicate's full report is written as soon as it finishes, so a later failure or stop loses nothing.
        Replicates.Outcome outcome = replicates.run((seed, o, pool) -> {
            Path folder = ReplicateReport.seedFolder(out, seed);
            new ReportWriter(folder).write(o, () -> {
                if (!ExperimentStudy.measures(plan, o.result())) return List.of();
                RobustnessRun.Result result = ExperimentStudy.measure(config.withSeed(seed), o, folder, plan,
                        new ExperimentListener() {}, pool);
                extraTables.put(seed, result.tables());
                return result.sections();
            });
            lines.accept("seed " + seed + ": report written to " + folder);
        });
        if (outcome.runs().isEmpty()) {
            throw new IOException("stopped before any replicate started; nothing to report");
        }
        ReplicateSummary summary = ReplicateSummary.of(outcome.runs());
        List<Path> files = new ArrayList<>();
        List<Report.Section> sections = new ArrayList<>();
        if (outcome.runs().get(0).result().comparesModels()) {
            ModelComparison.Written written = ModelComparison.writeReplicated(out, outcome.runs());
            sections.add(written.section());
            files.addAll(written.files());
        }
        if (!extraTables.isEmpty()) {
            SweepSummary.Written written = SweepSummary.write(out, new TreeMap<>(extraTables),
                    RobustnessRun.describe(plan != null ? plan : RobustnessPlan.NONE, "each replicate's seed"));
            sections.add(written.section());
            files.addAll(written.files());
        }
        files.addAll(ReplicateReport.write(out, outcome, summary, sections));
        return new Written(outcome, summary, files);
    }
}
