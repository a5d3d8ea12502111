package dev.jacreg.experiment;

import dev.jacreg.stats.ConfidenceInterval;

import java.util.List;

/**
 * The replicates' accuracies summarised per noise level: mean and Student-t confidence interval of each net's
 * accuracy and of the paired difference (regularized − reference, same seed, same noisy images), and how often
 * the regularized net was ahead. Accuracies are fractions.
 *
 * @param levels     noise proportions
 * @param jacobian   per level, the regularized net's accuracy
 * @param reference  per level, the reference net's accuracy
 * @param difference per level, regularized − reference, paired by seed
 * @param ahead      per level, how many replicates had the regularized net strictly more accurate
 */
public record ReplicateSummary(List<Replicates.Run> runs, double[] levels, List<ConfidenceInterval> jacobian,
                               List<ConfidenceInterval> reference, List<ConfidenceInterval> difference, int[] ahead,
                               double level) {
    public static final double CONFIDENCE = 0.95;

    public static ReplicateSummary of(List<Replicates.Run> runs) {
        if (runs.isEmpty()) throw new IllegalArgumentException("no finished replicates to summarise");
        double[] levels = runs.get(0).result().noiseLevels();
        int n = runs.size();
        List<ConfidenceInterval> jacobian = new java.util.ArrayList<>(), reference = new java.util.ArrayList<>(),
                difference = new java.util.ArrayList<>();
        int[] ahead = new int[levels.length];
        for (int i = 0; i < levels.length; i++) {
            double[] a = new double[n], b = new double[n];
            for (int k = 0; k < n; k++) {
                a[k] = runs.get(k).result().accuracyJacobian()[i];
                b[k] = runs.get(k).result().accuracyReference()[i];
                if (a[k] > b[k]) ahead[i]++;
            }
            jacobian.add(ConfidenceInterval.of(a, CONFIDENCE));
            reference.add(ConfidenceInterval.of(b, CONFIDENCE));
            difference.add(ConfidenceInterval.paired(a, b, CONFIDENCE));
        }
        return new ReplicateSummary(List.copyOf(runs), levels, List.copyOf(jacobian), List.copyOf(reference),
                List.copyOf(difference), ahead, CONFIDENCE);
    }

    public int count() {
        return runs.size();
    }

    /** Mean and interval of the exact mean squared Jacobian norm of one net over the replicates. */
    public ConfidenceInterval norm(boolean regularized) {
        double[] v = runs.stream().mapToDouble(r -> regularized ? r.result().jacobianNormJacobian()
                : r.result().jacobianNormReference()).toArray();
        return ConfidenceInterval.of(v, level);
    }
}
