package dev.jacreg.train;

/**
 * One finished iteration, as shown live and recorded.
 *
 * @param iteration      1-based iteration over the whole run
 * @param totalIterations iterations the run will make if not stopped
 * @param epoch          1-based epoch
 * @param epochs         epochs planned
 * @param loss           total loss of this iteration's batch
 * @param penalty        penalty R of the batch, NaN when unpenalized
 * @param elapsedNanos   time since training started
 */
public record TrainingProgress(int iteration, int totalIterations, int epoch, int epochs, double loss, double penalty,
                               long elapsedNanos) {
    /** {@return the share of the planned iterations done, in [0, 1]} */
    public double fractionDone() {
        return (double) iteration / totalIterations;
    }

    /** {@return estimated nanoseconds left, from the mean pace so far} */
    public long etaNanos() {
        return iteration == 0 ? 0 : (long) ((double) elapsedNanos / iteration * (totalIterations - iteration));
    }
}
