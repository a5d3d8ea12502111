package dev.jacreg.experiment;

import dev.jacreg.io.AtomicFile;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.report.ImageGrid;
import dev.jacreg.report.LineChart;
import dev.jacreg.report.PanelRow;
import dev.jacreg.train.TrainingResult;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes everything an {@link Experiment} produced into one folder: the accuracy table and figure, the
 * training-loss table and figure, the noise preview, the single-image example, both networks' weights
 * (safetensors with metadata) and a Markdown report tying them together.
 *
 * <p>Every file is written atomically (temporary file in the same folder, then moved over the target), so a
 * reader never sees half a file. The steps are independent: when one fails the others are still written
 * (weights first, the report last) and the failures are reported together at the end, so nothing already
 * written is lost.
 *
 * <p>The tables and charts the CLI's {@code train} and {@code evaluate} commands write on their own (accuracy CSV
 * and chart, loss CSV and chart) are public static methods. What the weights record is {@link WeightsMetadata}'s;
 * atomic text files are {@link AtomicFile}'s.
 */
public final class ReportWriter {
    public static final String ACCURACY_CSV = "accuracy.csv";
    public static final String ACCURACY_PNG = "accuracy.png";
    public static final String LOSS_CSV = "training-loss.csv";
    public static final String LOSS_PNG = "training-loss.png";
    public static final String PREVIEW_PNG = "noise-preview.png";
    public static final String EXAMPLE_PNG = "example.png";
    public static final String REPORT_MD = "report.md";
    public static final String WEIGHTS_SUFFIX = ".safetensors";

    /** Legend names of the two networks, as in the reference figure. */
    public static final String JACOBIAN_LABEL = "Jacobian regularization";
    public static final String REFERENCE_LABEL = "Reference";

    /** Header of the two-network accuracy table. */
    public static final String ACCURACY_HEADER = "noise,accuracy_jacobian,accuracy_reference";
    /** Header of the two-network training-loss table. */
    public static final String LOSS_HEADER = "iteration,epoch,loss_jacobian,penalty_jacobian,loss_reference";
    /** The same with both nets' diagnostics columns (seed network: batch-norm layers bn1, bn2, bn3). */
    public static final String LOSS_HEADER_WITH_DIAGNOSTICS = LOSS_HEADER + diagnosticsHeader(Experiment.JACOBIAN)
            + diagnosticsHeader(Experiment.REFERENCE);

    private static String diagnosticsHeader(String net) {
        StringBuilder header = new StringBuilder();
        DiagnosticsColumns.appendHeader(header, net, List.of("bn1", "bn2", "bn3"));
        return header.toString();
    }

    /** The files {@link #write} produces, in the order it writes them. */
    public static final List<String> FILES = List.of(Experiment.JACOBIAN + WEIGHTS_SUFFIX,
            Experiment.REFERENCE + WEIGHTS_SUFFIX, ACCURACY_CSV, LOSS_CSV, ACCURACY_PNG, LOSS_PNG, PREVIEW_PNG,
            EXAMPLE_PNG, REPORT_MD);

    private static final Color JACOBIAN_COLOR = new Color(0x1f77b4);
    private static final Color REFERENCE_COLOR = new Color(0xd62728);

    private final Path out;

    /** Blue for the regularized net and red for the reference wherever they appear; null (palette) otherwise. */
    private static Color colorFor(String label) {
        if (label.startsWith(JACOBIAN_LABEL)) return JACOBIAN_COLOR;
        if (label.startsWith(REFERENCE_LABEL)) return REFERENCE_COLOR;
        return null;
    }

    public ReportWriter(Path out) {
        this.out = out;
    }

    public Path directory() {
        return out;
    }

    /** One step of {@link #write}: produces one file. */
    @FunctionalInterface
    private interface Step {
        void run(Path file) throws IOException;
    }

