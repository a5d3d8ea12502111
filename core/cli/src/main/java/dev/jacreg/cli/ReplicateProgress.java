package dev.jacreg.cli;

import dev.jacreg.experiment.Experiment;
import dev.jacreg.experiment.ExperimentListener;
import dev.jacreg.train.TrainingProgress;
import dev.jacreg.train.TrainingResult;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of concurrent replicates on stderr, as whole lines (a live redrawn line would be fought over by the
 * threads): one when a replicate starts, one when each of its nets finishes training, and one every 10 % of all
 * the training iterations of the run. Safe to call from every worker thread.
 */
final class ReplicateProgress {
    private final PrintStream err;
    private final int replicates;
    private final long start = System.nanoTime();
    private long iterations;
    private int lastTenth;
    private int netsDone;
    private final int models;

    ReplicateProgress(PrintStream err, int replicates) {
        this(err, replicates, 2);
    }

    /** @param models nets trained per replicate */
    ReplicateProgress(PrintStream err, int replicates, int models) {
        this.err = err;
        this.replicates = replicates;
        this.models = models;
    }

    /** The listener of the replicate with this seed. */
    ExperimentListener forSeed(long seed) {
        return new ExperimentListener() {
            private boolean started;

            @Override
            public void phase(String description) {
                if (!started) {
                    started = true;
                    line("seed " + seed + ": started on " + Thread.currentThread().getName());
                }
            }

            @Override
            public void iteration(String net, TrainingProgress progress) {
                step(progress.totalIterations());
            }

            @Override
            public void trainingEnded(String net, TrainingResult result) {
                String name = net.equals(Experiment.JACOBIAN) ? "regularized net"
                        : net.equals(Experiment.REFERENCE) ? "reference net" : net + " net";
                synchronized (ReplicateProgress.this) {
                    netsDone++;
                    line(String.format(Locale.ROOT, "seed %d: %s trained, %d of %d iterations%s in %.1f s "
                                    + "(median %.1f ms); %d of %d nets done", seed, name, result.iterations(),
                            result.plannedIterations(), result.stoppedEarly() ? " (stopped)" : "", result.totalSeconds(),
                            result.medianIterationMillis(), netsDone, models * replicates));
                }
            }
        };
    }

    /** Counts one iteration of a net planned for {@code planned}; every net of the run plans the same. */
    private synchronized void step(int planned) {
        iterations++;
        long total = (long) models * replicates * planned;
        int tenth = (int) (iterations * 10 / Math.max(1, total));
        if (tenth > lastTenth && tenth < 10) {
            lastTenth = tenth;
            line(String.format(Locale.ROOT, "training: %d %% of all iterations, %.0f s elapsed", tenth * 10,
                    (System.nanoTime() - start) / 1e9));
        }
    }

    synchronized void line(String text) {
        err.println(text);
        err.flush();
    }
}
