package dev.jacreg.experiment;

import dev.jacreg.train.IterationDiagnostics;
import dev.jacreg.train.TrainingResult;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The per-iteration diagnostics columns of training-loss.csv ({@link IterationDiagnostics}), named
 * {@code <metric>_<net>} like the loss columns: cross_entropy, grad_norm_ce, grad_norm_penalty, grad_norm_total,
 * param_norm, one {@code <layer>_min_var} per batch-norm layer (bn1_min_var, bn2_min_var, bn3_min_var for the seed
 * network), mean_max_prob, mean_logit_norm, lr, lambda.
 */
public final class DiagnosticsColumns {
    private DiagnosticsColumns() {}

    /** One column: its metric name and how to read it from an iteration's diagnostics. */
    private record Column(String metric, ToDoubleFunction<IterationDiagnostics> value) {}

    /** The columns for nets whose batch-norm layers are named as given. */
    private static List<Column> columns(List<String> batchNorms) {
        List<Column> columns = new ArrayList<>(List.of(
                new Column("cross_entropy", IterationDiagnostics::crossEntropy),
                new Column("grad_norm_ce", IterationDiagnostics::gradNormCrossEntropy),
                new Column("grad_norm_penalty", IterationDiagnostics::gradNormPenalty),
                new Column("grad_norm_total", IterationDiagnostics::gradNormTotal),
                new Column("param_norm", IterationDiagnostics::parameterNorm)));
        for (String bn : batchNorms) {
            columns.add(new Column(bn + "_min_var", d -> d.batchNormMinVariance().getOrDefault(bn, Double.NaN)));
        }
        columns.add(new Column("mean_max_prob", IterationDiagnostics::meanMaxProbability));
        columns.add(new Column("mean_logit_norm", IterationDiagnostics::meanLogitNorm));
        columns.add(new Column("lr", IterationDiagnostics::learningRate));
        columns.add(new Column("lambda", IterationDiagnostics::lambda));
        return columns;
    }

    /** The metric names, in column order, for the given batch-norm layer names. */
    public static List<String> metrics(List<String> batchNorms) {
        return columns(batchNorms).stream().map(Column::metric).toList();
    }

    /**
     * Batch-norm layer names of the first net that recorded diagnostics, or null when none did (then the table gets
     * no diagnostics columns).
     */
    static List<String> batchNormNames(List<TrainingResult> runs) {
        for (TrainingResult r : runs) {
            if (r.hasDiagnostics()) return List.copyOf(r.diagnostics().get(0).batchNormMinVariance().keySet());
        }
        return null;
    }

    /** Appends ",<metric>_<net>" for every column. */
    static void appendHeader(StringBuilder csv, String net, List<String> batchNorms) {
        for (String metric : metrics(batchNorms)) csv.append(',').append(metric).append('_').append(net);
    }

    /** Appends one iteration's cells (empty where the run has no diagnostics for it or a value is not finite). */
    static void appendRow(StringBuilder csv, TrainingResult run, int iteration, List<String> batchNorms) {
        IterationDiagnostics d = iteration < run.diagnostics().size() ? run.diagnostics().get(iteration) : null;
        for (Column c : columns(batchNorms)) csv.append(',').append(d == null ? "" : Formats.cell(c.value().applyAsDouble(d)));
    }
}
