package dev.jacreg.train;

import dev.jacreg.nn.Module;
import dev.jacreg.optim.Optimizer;

import java.io.IOException;

/**
 * Hooks into a {@link Fit} run, called on the training thread: after every batch and after every epoch (after the
 * epoch's validation). {@link FitCallbacks} has progress lines, early stopping and checkpoints.
 */
public interface FitCallback {
    /** After each batch's update; {@code loss} is its total loss. */
    default void onBatchEnd(Control control, int epoch, int batch, double loss) {}

    /** After each epoch, its record complete. An exception here ends the run (the epoch's update stays). */
    default void onEpochEnd(Control control, EpochRecord record) throws IOException {}

    /** What a callback may see and do. */
    interface Control {
        /** The model being trained. */
        Module model();

        /** Its optimiser. */
        Optimizer optimizer();

        /** The run's seed (checkpoints record it). */
        long seed();

        /** The number of epochs the run plans. */
        int epochs();

        /** Ends the run after the current epoch (or, from {@link #onBatchEnd}, after the current batch). */
        void requestStop();
    }
}