    /**
     * Writes every file of {@link #FILES} into the output folder (created if needed).
     *
     * @return the files written
     * @throws IOException when the folder cannot be created or any file could not be written; the message names
     *                     each failed file, and every other file has been written regardless
     */
    public List<Path> write(Experiment.Outcome outcome) throws IOException {
        ExperimentResult r = outcome.result();
        Files.createDirectories(out);
        ExperimentSpec spec = new ExperimentSpec(r.config());
        Map<String, Step> steps = new LinkedHashMap<>();
        steps.put(Experiment.JACOBIAN + WEIGHTS_SUFFIX, f -> ModelFiles.save(outcome.jacobianNet(), f,
                spec.metadata(Experiment.JACOBIAN, r.model(Experiment.JACOBIAN).recipe().loss(), r.trainingJacobian(),
                        r.environment().torchVersion(), r.environment().dataDescription()).toMap()));
        steps.put(Experiment.REFERENCE + WEIGHTS_SUFFIX, f -> ModelFiles.save(outcome.referenceNet(), f,
                spec.metadata(Experiment.REFERENCE, r.model(Experiment.REFERENCE).recipe().loss(), r.trainingReference(),
                        r.environment().torchVersion(), r.environment().dataDescription()).toMap()));
        steps.put(ACCURACY_CSV, f -> writeAccuracyCsv(f, r.noiseLevels(), List.of("jacobian", "reference"),
                List.of(r.accuracyJacobian(), r.accuracyReference())));
        List<NetLoss> losses = List.of(new NetLoss(Experiment.JACOBIAN, JACOBIAN_LABEL, r.trainingJacobian(), true),
                new NetLoss(Experiment.REFERENCE, REFERENCE_LABEL, r.trainingReference(), false));
        int perEpoch = iterationsPerEpoch(r);
        steps.put(LOSS_CSV, f -> writeTrainingLossCsv(f, losses, perEpoch));
        steps.put(ACCURACY_PNG, f -> writeAccuracyChart(f, r.noiseLevels(), List.of(JACOBIAN_LABEL, REFERENCE_LABEL),
                List.of(r.accuracyJacobian(), r.accuracyReference()),
                "Accuracy under pixel noise (" + Formats.count(r.environment().testCount()) + " test images)"));
        steps.put(LOSS_PNG, f -> writeTrainingLossChart(f, losses, perEpoch, r.config().training().epochs()));
        steps.put(PREVIEW_PNG, f -> writePreview(f, r.preview()));
        steps.put(EXAMPLE_PNG, f -> writeExample(f, r.example()));

        List<Path> written = new ArrayList<>();
        Map<String, Exception> failures = new LinkedHashMap<>();
        for (Map.Entry<String, Step> step : steps.entrySet()) {
            runStep(step.getKey(), step.getValue(), written, failures);
        }
        runStep(REPORT_MD, f -> AtomicFile.writeString(f, ReportMarkdown.render(r, failures.keySet())), written, failures);
        if (!failures.isEmpty()) {
            StringBuilder message = new StringBuilder("could not write " + failures.size() + " of "
                    + (steps.size() + 1) + " files in " + out + ":");
            failures.forEach((name, e) -> message.append(' ').append(name).append(" (").append(e).append(");"));
            message.setLength(message.length() - 1);
            IOException failure = new IOException(message.toString());
            failures.values().forEach(failure::addSuppressed);
            throw failure;
        }
        return written;
    }

    private void runStep(String name, Step step, List<Path> written, Map<String, Exception> failures) {
        Path file = out.resolve(name);
        try {
            step.run(file);
            written.add(file);
        } catch (IOException | RuntimeException e) {
            failures.put(name, e);
        }
    }

    private static int iterationsPerEpoch(ExperimentResult r) {
        int epochs = r.config().training().epochs();
        return Math.max(1, r.trainingJacobian().plannedIterations() / epochs);
    }

    // ------------------------------------------------------------------------------------------ accuracy

