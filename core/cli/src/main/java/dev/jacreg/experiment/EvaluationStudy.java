package dev.jacreg.experiment;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.io.AtomicFile;
import dev.jacreg.report.MarkdownWriter;
import dev.jacreg.report.Report;
import dev.jacreg.train.Evaluator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code jacreg evaluate}: saved nets on the test set under the experiment's pixel-replacement noise (the same noisy
 * copies as the experiment's, {@link ExperimentSpec#noisyCopy}) and the robustness plan, written into one folder:
 * accuracy.csv and .png, the plan's tables and charts, and {@value SweepReport#ROBUSTNESS_MD}.
 */
public final class EvaluationStudy {
    private EvaluationStudy() {}

    /**
     * What was measured.
     *
     * @param accuracy   per net, the accuracy at each noise level; null without the pixel-replacement sweep
     * @param robustness the plan's measurements (no tables when it asked for none)
     */
    public record Outcome(List<SavedNet> nets, double[] levels, double[][] accuracy, RobustnessRun.Result robustness) {}

    /**
     * @param nets      of the test set's image size ({@link SavedNet#checkImageSize}), in the order of the tables; a regularized and a reference net are put in the experiment's
     *                  order (regularized first) when their metadata tell
     * @param replace   whether to sweep pixel replacement (into accuracy.csv)
     * @param noiseSeed the training seed the noise streams derive from
     */
    public static Outcome run(List<SavedNet> nets, double[] levels, boolean replace, long noiseSeed, DigitDataset testSet,
                              int evalChunk, RobustnessPlan plan, Path out, ExperimentListener listener) throws IOException {
        if (nets.size() == 2 && nets.get(0).lambda() == 0 && nets.get(1).lambda() > 0) {
            nets = List.of(nets.get(1), nets.get(0));  // regularized first, as in the experiment's table
        }
        DType dtype = nets.get(0).dtype();
        double[][] accuracy = new double[nets.size()][levels.length];
        try (DeviceDataset test = new DeviceDataset(testSet, dtype)) {
            for (int i = 0; replace && i < levels.length; i++) {
                listener.phase(String.format(Locale.ROOT, "noise %s (%d of %d)", Formats.number(levels[i]), i + 1,
                        levels.length));
                try (TensorScope level = TensorScope.open()) {
                    // the same noisy copy as in the experiment
                    Tensor noisy = ExperimentSpec.noisyCopy(test.images(), levels[i], noiseSeed, i);
                    for (int k = 0; k < nets.size(); k++) {
                        SavedNet n = nets.get(k);
                        Tensor input = n.dtype() == dtype ? noisy : noisy.to(n.dtype());
                        accuracy[k][i] = Evaluator.accuracy(n.net(), input, test.labels(), evalChunk);
                    }
                }
            }
        }
        List<String> columns = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        boolean pair = nets.size() == 2 && nets.get(0).lambda() > 0 && nets.get(1).lambda() == 0;
        for (int k = 0; k < nets.size(); k++) {
            SavedNet n = nets.get(k);
            // One net: noise,accuracy. Two: the experiment's header (regularized first when the metadata tell).
            columns.add(nets.size() == 1 ? "" : k == 0 ? ModelCatalog.JACOBIAN : ModelCatalog.REFERENCE);
            String lambda = Double.isNaN(n.lambda()) ? "" : " (λ = " + Formats.number(n.lambda()) + ")";
            labels.add(pair ? (k == 0 ? ReportWriter.JACOBIAN_LABEL : ReportWriter.REFERENCE_LABEL) + lambda : n.stem() + lambda);
        }
        if (replace) {
            ReportWriter.writeAccuracyCsv(out.resolve(ReportWriter.ACCURACY_CSV), levels, columns, Arrays.asList(accuracy));
            ReportWriter.writeAccuracyChart(out.resolve(ReportWriter.ACCURACY_PNG), levels, labels, Arrays.asList(accuracy),
                    "Accuracy under pixel noise (" + String.format(Locale.ROOT, "%,d", testSet.count()) + " test images)");
        }
        List<RobustnessSweep.Net> robustNets = new ArrayList<>();
        for (int k = 0; k < nets.size(); k++) {
            SavedNet n = nets.get(k);
            robustNets.add(new RobustnessSweep.Net(columns.get(k).isEmpty() ? n.stem() : columns.get(k), labels.get(k),
                    n.net(), n.dtype()));
        }
        RobustnessRun.Result extra;
        try (DeviceDataset test = new DeviceDataset(testSet, dtype)) {
            extra = RobustnessRun.run(plan, robustNets, test.images(), test.labels(), noiseSeed, evalChunk, out, listener);
        }
        if (!extra.tables().isEmpty()) {
            AtomicFile.writeString(out.resolve(SweepReport.ROBUSTNESS_MD), MarkdownWriter.render(Report.of(extra.sections())));
        }
        return new Outcome(nets, levels, replace ? accuracy : null, extra);
    }
}
