package dev.jacreg.train;

import dev.jacreg.nn.Module;
import dev.jacreg.optim.Optimizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Hooks into a {@link Fit} run, called on the training thread: after every batch and after every epoch (after the
 * epoch's validation). {@link FitCallbacks} has progress lines, early stopping and checkpoints.
 */
public interface FitCallback {
    /**
     * After each batch's update.
     *
     * @param control the run
     * @param epoch the epoch, 1-based
     * @param batch the batch within the epoch, 1-based
     * @param loss the batch's total loss
     */
    default void onBatchEnd(Control control, int epoch, int batch, double loss) {}

    /**
     * After each epoch, its record complete. An exception here ends the run (the epoch's update stays).
     *
     * @param control the run
     * @param record what the epoch did
     * @throws IOException when the callback cannot write what it writes (the run ends with it)
     */
    default void onEpochEnd(Control control, EpochRecord record) throws IOException {}

    /**
     * The callback's state after the epoch that just ended, saved in checkpoints so that a run resumed from one hands it
     * back to {@link #restoreState} and the callback goes on as if uninterrupted (early stopping keeps its best loss and
     * patience count). Keys and values are free text, stored as checkpoint metadata; empty (the default) for a
     * stateless callback.
     *
     * @return the state by key, empty when there is none
     */
    default Map<String, String> saveState() {
        return Map.of();
    }

    /**
     * Resuming from a checkpoint, before the first epoch: the state {@link #saveState} returned when the checkpoint was
     * written (empty when it holds none for this callback, e.g. written by a run without it). The callback may call
     * {@link Control#requestStop()} here to end the run before it trains, as the uninterrupted run ended there.
     *
     * @param control the run, as {@link #onEpochEnd} sees it
     * @param state   the saved state by key
     * @throws IllegalArgumentException when the state cannot be read (the run then fails before anything changes)
     */
    default void restoreState(Control control, Map<String, String> state) {}

    /** What a callback may see and do. */
    interface Control {
        /** {@return the model being trained} */
        Module model();

        /** {@return its optimiser} */
        Optimizer optimizer();

        /** {@return the run's seed (checkpoints record it)} */
        long seed();

        /** {@return the number of epochs the run plans} */
        int epochs();

        /** Ends the run after the current epoch (or, from {@link #onBatchEnd}, after the current batch). */
        void requestStop();

        /**
         * Writes a {@link Checkpoint} of the epoch that just ended to {@code file}, once every callback has seen the
         * epoch, so that the checkpoint holds each callback's {@link #saveState} of that epoch and a stop it requested.
         * Only from {@link #onEpochEnd}; the parent directory must exist.
         *
         * @param file the checkpoint file, replaced atomically when it exists
         * @throws IllegalStateException when called outside {@link #onEpochEnd}
         */
        void saveCheckpoint(Path file);
    }
}
