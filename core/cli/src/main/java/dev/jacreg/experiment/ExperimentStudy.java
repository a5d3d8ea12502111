package dev.jacreg.experiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What follows one run's training: its report folder (weights, tables, figures, report.md), and with a robustness plan
 * or models other than the default pair, the robustness sweeps and the models section on every trained net, written
 * into the same folder and into report.md's sections.
 */
public final class ExperimentStudy {
    private ExperimentStudy() {}

    /**
     * The files written and the robustness measurements (null when none were made).
     */
    public record Written(List<Path> files, RobustnessRun.Result robustness) {}

    /**
     * Writes the run's report into {@code config.out()}; with {@code plan} (null: none) or models other than the pair,
     * measures robustness first, on {@code pool}.
     */
    public static Written write(ExperimentConfig config, Experiment.Outcome outcome, RobustnessPlan plan,
                                ExperimentListener listener, WorkerPool pool) throws IOException {
        Path out = config.out();
        List<RobustnessRun.Result> robust = new ArrayList<>();
        List<Path> files = new ArrayList<>(new ReportWriter(out).write(outcome, () -> {
            if (!measures(plan, outcome.result())) return List.of();
            robust.add(measure(config, outcome, out, plan, listener, pool));
            return robust.get(0).sections();
        }));
        files.addAll(ReplicateReport.writeTables(out, List.of(new Replicates.Run(config.training().seed(), outcome.result()))));
        RobustnessRun.Result result = robust.isEmpty() ? null : robust.get(0);
        if (result != null) files.addAll(result.files());
        return new Written(files, result);
    }

    /** Whether anything is measured after training: a robustness plan beyond pixel replacement, or more models. */
    public static boolean measures(RobustnessPlan plan, ExperimentResult r) {
        return plan != null && plan.extra() || r.comparesModels();
    }

    /**
     * The plan's corruptions and attacks on every trained net, written into {@code folder}; with models other than the
     * pair, also their pixel-replacement table and chart and the models section (recipes, norms, times).
     */
    public static RobustnessRun.Result measure(ExperimentConfig config, Experiment.Outcome outcome, Path folder,
                                               RobustnessPlan plan, ExperimentListener listener, WorkerPool pool)
            throws IOException {
        ExperimentSpec spec = new ExperimentSpec(config);
        var testSet = spec.loadData()[1];
        ExperimentResult r = outcome.result();
        List<RobustnessSweep.Net> nets = r.models().stream().map(m -> new RobustnessSweep.Net(m.name(), m.label(),
                outcome.net(m.name()), config.dtype())).toList();
        List<SweepTable> leading = r.comparesModels() ? List.of(ModelComparison.noiseTable(r)) : List.of();
        RobustnessPlan measured = plan != null ? plan : RobustnessPlan.NONE;
        RobustnessRun.Result result;
        try (var test = spec.onDevice(testSet)) {
            result = RobustnessRun.run(measured, nets, test.images(), test.labels(), config.training().seed(),
                    config.evalChunk(), folder, listener, pool, leading);
        }
        if (!r.comparesModels()) return result;
        ModelComparison.Written models = ModelComparison.write(folder, r);
        List<Path> files = new ArrayList<>(result.files());
        files.addAll(models.files());
        List<dev.jacreg.report.Report.Section> sections = new ArrayList<>(List.of(models.section()));
        sections.addAll(result.sections());
        return new RobustnessRun.Result(result.tables(), files, sections, result.sanity());
    }
}
