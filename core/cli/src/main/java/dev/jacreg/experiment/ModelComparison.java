package dev.jacreg.experiment;

import dev.jacreg.data.Corruption;
import dev.jacreg.io.AtomicFile;
import dev.jacreg.report.Report;
import dev.jacreg.stats.ConfidenceInterval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report pieces of an experiment whose models are other than the default pair (--models): the
 * pixel-replacement sweep of every model as a {@link SweepTable} (so it is written, plotted and summarised over
 * replicates like the other corruptions), and each model's recipe, exact Jacobian norm and training time
 * ({@value #MODELS_CSV}; over replicates {@value #MODELS_REPLICATES_CSV} and {@value #MODELS_SUMMARY_CSV}).
 */
public final class ModelComparison {
    public static final String MODELS_CSV = "models.csv";
    public static final String MODELS_REPLICATES_CSV = "models-replicates.csv";
    public static final String MODELS_SUMMARY_CSV = "models-summary.csv";
    public static final String HEADING = "Models compared";
    static final String MODELS_HEADER = "model,loss,augmentation,weight_decay,norm,training_seconds,median_ms_per_iteration,"
            + "iterations,stopped_early";

    private ModelComparison() {}

    /** The files written and the report section. */
    public record Written(List<Path> files, Report.Section section) {}

    /** Accuracy of every model under the experiment's pixel-replacement noise (table {@code accuracy-replace}). */
    public static SweepTable noiseTable(ExperimentResult r) {
        Corruption c = Corruption.REPLACE;
        return new SweepTable("accuracy-" + c.label(), c.levelColumn(), c.axisLabel(),
                "Accuracy under " + c.description() + " (" + Formats.count(r.environment().testCount()) + " test images)",
                r.noiseLevels(), r.models().stream().map(ModelResult::name).toList(),
                r.models().stream().map(ModelResult::label).toList(),
                r.models().stream().map(ModelResult::accuracy).toList());
    }

    /** {@value #MODELS_CSV} and the section of one run. */
    public static Written write(Path out, ExperimentResult r) throws IOException {
        StringBuilder csv = new StringBuilder(MODELS_HEADER).append('\n');
        for (ModelResult m : r.models()) csv.append(csvRow(m)).append('\n');
        Path file = out.resolve(MODELS_CSV);
        AtomicFile.writeString(file, csv.toString());

        StringBuilder md = intro(r.config());
        md.append("| model | loss | augmentation | weight decay | exact ‖J‖²_F | training time | median ms / iteration |\n"
                + "|---|---|---|---:|---:|---:|---:|\n");
        for (ModelResult m : r.models()) {
            md.append("| ").append(m.label()).append(" | ").append(m.recipe().describeLoss()).append(" | ")
                    .append(m.recipe().augmentation().describe()).append(" | ").append(Formats.number(m.recipe().weightDecay()))
                    .append(" | ").append(Formats.scientific(m.jacobianNorm())).append(" | ")
                    .append(Formats.seconds(m.training().totalSeconds()))
                    .append(m.training().stoppedEarly() ? " (stopped early)" : "").append(" | ")
                    .append(Formats.millis(m.training().medianIterationMillis())).append(" |\n");
        }
        md.append("\nNumbers: [").append(MODELS_CSV).append("](").append(MODELS_CSV).append(").\n\n");
        return new Written(List.of(file), Report.Section.of(HEADING, md.toString()));
    }

    /** Every seed's rows ({@value #MODELS_REPLICATES_CSV}), the means ({@value #MODELS_SUMMARY_CSV}) and the section. */
    public static Written writeReplicated(Path out, List<Replicates.Run> runs) throws IOException {
        StringBuilder all = new StringBuilder("seed," + MODELS_HEADER).append('\n');
        for (Replicates.Run run : runs) {
            for (ModelResult m : run.result().models()) all.append(run.seed()).append(',').append(csvRow(m)).append('\n');
        }
        Path allFile = out.resolve(MODELS_REPLICATES_CSV);
        AtomicFile.writeString(allFile, all.toString());

        List<ModelResult> first = runs.get(0).result().models();
        StringBuilder summary = new StringBuilder("model,replicates,mean_norm,ci_low_norm,ci_high_norm,mean_training_seconds,"
                + "ci_low_training_seconds,ci_high_training_seconds,mean_median_ms_per_iteration\n");
        StringBuilder md = intro(runs.get(0).result().config());
        md.append("Mean over ").append(runs.size()).append(" replicates ± half-width of the 95 % confidence interval "
                + "(Student t).\n\n| model | loss | augmentation | weight decay | exact ‖J‖²_F | training time | "
                + "median ms / iteration |\n|---|---|---|---:|---:|---:|---:|\n");
        for (int k = 0; k < first.size(); k++) {
            int index = k;
            double[] norms = runs.stream().mapToDouble(r -> r.result().models().get(index).jacobianNorm()).toArray();
            double[] seconds = runs.stream().mapToDouble(r -> r.result().models().get(index).training().totalSeconds()).toArray();
            double[] ms = runs.stream().mapToDouble(r -> r.result().models().get(index).training().medianIterationMillis())
                    .toArray();
            ConfidenceInterval norm = ConfidenceInterval.of(norms, ReplicateSummary.CONFIDENCE);
            ConfidenceInterval time = ConfidenceInterval.of(seconds, ReplicateSummary.CONFIDENCE);
            double meanMs = java.util.Arrays.stream(ms).average().orElse(Double.NaN);
            ModelResult m = first.get(k);
            summary.append(m.name()).append(',').append(runs.size()).append(',').append(Formats.cell(norm.mean())).append(',')
                    .append(Formats.cell(norm.lower())).append(',').append(Formats.cell(norm.upper())).append(',')
                    .append(Formats.cell(time.mean())).append(',').append(Formats.cell(time.lower())).append(',')
                    .append(Formats.cell(time.upper())).append(',').append(Formats.cell(meanMs)).append('\n');
            md.append("| ").append(m.label()).append(" | ").append(m.recipe().describeLoss()).append(" | ")
                    .append(m.recipe().augmentation().describe()).append(" | ").append(Formats.number(m.recipe().weightDecay()))
                    .append(" | ").append(withInterval(norm, String.format(Locale.ROOT, "%.4g", norm.mean()),
                            String.format(Locale.ROOT, "%.2g", norm.halfWidth())))
                    .append(" | ").append(withInterval(time, Formats.seconds(time.mean()),
                            String.format(Locale.ROOT, "%.1f s", time.halfWidth())))
                    .append(" | ").append(Formats.millis(meanMs)).append(" |\n");
        }
        Path summaryFile = out.resolve(MODELS_SUMMARY_CSV);
        AtomicFile.writeString(summaryFile, summary.toString());
        md.append("\nNumbers: [").append(MODELS_SUMMARY_CSV).append("](").append(MODELS_SUMMARY_CSV).append("), [")
                .append(MODELS_REPLICATES_CSV).append("](").append(MODELS_REPLICATES_CSV).append(") (every seed).\n\n");
        return new Written(new ArrayList<>(List.of(allFile, summaryFile)), Report.Section.of(HEADING, md.toString()));
    }

    private static StringBuilder intro(ExperimentConfig c) {
        return new StringBuilder("Every model has the same architecture and starts from the same "
                + "initial weights; all see the same batches in the same order (augmentations draw from a stream of their "
                + "own) under the same loop, and differ only in the loss, the augmentation of the training batches and "
                + "the weight decay listed here. Weight decay adds wd·θ to every parameter's gradient after clipping, as "
                + "PyTorch's SGD(weight_decay = wd). The exact ‖J‖²_F is the mean over the clean test set of the squared "
                + "Frobenius norm of the ")
                .append(c.penalty().target() == dev.jacreg.train.JacobianPenalty.Target.SOFTMAX ? "softmax" : "logits")
                .append(" output's Jacobian in inference mode, the same measure for every model. Training time is the "
                        + "wall time of the model's training run while the models trained side by side, one libtorch "
                        + "thread each.\n\n");
    }

    private static String withInterval(ConfidenceInterval ci, String mean, String half) {
        return Double.isFinite(ci.halfWidth()) ? mean + " ± " + half : mean;
    }

    private static String csvRow(ModelResult m) {
        return m.name() + ",\"" + m.recipe().describeLoss().replace("\"", "'") + "\",\""
                + m.recipe().augmentation().describe().replace("\"", "'") + "\"," + Formats.number(m.recipe().weightDecay())
                + ',' + Formats.cell(m.jacobianNorm()) + ',' + Formats.cell(m.training().totalSeconds()) + ','
                + Formats.cell(m.training().medianIterationMillis()) + ',' + m.training().iterations() + ','
                + m.training().stoppedEarly();
    }
}
