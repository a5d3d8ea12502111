package dev.jacreg.train;

/**
 * What a training run did.
 *
 * @param losses          total loss per completed iteration
 * @param penalties       penalty R per completed iteration (NaN when unpenalized)
 * @param iterationNanos  wall time of each completed iteration
 * @param plannedIterations iterations the run would have made without a stop
 * @param stoppedEarly    whether a stop request ended it before the plan
 * @param diagnostics     per completed iteration when {@link TrainingConfig#diagnostics()} was on, else empty
 */
public record TrainingResult(double[] losses, double[] penalties, long[] iterationNanos, int plannedIterations,
                             boolean stoppedEarly, java.util.List<IterationDiagnostics> diagnostics) {
    /** Copies the diagnostics list. */
    public TrainingResult {
        diagnostics = java.util.List.copyOf(diagnostics);
    }

    /**
     * A result without diagnostics.
     *
     * @param losses total loss per completed iteration
     * @param penalties penalty R per completed iteration (NaN when unpenalized)
     * @param iterationNanos wall time of each completed iteration
     * @param plannedIterations iterations the run would have made without a stop
     * @param stoppedEarly whether a stop request ended it before the plan
     */
    public TrainingResult(double[] losses, double[] penalties, long[] iterationNanos, int plannedIterations,
                          boolean stoppedEarly) {
        this(losses, penalties, iterationNanos, plannedIterations, stoppedEarly, java.util.List.of());
    }

    /** {@return whether diagnostics were recorded} */
    public boolean hasDiagnostics() {
        return !diagnostics.isEmpty();
    }

    /** {@return the number of completed iterations} */
    public int iterations() {
        return losses.length;
    }

    /** {@return the median wall time of an iteration in milliseconds, NaN when none completed} */
    public double medianIterationMillis() {
        if (iterationNanos.length == 0) return Double.NaN;
        long[] sorted = iterationNanos.clone();
        java.util.Arrays.sort(sorted);
        int mid = sorted.length / 2;
        double median = sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
        return median / 1e6;
    }

    /** {@return the summed wall time of all iterations in seconds} */
    public double totalSeconds() {
        long sum = 0;
        for (long n : iterationNanos) sum += n;
        return sum / 1e9;
    }
}
