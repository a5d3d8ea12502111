package dev.jacreg.experiment;

import dev.jacreg.stats.ConfidenceInterval;

import java.util.ArrayList;
import java.util.List;

/**
 * The replicates' accuracies summarised per noise level: for every model, the mean and Student-t confidence interval of
 * its accuracy; for every model compared with the baseline ({@link ExperimentResult#compared}), the paired difference
 * (model − baseline, same seed, same noisy images) and how often it was ahead. Accuracies are fractions.
 *
 * @param levels   noise proportions
 * @param models   one summary per model, in --models order
 * @param compared one comparison per model other than the baseline; empty without a baseline
 */
public record ReplicateSummary(List<Replicates.Run> runs, double[] levels, List<Model> models, List<Comparison> compared,
                               double level) {
    public static final double CONFIDENCE = 0.95;

    /**
     * One model over the replicates.
     *
     * @param accuracy per level, its accuracy
     * @param norm     its exact mean squared Jacobian norm
     */
    public record Model(ModelRecipe recipe, List<ConfidenceInterval> accuracy, ConfidenceInterval norm) {
        public String name() {
            return recipe.name();
        }

        public String label() {
            return recipe.label();
        }
    }

    /**
     * One model against the baseline, paired by seed.
     *
     * @param difference per level, model − baseline
     * @param ahead      per level, how many replicates had the model strictly more accurate
     */
    public record Comparison(ModelRecipe recipe, List<ConfidenceInterval> difference, int[] ahead) {
        public String name() {
            return recipe.name();
        }

        public String label() {
            return recipe.label();
        }
    }

    public static ReplicateSummary of(List<Replicates.Run> runs) {
        if (runs.isEmpty()) throw new IllegalArgumentException("no finished replicates to summarise");
        ExperimentResult first = runs.get(0).result();
        double[] levels = first.noiseLevels();
        List<Model> models = new ArrayList<>();
        for (ModelResult m : first.models()) {
            List<ConfidenceInterval> accuracy = new ArrayList<>();
            for (int i = 0; i < levels.length; i++) accuracy.add(ConfidenceInterval.of(accuracies(runs, m.name(), i), CONFIDENCE));
            double[] norms = runs.stream().mapToDouble(r -> r.result().model(m.name()).jacobianNorm()).toArray();
            models.add(new Model(m.recipe(), List.copyOf(accuracy), ConfidenceInterval.of(norms, CONFIDENCE)));
        }
        List<Comparison> compared = new ArrayList<>();
        for (ModelResult m : first.compared()) {
            List<ConfidenceInterval> difference = new ArrayList<>();
            int[] ahead = new int[levels.length];
            for (int i = 0; i < levels.length; i++) {
                double[] a = accuracies(runs, m.name(), i), b = accuracies(runs, ExperimentResult.BASELINE, i);
                for (int k = 0; k < a.length; k++) if (a[k] > b[k]) ahead[i]++;
                difference.add(ConfidenceInterval.paired(a, b, CONFIDENCE));
            }
            compared.add(new Comparison(m.recipe(), List.copyOf(difference), ahead));
        }
        return new ReplicateSummary(List.copyOf(runs), levels, List.copyOf(models), List.copyOf(compared), CONFIDENCE);
    }

    /** Every replicate's accuracy of one model at one level, in run order. */
    private static double[] accuracies(List<Replicates.Run> runs, String model, int level) {
        return runs.stream().mapToDouble(r -> r.result().model(model).accuracy()[level]).toArray();
    }

    public int count() {
        return runs.size();
    }
}
