package dev.jacreg.cli;

import dev.jacreg.experiment.ReportWriter;
import dev.jacreg.train.NonFiniteLossException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * After a run diverged: the loss table (with diagnostics, when recorded) of its finite iterations, under a name of
 * its own ({@code NAME-diverged-training-loss.csv}) so no output of an earlier good run is replaced.
 */
final class DivergedRun {
    static final String SUFFIX = "-diverged-" + ReportWriter.LOSS_CSV;

    private DivergedRun() {}

    /** Writes the table for e's net (given, or e's own name) into out; a write failure is reported, not thrown. */
    static void writeLossTable(Path out, NonFiniteLossException e, String net, boolean penalized, int epochs,
                               PrintStream err) {
        String name = net != null ? net : e.net() != null ? e.net() : "net";
        Path file = out.resolve(name + SUFFIX);
        int perEpoch = Math.max(1, e.completed().plannedIterations() / Math.max(1, epochs));
        try {
            ReportWriter.writeTrainingLossCsv(file, List.of(new ReportWriter.NetLoss(name, name, e.completed(), penalized)),
                    perEpoch);
            err.println("jacreg: wrote " + file.toAbsolutePath() + " (the " + e.completed().iterations()
                    + " finite iterations before the failure)");
        } catch (IOException | RuntimeException failure) {
            err.println("jacreg: could not write " + file + ": " + failure.getMessage());
        }
        err.flush();
    }
}