    /**
     * {@code noise,accuracy_<column>...}: one row per noise level, accuracies as fractions. With a single column
     * named "" the header is {@code noise,accuracy}.
     */
    public static void writeAccuracyCsv(Path file, double[] levels, List<String> columns, List<double[]> accuracies)
            throws IOException {
        StringBuilder csv = new StringBuilder("noise");
        for (String column : columns) csv.append(column.isEmpty() ? ",accuracy" : ",accuracy_" + column);
        csv.append('\n');
        for (int i = 0; i < levels.length; i++) {
            csv.append(Formats.number(levels[i]));
            for (double[] acc : accuracies) csv.append(',').append(Formats.fraction(acc[i]));
            csv.append('\n');
        }
        AtomicFile.writeString(file, csv.toString());
    }

    /** Accuracy (%) against noise proportion, one curve with markers per network. */
    public static void writeAccuracyChart(Path file, double[] levels, List<String> names, List<double[]> accuracies,
                                          String title) throws IOException {
        double maxLevel = 0;
        for (double p : levels) maxLevel = Math.max(maxLevel, p);
        LineChart chart = new LineChart().title(title).xLabel("noise proportion p (share of pixels replaced)")
                .yLabel("accuracy (%)").xRange(0, Math.max(0.5, maxLevel)).yRange(0, 100).yTickSpacing(10)
                .xTickSpacing(maxLevel > 0.5 ? 0.1 : 0.05).legend(LineChart.LegendPosition.LOWER_LEFT);
        LineChart.Marker[] markers = {LineChart.Marker.CIRCLE, LineChart.Marker.SQUARE, LineChart.Marker.TRIANGLE,
                LineChart.Marker.DIAMOND};
        for (int k = 0; k < names.size(); k++) {
            double[] percent = accuracies.get(k).clone();
            for (int i = 0; i < percent.length; i++) percent[i] *= 100;
            LineChart.Series s = LineChart.Series.of(names.get(k), levels, percent).marker(markers[k % markers.length])
                    .lineWidth(2.5f).markerSize(8);
            Color color = colorFor(names.get(k));
            if (color != null) s.color(color);
            chart.add(s);
        }
        chart.writePng(file);
    }

    // ------------------------------------------------------------------------------------------ training loss

    /**
     * One network's training record for the loss table and chart.
     *
     * @param name        column suffix, e.g. "jacobian"
     * @param label       legend name
     * @param withPenalty whether the table gets a {@code penalty_<name>} column
     */
    public record NetLoss(String name, String label, TrainingResult training, boolean withPenalty) {}

    /**
     * {@code iteration,epoch,loss_<name>[,penalty_<name>]...}, one row per iteration of the longest run; a cell is
     * empty where that run had stopped or the value is not finite. When a run recorded diagnostics, every net's
     * {@link DiagnosticsColumns} follow, net after net.
     */
    public static void writeTrainingLossCsv(Path file, List<NetLoss> nets, int iterationsPerEpoch) throws IOException {
        StringBuilder csv = new StringBuilder("iteration,epoch");
        int rows = 0;
        for (NetLoss n : nets) {
            csv.append(",loss_").append(n.name());
            if (n.withPenalty()) csv.append(",penalty_").append(n.name());
            rows = Math.max(rows, n.training().iterations());
        }
        List<String> batchNorms = DiagnosticsColumns.batchNormNames(nets.stream().map(NetLoss::training).toList());
        if (batchNorms != null) for (NetLoss n : nets) DiagnosticsColumns.appendHeader(csv, n.name(), batchNorms);
        csv.append('\n');
        for (int i = 0; i < rows; i++) {
            csv.append(i + 1).append(',').append(i / Math.max(1, iterationsPerEpoch) + 1);
            for (NetLoss n : nets) {
                TrainingResult t = n.training();
                csv.append(',').append(i < t.iterations() ? Formats.cell(t.losses()[i]) : "");
                if (n.withPenalty()) csv.append(',').append(i < t.iterations() ? Formats.cell(t.penalties()[i]) : "");
            }
            if (batchNorms != null) for (NetLoss n : nets) DiagnosticsColumns.appendRow(csv, n.training(), i, batchNorms);
            csv.append('\n');
        }
        AtomicFile.writeString(file, csv.toString());
    }

