package dev.jacreg.experiment;

import dev.jacreg.report.MarkdownWriter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.DType;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.TrainingConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reports' Settings sections, from a real (immediately stopped) experiment: the single run's shows every
 * {@link RunSetting}, and the replicate summary's has every row the run's has, so a summary says whether the
 * stabilised loop (schedule, clipping), warm-up or another estimator was on.
 */
class SettingsTableTest {
    @TempDir
    Path dir;

    @Test
    void theReplicateSummaryShowsEverySettingOfTheRunReport() throws Exception {
        TrainingConfig training = TrainingConfig.builder().epochs(3).seed(7).build().withStabilisation()
                .withPenaltyWarmupEpochs(1);
        ExperimentConfig config = new ExperimentConfig(training,
                JacobianPenalty.reference().withEstimator(JacobianPenalty.Estimator.FINITE_DIFFERENCE).withEvery(2),
                new DataSource.Synthetic(64, 32, dir.resolve("cache")), dir.resolve("out"), new double[]{0, 0.3}, 0.15,
                50, DType.FLOAT32, 0, new RobustSettings(0.05, 3, 2));
        try (Experiment.Outcome outcome = new Experiment(config, new ExperimentListener() {}, () -> true).run()) {
            ExperimentResult r = outcome.result();
            Map<String, String> run = settingsRows(MarkdownWriter.render(ReportMarkdown.report(r, List.of())));
            List<Replicates.Run> runs = List.of(new Replicates.Run(7, r));
            Map<String, String> replicates = settingsRows(MarkdownWriter.render(ReplicateMarkdown.report(
                    new Replicates.Outcome(runs, List.of(), 1, 1.0, OptionalLong.empty()), ReplicateSummary.of(runs))));

            List<String> missing = new ArrayList<>(run.keySet());
            missing.removeAll(replicates.keySet());
            assertEquals(List.of(), missing, "rows of the run report's Settings missing from the replicate summary's");
            for (RunSetting<?> s : RunSetting.ALL) assertTrue(run.containsKey(s.description()), s.key());

            // What the summary could not say before, in words a reader checks against the options given.
            assertEquals("step:2,3:0.1", replicates.get("learning-rate schedule"));
            assertEquals("5", replicates.get("gradient clipping (max L2 norm)"));
            assertEquals("1 epoch", replicates.get("penalty warm-up"));
            assertTrue(replicates.get("penalty estimator").startsWith("finite differences"), replicates.toString());
            assertTrue(replicates.get("penalty computed on").startsWith("one step in 2 "), replicates.toString());
            assertEquals("0.05", replicates.get(RunSetting.ROBUST_EPSILON.description()));
            assertEquals("3, each of 2.5·ε/3", replicates.get(RunSetting.ROBUST_STEPS.description()));
            assertEquals("2", replicates.get(RunSetting.TRADES_BETA.description()));
            assertEquals("7 (one per replicate)", replicates.get("seed"));
            assertEquals("7", run.get("seed"));
        }
    }

    /** The rows (name to value) of a report's "## Settings" table. */
    private static Map<String, String> settingsRows(String report) {
        Map<String, String> rows = new LinkedHashMap<>();
        List<String> lines = report.lines().toList();
        int i = lines.indexOf("## " + ReportMarkdown.SETTINGS);
        assertTrue(i >= 0, "a Settings section");
        for (i += 4; i < lines.size() && lines.get(i).startsWith("| "); i++) {  // past heading, blank, header, rule
            String[] cells = lines.get(i).substring(2, lines.get(i).length() - 2).split(" \\| ", 2);
            assertEquals(2, cells.length, lines.get(i));
            assertTrue(rows.put(cells[0], cells[1]) == null, "row " + cells[0] + " twice");
        }
        assertTrue(rows.size() > RunSetting.ALL.size(), rows.toString());
        return rows;
    }
}
