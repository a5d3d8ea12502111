package dev.jacreg.experiment;

import dev.jacreg.train.TrainingProgress;

/** Live updates from a running experiment (called on the experiment's thread). */
public interface ExperimentListener {
    /** A new phase starts, e.g. "training Jacobian-regularized net". */
    default void phase(String description) {}

    /** One training iteration of the named net finished. */
    default void iteration(String net, TrainingProgress progress) {}

    /** A training run ended (completed or stopped). */
    default void trainingEnded(String net, dev.jacreg.train.TrainingResult result) {}

    ExperimentListener SILENT = new ExperimentListener() {};
}
