package dev.jacreg.experiment;

import java.util.List;

/**
 * One robustness curve per net against one strength parameter (a corruption's level or an attack's ε), as written to
 * {@code <name>.csv} and {@code <name>.png}.
 *
 * @param name        file stem, e.g. "attack-fgsm" or "accuracy-gaussian"
 * @param levelColumn first CSV column, e.g. "epsilon" or "sigma"
 * @param axisLabel   x-axis label of the chart
 * @param title       heading and chart title
 * @param columns     CSV column suffix per net ({@code accuracy_<column>})
 * @param labels      legend name per net
 * @param accuracies  per net, the accuracy (fraction) at each level
 */
public record SweepTable(String name, String levelColumn, String axisLabel, String title, double[] levels,
                         List<String> columns, List<String> labels, List<double[]> accuracies) {
    public SweepTable {
        if (columns.size() != accuracies.size() || labels.size() != accuracies.size()) {
            throw new IllegalArgumentException("one column, label and accuracy row per net");
        }
        for (double[] a : accuracies) {
            if (a.length != levels.length) throw new IllegalArgumentException("one accuracy per level");
        }
        levels = levels.clone();
        columns = List.copyOf(columns);
        labels = List.copyOf(labels);
        accuracies = List.copyOf(accuracies);
    }
}
