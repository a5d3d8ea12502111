package dev.jacreg.train;

import java.util.Map;

/**
 * What one epoch of {@link Fit} did.
 *
 * @param epoch              1-based
 * @param learningRate       the rate of the epoch's first step (from the schedule)
 * @param loss               the mean over the epoch's batches of the total loss
 * @param terms              the mean of each loss term by its {@link LossTerm#name() name}, in the loss's order
 * @param batches            the batches trained on (fewer than planned when the run was stopped mid-epoch)
 * @param validationLoss     the mean cross-entropy on the validation set, or NaN without one
 * @param validationAccuracy the share of the validation set classified correctly, or NaN without one
 */
public record EpochRecord(int epoch, double learningRate, double loss, Map<String, Double> terms, int batches,
                          double validationLoss, double validationAccuracy) {
    /** Copies the map of terms. */
    public EpochRecord {
        terms = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(terms));  // keeps the loss's order
    }

    /** {@return whether the epoch was evaluated on a validation set} */
    public boolean validated() {
        return !Double.isNaN(validationAccuracy);
    }
}
