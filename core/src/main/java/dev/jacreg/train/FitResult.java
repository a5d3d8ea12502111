package dev.jacreg.train;

import java.util.List;

/**
 * The outcome of {@link Fit#run()}.
 *
 * @param epochs     the epochs this run trained, in order (a resumed run starts after its checkpoint's epoch)
 * @param firstEpoch the first epoch this run trained (1, or the checkpoint's epoch + 1)
 * @param stopped    whether a stop request or a callback ended the run before its last planned epoch
 * @param steps      the optimiser's update count at the end, including a resumed run's earlier steps
 */
public record FitResult(List<EpochRecord> epochs, int firstEpoch, boolean stopped, long steps) {
    /** Copies the list. */
    public FitResult {
        epochs = List.copyOf(epochs);
    }

    /** {@return the last epoch's record, or null when no epoch finished} */
    public EpochRecord last() {
        return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
    }
}
