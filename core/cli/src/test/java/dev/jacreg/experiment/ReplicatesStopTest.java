package dev.jacreg.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.DType;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.TrainingConfig;
import dev.jacreg.train.TrainingProgress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stop request during replicates keeps what was trained: the running replicate is reported, the rest skipped. */
class ReplicatesStopTest {
    @TempDir
    Path dir;

    @Test
    void stopKeepsTheRunningReplicateAndSkipsTheOthers() throws Exception {
        ExperimentConfig config = new ExperimentConfig(TrainingConfig.builder().epochs(1).build(), JacobianPenalty.reference(),
                new DataSource.Synthetic(200, 50, dir.resolve("cache")), dir.resolve("out"), new double[]{0, 0.3}, 0.15, 50,
                DType.FLOAT32, 0);
        AtomicInteger iterations = new AtomicInteger();
        ExperimentListener counter = new ExperimentListener() {
            @Override
            public void iteration(String net, TrainingProgress progress) {
                iterations.incrementAndGet();
            }
        };
        List<Long> handed = new ArrayList<>();
        // One worker: seed 0 runs first and is stopped after 2 iterations; seeds 1 and 2 never start.
        Replicates replicates = new Replicates(config, List.of(0L, 1L, 2L), 1, 1, seed -> counter,
                () -> iterations.get() >= 2);
        Replicates.Outcome outcome = replicates.run((seed, o, pool) -> handed.add(seed));

        assertEquals(List.of(0L), handed);
        assertEquals(1, outcome.runs().size());
        assertEquals(List.of(1L, 2L), outcome.skipped());
        ExperimentResult r = outcome.runs().get(0).result();
        assertTrue(r.model(Experiment.JACOBIAN).training().stoppedEarly());
        assertEquals(2, r.model(Experiment.JACOBIAN).training().iterations());
        assertEquals(2, r.model(Experiment.JACOBIAN).accuracy().length, "the partly trained nets are still evaluated");

        List<Path> files = ReplicateReport.write(config.out(), outcome, ReplicateSummary.of(outcome.runs()));
        for (Path f : files) assertTrue(Files.isRegularFile(f), f.toString());
        String report = Files.readString(config.out().resolve(ReportWriter.REPORT_MD));
        assertTrue(report.contains("(stopped early)") && report.contains("Seeds never started: 1, 2"), report);
        assertTrue(report.contains("in all, peak resident memory " + PeakMemory.describe(outcome.peakResidentBytes()) + "."),
                report);
        assertEquals(3, Files.readAllLines(config.out().resolve(ReplicateReport.REPLICATES_CSV)).size());
    }

    @Test
    void badArgumentsAreRejected() {
        ExperimentConfig config = ExperimentConfig.reference();
        assertThrows(IllegalArgumentException.class, () -> new Replicates(config, List.of(), 1, 1, s -> null, () -> false));
        assertThrows(IllegalArgumentException.class, () -> new Replicates(config, List.of(1L, 1L), 1, 1, s -> null, () -> false));
        assertThrows(IllegalArgumentException.class, () -> new Replicates(config, List.of(1L), 0, 1, s -> null, () -> false));
        assertThrows(IllegalArgumentException.class, () -> new Replicates(config, List.of(1L), 1, 0, s -> null, () -> false));
    }
}