    /** Per-iteration loss of each net: raw values faint, a moving average over them. */
    public static void writeTrainingLossChart(Path file, List<NetLoss> nets, int iterationsPerEpoch, int epochs)
            throws IOException {
        int longest = 0;
        int planned = 0;
        for (NetLoss n : nets) {
            longest = Math.max(longest, n.training().iterations());
            planned = Math.max(planned, n.training().plannedIterations());
        }
        int window = Math.max(5, Math.min(100, longest / 40));
        String stopped = longest < planned ? ", stopped early" : "";
        LineChart chart = new LineChart()
                .title("Training loss per iteration (" + epochs + (epochs == 1 ? " epoch" : " epochs") + " × "
                        + iterationsPerEpoch + " iterations" + stopped + ")")
                .xLabel("iteration (one epoch = " + iterationsPerEpoch + " iterations; bold line = moving average over "
                        + window + ")")
                .legend(LineChart.LegendPosition.UPPER_RIGHT);
        chart.xRange(0, Math.max(1, planned));
        boolean any = false;
        for (int k = 0; k < nets.size(); k++) {
            NetLoss n = nets.get(k);
            if (n.training().iterations() == 0) continue;
            any = true;
            LineChart.Series s = LineChart.Series.of(n.label() + " (" + n.training().iterations() + " iterations)",
                    n.training().losses()).smoothing(window).rawAlpha(0.25f).lineWidth(2.5f);
            Color color = colorFor(n.label());
            if (color != null) s.color(color);
            chart.add(s);
        }
        if (!any) {
            // Nothing was trained: an empty chart with a note rather than no file.
            chart.add(LineChart.Series.of("no iterations were trained", new double[]{0}, new double[]{Double.NaN})
                    .color(Color.GRAY));
            chart.yRange(0, 1);
        } else {
            // Log scale: the loss falls by orders of magnitude, and the late-training differences between the nets
            // (and the penalty's spikes) vanish into the x axis on a linear one.
            chart.logY(true).yLabel("loss: cross-entropy + λ/2 · penalty (log scale)");
        }
        chart.writePng(file);
    }

    // ------------------------------------------------------------------------------------------ images

    private static void writePreview(Path file, ExperimentResult.Preview p) throws IOException {
        int columns = p.count() >= 16 ? 4 : Math.max(1, (int) Math.ceil(Math.sqrt(p.count())));
        ImageGrid clean = new ImageGrid(p.height(), p.width()).columns(columns).scale(3).title("clean")
                .addBatch(p.clean(), 0, p.count());
        ImageGrid noisy = new ImageGrid(p.height(), p.width()).columns(columns).scale(3)
                .title("noise p = " + Formats.number(p.noise())).addBatch(p.noisy(), 0, p.count());
        new PanelRow().title(p.count() + " random training images").gap(24).add(clean).add(noisy).writePng(file);
    }

    private static void writeExample(Path file, ExperimentResult.SingleCase c) throws IOException {
        boolean cleanOk = c.jacobianClean() == c.trueLabel() && c.referenceClean() == c.trueLabel();
        boolean noisyOk = c.jacobianNoisy() == c.trueLabel() && c.referenceNoisy() == c.trueLabel();
        ImageGrid clean = new ImageGrid(c.height(), c.width()).scale(6).title("clean")
                .add(c.clean(), caption(c.trueLabel(), c.jacobianClean(), c.referenceClean()), cleanOk ? null : WRONG);
        ImageGrid noisy = new ImageGrid(c.height(), c.width()).scale(6)
                .title("noise p = " + Formats.number(c.noise()) + " (" + Formats.number(c.noise() * 100) + " %)")
                .add(c.noisy(), caption(c.trueLabel(), c.jacobianNoisy(), c.referenceNoisy()), noisyOk ? null : WRONG);
        new PanelRow().title("First test image").gap(24).add(clean).add(noisy).writePng(file);
    }

    private static final Color WRONG = new Color(0xb00020);

    private static String caption(int truth, int jacobian, int reference) {
        return "true " + truth + "\nJacobian: " + jacobian + "\nReference: " + reference;
    }
}
