package dev.jacreg.experiment;

import dev.jacreg.train.TrainingProgress;

/** Live updates from a running experiment (from its threads, one call at a time: see {@link #synchronizedView}). */
public interface ExperimentListener {
    /** A new phase starts, e.g. "training Jacobian-regularized net". */
    default void phase(String description) {}

    /** One training iteration of the named net finished. */
    default void iteration(String net, TrainingProgress progress) {}

    /** A training run ended (completed or stopped). */
    default void trainingEnded(String net, dev.jacreg.train.TrainingResult result) {}

    ExperimentListener SILENT = new ExperimentListener() {};

    /** A view that passes calls from several threads on one at a time, so {@code inner} need not be thread-safe. */
    static ExperimentListener synchronizedView(ExperimentListener inner) {
        Object lock = new Object();
        return new ExperimentListener() {
            @Override
            public void phase(String description) {
                synchronized (lock) {
                    inner.phase(description);
                }
            }

            @Override
            public void iteration(String net, TrainingProgress progress) {
                synchronized (lock) {
                    inner.iteration(net, progress);
                }
            }

            @Override
            public void trainingEnded(String net, dev.jacreg.train.TrainingResult result) {
                synchronized (lock) {
                    inner.trainingEnded(net, result);
                }
            }
        };
    }
}
