package dev.jacreg.experiment;

import dev.jacreg.io.AtomicFile;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.nn.Module;
import dev.jacreg.report.ImageGrid;
import dev.jacreg.report.LineChart;
import dev.jacreg.report.PanelRow;
import dev.jacreg.train.TrainingResult;

import java.awt.Color;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
 * <p>The pieces the CLI's {@code train} and {@code evaluate} commands need on their own (accuracy CSV and chart,
 * loss CSV and chart, weights metadata, atomic text files) are public static methods.
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
        Map<String, Step> steps = new LinkedHashMap<>();
        steps.put(Experiment.JACOBIAN + WEIGHTS_SUFFIX, f -> ModelFiles.save(outcome.jacobianNet(), f,
                weightsMetadata(Experiment.JACOBIAN, r.config(), r.config().penalty().lambda(), r.trainingJacobian(),
                        r.environment().torchVersion(), r.environment().dataDescription())));
        steps.put(Experiment.REFERENCE + WEIGHTS_SUFFIX, f -> ModelFiles.save(outcome.referenceNet(), f,
                weightsMetadata(Experiment.REFERENCE, r.config(), 0, r.trainingReference(),
                        r.environment().torchVersion(), r.environment().dataDescription())));
        steps.put(ACCURACY_CSV, f -> writeAccuracyCsv(f, r.noiseLevels(), List.of("jacobian", "reference"),
                List.of(r.accuracyJacobian(), r.accuracyReference())));
        List<NetLoss> losses = List.of(new NetLoss(Experiment.JACOBIAN, JACOBIAN_LABEL, r.trainingJacobian(), true),
                new NetLoss(Experiment.REFERENCE, REFERENCE_LABEL, r.trainingReference(), false));
        int perEpoch = iterationsPerEpoch(r);
        steps.put(LOSS_CSV, f -> writeTrainingLossCsv(f, losses, perEpoch));
        steps.put(ACCURACY_PNG, f -> writeAccuracyChart(f, r.noiseLevels(), List.of(JACOBIAN_LABEL, REFERENCE_LABEL),
                List.of(r.accuracyJacobian(), r.accuracyReference()),
                "Accuracy under pixel noise (" + count(r.environment().testCount()) + " test images)"));
        steps.put(LOSS_PNG, f -> writeTrainingLossChart(f, losses, perEpoch, r.config().training().epochs()));
        steps.put(PREVIEW_PNG, f -> writePreview(f, r.preview()));
        steps.put(EXAMPLE_PNG, f -> writeExample(f, r.example()));

        List<Path> written = new ArrayList<>();
        Map<String, Exception> failures = new LinkedHashMap<>();
        for (Map.Entry<String, Step> step : steps.entrySet()) {
            runStep(step.getKey(), step.getValue(), written, failures);
        }
        runStep(REPORT_MD, f -> writeString(f, markdown(r, failures.keySet())), written, failures);
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

    // ------------------------------------------------------------------------------------------ weights

    /**
     * The metadata stored with a network's weights: enough to know how it was trained and to rebuild the
     * data it was trained on ({@code data} is a {@code --data} value).
     */
    public static Map<String, String> weightsMetadata(String net, ExperimentConfig config, double lambda,
                                                      TrainingResult training, String torchVersion,
                                                      String dataDescription) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "jacreg");
        m.put("jacreg_version", version());
        m.put("net", net);
        m.put("lambda", number(lambda));
        m.put("projections", Integer.toString(config.penalty().projections()));
        m.put("target", config.penalty().target().name().toLowerCase(Locale.ROOT));
        m.put("seed", Long.toString(config.training().seed()));
        m.put("epochs", Integer.toString(config.training().epochs()));
        m.put("batch_size", Integer.toString(config.training().batchSize()));
        m.put("learning_rate", number(config.training().learningRate()));
        m.put("momentum", number(config.training().momentum()));
        m.put("iterations", Integer.toString(training.iterations()));
        m.put("iterations_planned", Integer.toString(training.plannedIterations()));
        m.put("stopped_early", Boolean.toString(training.stoppedEarly()));
        m.put("dtype", config.dtype().name().toLowerCase(Locale.ROOT));
        m.put("torch_version", torchVersion);
        m.put("data", dataSpec(config.data()));
        m.put("data_description", dataDescription);
        return m;
    }

    /** The {@code --data} value that selects this source again. */
    public static String dataSpec(DataSource data) {
        return switch (data) {
            case DataSource.Synthetic s -> s.trainCount() == 5000 && s.testCount() == 5000 ? "synthetic"
                    : "synthetic:" + s.trainCount() + "," + s.testCount();
            case DataSource.IdxDirectory d -> "idx:" + d.dir().toAbsolutePath();
        };
    }

    /** jacreg's version: the jar manifest's, else the build's. */
    public static String version() {
        String v = ReportWriter.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }

    /** Saves a module's weights with metadata (atomic). */
    public static void saveWeights(Module net, Path file, Map<String, String> metadata) throws IOException {
        ModelFiles.save(net, file, metadata);
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
            csv.append(number(levels[i]));
            for (double[] acc : accuracies) csv.append(',').append(fraction(acc[i]));
            csv.append('\n');
        }
        writeString(file, csv.toString());
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
     * empty where that run had stopped or the value is not finite.
     */
    public static void writeTrainingLossCsv(Path file, List<NetLoss> nets, int iterationsPerEpoch) throws IOException {
        StringBuilder csv = new StringBuilder("iteration,epoch");
        int rows = 0;
        for (NetLoss n : nets) {
            csv.append(",loss_").append(n.name());
            if (n.withPenalty()) csv.append(",penalty_").append(n.name());
            rows = Math.max(rows, n.training().iterations());
        }
        csv.append('\n');
        for (int i = 0; i < rows; i++) {
            csv.append(i + 1).append(',').append(i / Math.max(1, iterationsPerEpoch) + 1);
            for (NetLoss n : nets) {
                TrainingResult t = n.training();
                csv.append(',').append(i < t.iterations() ? cell(t.losses()[i]) : "");
                if (n.withPenalty()) csv.append(',').append(i < t.iterations() ? cell(t.penalties()[i]) : "");
            }
            csv.append('\n');
        }
        writeString(file, csv.toString());
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
                .title("noise p = " + number(p.noise())).addBatch(p.noisy(), 0, p.count());
        new PanelRow().title(p.count() + " random training images").gap(24).add(clean).add(noisy).writePng(file);
    }

    private static void writeExample(Path file, ExperimentResult.SingleCase c) throws IOException {
        boolean cleanOk = c.jacobianClean() == c.trueLabel() && c.referenceClean() == c.trueLabel();
        boolean noisyOk = c.jacobianNoisy() == c.trueLabel() && c.referenceNoisy() == c.trueLabel();
        ImageGrid clean = new ImageGrid(c.height(), c.width()).scale(6).title("clean")
                .add(c.clean(), caption(c.trueLabel(), c.jacobianClean(), c.referenceClean()), cleanOk ? null : WRONG);
        ImageGrid noisy = new ImageGrid(c.height(), c.width()).scale(6)
                .title("noise p = " + number(c.noise()) + " (" + number(c.noise() * 100) + " %)")
                .add(c.noisy(), caption(c.trueLabel(), c.jacobianNoisy(), c.referenceNoisy()), noisyOk ? null : WRONG);
        new PanelRow().title("First test image").gap(24).add(clean).add(noisy).writePng(file);
    }

    private static final Color WRONG = new Color(0xb00020);

    private static String caption(int truth, int jacobian, int reference) {
        return "true " + truth + "\nJacobian: " + jacobian + "\nReference: " + reference;
    }

    // ------------------------------------------------------------------------------------------ report.md

    static String markdown(ExperimentResult r, java.util.Collection<String> failedFiles) {
        ExperimentConfig c = r.config();
        TrainingResult tj = r.trainingJacobian(), tr = r.trainingReference();
        double[] levels = r.noiseLevels();
        StringBuilder md = new StringBuilder();
        boolean stopped = tj.stoppedEarly() || tr.stoppedEarly();
        md.append("# Jacobian regularization vs. reference under pixel noise").append(stopped ? " (stopped early)" : "")
                .append("\n\n");
        if (stopped) {
            md.append("> **⚠ Training was stopped early.** The Jacobian-regularized net trained ")
                    .append(count(tj.iterations())).append(" of ").append(count(tj.plannedIterations()))
                    .append(" iterations, the reference net ").append(count(tr.iterations())).append(" of ")
                    .append(count(tr.plannedIterations()))
                    .append(". Every number below describes these partly trained networks, not the full experiment.\n\n");
        }
        if (!failedFiles.isEmpty()) {
            md.append("> **Some files could not be written:** ").append(String.join(", ", failedFiles))
                    .append(". Their links below are broken.\n\n");
        }
        md.append(summary(r)).append("\n\n");

        md.append("## Accuracy under pixel noise\n\n");
        md.append("Each noise level is a fresh noisy copy of the whole test set (").append(count(r.environment().testCount()))
                .append(" images), classified by both nets; the same noisy copy is used for both.\n\n");
        md.append("| noise | ").append(JACOBIAN_LABEL).append(" | ").append(REFERENCE_LABEL)
                .append(" | difference (points) |\n|---:|---:|---:|---:|\n");
        for (int i = 0; i < levels.length; i++) {
            double a = r.accuracyJacobian()[i] * 100, b = r.accuracyReference()[i] * 100;
            md.append("| ").append(number(levels[i] * 100)).append(" %")
                    .append(" | ").append(percent(a, 1)).append(" | ").append(percent(b, 1)).append(" | ")
                    .append(signed(a - b)).append(" |\n");
        }
        md.append("\n![Accuracy against noise proportion](").append(ACCURACY_PNG).append(")\n\n");
        md.append("Raw numbers: [").append(ACCURACY_CSV).append("](").append(ACCURACY_CSV).append(").\n\n");

        md.append("## Jacobian norm\n\n");
        String output = c.penalty().target() == dev.jacreg.train.JacobianPenalty.Target.SOFTMAX ? "softmax output"
                : "logits";
        md.append("Mean over the clean test set of the exact squared Frobenius norm ‖J‖²_F of the Jacobian of the ")
                .append(output).append(" with respect to the input image (all ").append(dev.jacreg.nn.SeedNetwork.CLASSES)
                .append(" rows, inference mode):\n\n");
        md.append("| net | mean ‖J‖²_F |\n|---|---:|\n");
        md.append("| ").append(JACOBIAN_LABEL).append(" | ").append(scientific(r.jacobianNormJacobian())).append(" |\n");
        md.append("| ").append(REFERENCE_LABEL).append(" | ").append(scientific(r.jacobianNormReference())).append(" |\n");
        if (r.jacobianNormJacobian() > 0 && r.jacobianNormReference() > 0) {
            double ratio = r.jacobianNormReference() / r.jacobianNormJacobian();
            md.append("\nThe regularized net's norm is ").append(ratio >= 1 ? ratio(ratio) + " smaller"
                    : ratio(1 / ratio) + " larger").append(" than the reference's.\n");
        }
        md.append('\n');

        md.append("## Training\n\n");
        md.append("![Training loss per iteration](").append(LOSS_PNG).append(")\n\n");
        md.append("| net | iterations | final loss (mean of last ").append(Math.min(50, Math.max(1, tj.iterations())))
                .append(") | median ms / iteration | training time |\n|---|---:|---:|---:|---:|\n");
        trainingRow(md, JACOBIAN_LABEL + " (λ = " + number(c.penalty().lambda()) + ")", tj);
        trainingRow(md, REFERENCE_LABEL + " (λ = 0)", tr);
        md.append("\nPer-iteration values: [").append(LOSS_CSV).append("](").append(LOSS_CSV).append(").\n\n");

        md.append("## A single test image\n\n");
        md.append(singleCase(r.example())).append("\n\n");
        md.append("![The first test image, clean and noisy, with both nets' predictions](").append(EXAMPLE_PNG)
                .append(")\n\n");

        md.append("## The noise\n\n");
        md.append("Every pixel is, independently with probability p, replaced by a value drawn uniformly from [0, 1]. ")
                .append(r.preview().count()).append(" random training images, clean and with p = ")
                .append(number(r.preview().noise())).append(":\n\n");
        md.append("![Training images clean and with noise](").append(PREVIEW_PNG).append(")\n\n");

        md.append("## Timings\n\n");
        md.append("| quantity | value |\n|---|---:|\n");
        md.append("| median training iteration, ").append(JACOBIAN_LABEL).append(" | ")
                .append(millis(tj.medianIterationMillis())).append(" |\n");
        md.append("| median training iteration, ").append(REFERENCE_LABEL).append(" | ")
                .append(millis(tr.medianIterationMillis())).append(" |\n");
        if (tj.iterations() > 0 && tr.iterations() > 0) {
            md.append("| cost of the penalty (ratio of medians) | ")
                    .append(String.format(Locale.ROOT, "%.2f×", tj.medianIterationMillis() / tr.medianIterationMillis()))
                    .append(" |\n");
        }
        md.append("| total training time, ").append(JACOBIAN_LABEL).append(" | ").append(seconds(tj.totalSeconds()))
                .append(" |\n");
        md.append("| total training time, ").append(REFERENCE_LABEL).append(" | ").append(seconds(tr.totalSeconds()))
                .append(" |\n");
        md.append("| inference, whole clean test set (").append(count(r.environment().testCount()))
                .append(" images, batches of ").append(c.evalChunk()).append(") | ").append(millis(r.inferenceMillis()))
                .append(" |\n");
        md.append("| total experiment (data, training, evaluation) | ").append(seconds(r.totalSeconds())).append(" |\n\n");

        md.append("## Settings\n\n| setting | value |\n|---|---|\n");
        setting(md, "epochs", Integer.toString(c.training().epochs()));
        setting(md, "iterations per net", count(tj.plannedIterations()) + " planned ("
                + count(tj.plannedIterations() / Math.max(1, c.training().epochs())) + " per epoch, last partial batch dropped)");
        setting(md, "mini-batch size", Integer.toString(c.training().batchSize()));
        setting(md, "λ (penalty weight)", number(c.penalty().lambda()));
        setting(md, "random projections per batch", Integer.toString(c.penalty().projections()));
        setting(md, "penalised output", output);
        setting(md, "SGD learning rate", number(c.training().learningRate()));
        setting(md, "SGD momentum", number(c.training().momentum()));
        setting(md, "seed", Long.toString(c.training().seed()));
        setting(md, "dtype", c.dtype().name().toLowerCase(Locale.ROOT));
        setting(md, "data", r.environment().dataDescription() + " (`--data " + dataSpec(c.data()) + "`)");
        setting(md, "training / test images", count(r.environment().trainCount()) + " / "
                + count(r.environment().testCount()));
        StringBuilder noise = new StringBuilder();
        for (double p : levels) noise.append(noise.isEmpty() ? "" : ", ").append(number(p));
        setting(md, "noise levels", noise.toString());
        setting(md, "single-image noise", number(c.exampleNoise()));
        md.append('\n');

        ExperimentResult.Environment e = r.environment();
        md.append("## Environment\n\n| | |\n|---|---|\n");
        setting(md, "device", e.device());
        setting(md, "libtorch", e.torchVersion());
        setting(md, "intra-op threads", Integer.toString(e.threads()));
        setting(md, "CPU", e.cpu());
        setting(md, "Java", e.javaVersion());
        setting(md, "jacreg", version());
        md.append('\n');

        md.append("## Files\n\n");
        md.append("- `").append(Experiment.JACOBIAN).append(WEIGHTS_SUFFIX).append("`, `").append(Experiment.REFERENCE)
                .append(WEIGHTS_SUFFIX).append("`: the trained weights (safetensors, tensor names as in the model, e.g. "
                        + "`conv1.weight`; the training settings are in the header metadata). Reload with "
                        + "`jacreg evaluate --model FILE`.\n");
        md.append("- `").append(ACCURACY_CSV).append("`, `").append(LOSS_CSV).append("`: the numbers behind the figures.\n");
        return md.toString();
    }

    private static String summary(ExperimentResult r) {
        ExperimentConfig c = r.config();
        double[] levels = r.noiseLevels();
        StringBuilder s = new StringBuilder();
        s.append("Two networks of the same architecture were trained from the same initial weights on ")
                .append(count(r.environment().trainCount())).append(" ")
                .append(c.data() instanceof DataSource.Synthetic ? "synthetic digit images" : "images")
                .append(" for ").append(c.training().epochs()).append(c.training().epochs() == 1 ? " epoch" : " epochs")
                .append(": one with the Jacobian penalty (λ = ").append(number(c.penalty().lambda())).append(", ")
                .append(c.penalty().projections()).append(c.penalty().projections() == 1 ? " random projection" : " random projections")
                .append(") and one without. ");
        int clean = indexOf(levels, 0);
        if (clean >= 0) {
            s.append("On the clean test set the regularized net is ").append(percent(r.accuracyJacobian()[clean] * 100, 1))
                    .append(" accurate and the reference ").append(percent(r.accuracyReference()[clean] * 100, 1)).append(". ");
        }
        int noisy = -1;
        for (int i = 0; i < levels.length; i++) {
            if (levels[i] > 0 && (noisy < 0 || Math.abs(levels[i] - 0.3) < Math.abs(levels[noisy] - 0.3))) noisy = i;
        }
        if (noisy >= 0) {
            double a = r.accuracyJacobian()[noisy] * 100, b = r.accuracyReference()[noisy] * 100;
            double d = a - b;
            s.append("At ").append(number(levels[noisy] * 100)).append(" % noise the regularized net is ");
            if (Math.abs(d) < 0.05) s.append("as accurate as the reference");
            else s.append(String.format(Locale.ROOT, "%.1f points %s accurate", Math.abs(d), d > 0 ? "more" : "less"));
            s.append(" (").append(percent(a, 1)).append(" vs. ").append(percent(b, 1)).append("). ");
        }
        if (r.trainingReference().iterations() == 0) {
            s.append("The reference net was not trained at all (the run was stopped first), so its numbers are those "
                    + "of random initial weights. ");
        }
        if (r.jacobianNormJacobian() > 0 && r.jacobianNormReference() > 0) {
            s.append("Its mean squared Jacobian norm is ").append(scientific(r.jacobianNormJacobian())).append(" against ")
                    .append(scientific(r.jacobianNormReference())).append(" for the reference.");
        }
        return s.toString().strip();
    }

    private static String singleCase(ExperimentResult.SingleCase c) {
        return "The first test image shows a " + c.trueLabel() + ". Clean, the regularized net predicts "
                + verdict(c.jacobianClean(), c.trueLabel()) + " and the reference " + verdict(c.referenceClean(), c.trueLabel())
                + ". With " + number(c.noise() * 100) + " % of its pixels replaced by noise, the regularized net predicts "
                + verdict(c.jacobianNoisy(), c.trueLabel()) + " and the reference " + verdict(c.referenceNoisy(), c.trueLabel())
                + ".";
    }

    private static String verdict(int predicted, int truth) {
        return predicted + (predicted == truth ? " (right)" : " (wrong)");
    }

    private static void trainingRow(StringBuilder md, String name, TrainingResult t) {
        double last = Double.NaN;
        if (t.iterations() > 0) {
            int n = Math.min(50, t.iterations());
            double sum = 0;
            for (int i = t.iterations() - n; i < t.iterations(); i++) sum += t.losses()[i];
            last = sum / n;
        }
        md.append("| ").append(name).append(" | ").append(count(t.iterations())).append(" of ")
                .append(count(t.plannedIterations())).append(t.stoppedEarly() ? " (stopped early)" : "").append(" | ")
                .append(Double.isNaN(last) ? "–" : String.format(Locale.ROOT, "%.4f", last)).append(" | ")
                .append(millis(t.medianIterationMillis())).append(" | ").append(seconds(t.totalSeconds())).append(" |\n");
    }

    private static void setting(StringBuilder md, String name, String value) {
        md.append("| ").append(name).append(" | ").append(value.replace("|", "\\|")).append(" |\n");
    }

    private static int indexOf(double[] levels, double value) {
        for (int i = 0; i < levels.length; i++) if (levels[i] == value) return i;
        return -1;
    }

    // ------------------------------------------------------------------------------------------ formatting

    /** A plain decimal with at most 6 decimals and no trailing zeros: 0.05, 0.9712, 1, 0. */
    public static String number(double v) {
        if (!Double.isFinite(v)) return Double.toString(v);
        String s = BigDecimal.valueOf(v).setScale(6, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
        return s.equals("-0") ? "0" : s;
    }

    /** An accuracy as a fraction with at least 4 decimals (0.9000, 0.9712) and at most 6. */
    public static String fraction(double v) {
        if (!Double.isFinite(v)) return "";
        String s = number(v);
        int dot = s.indexOf('.');
        int decimals = dot < 0 ? 0 : s.length() - dot - 1;
        if (decimals >= 4) return s;
        return (dot < 0 ? s + "." : s) + "0".repeat(4 - decimals);
    }

    private static String cell(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v).trim() : "";
    }

    static String percent(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f %%", value);
    }

    private static String signed(double points) {
        String s = String.format(Locale.ROOT, "%+.1f", points);
        return s.equals("-0.0") || s.equals("+0.0") ? "0.0" : s.replace('-', '−');
    }

    private static String scientific(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "n/a";
    }

    private static String ratio(double v) {
        return String.format(Locale.ROOT, v >= 10 ? "%.0f×" : "%.1f×", v);
    }

    private static String millis(double ms) {
        return Double.isFinite(ms) ? String.format(Locale.ROOT, "%.1f ms", ms) : "–";
    }

    private static String seconds(double s) {
        return String.format(Locale.ROOT, "%.1f s", s);
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    // ------------------------------------------------------------------------------------------ atomic text files

    /**
     * Writes UTF-8 text atomically: to a temporary file in the same folder, forced to disk, then moved over the
     * target. On failure the temporary file is deleted and an existing target is left as it was.
     */
    public static void writeString(Path file, String text) throws IOException {
        AtomicFile.writeString(file, text);
    }
}
