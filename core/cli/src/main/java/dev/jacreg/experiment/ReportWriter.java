package dev.jacreg.experiment;

import dev.jacreg.io.AtomicFile;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.report.ImageGrid;
import dev.jacreg.report.LineChart;
import dev.jacreg.report.MarkdownWriter;
import dev.jacreg.report.Report;
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
 * Writes everything an {@link Experiment} produced into one folder: every model's weights (safetensors with the
 * settings and the recipe as metadata; the one place trained weights are saved), {@value #RECIPES_CSV}, the accuracy
 * table and figure, the training-loss table and figure, the noise preview, the single-image example, and last
 * report.md, a {@link Report} built from the results ({@link ReportMarkdown}) with the sections of any measurements
 * made after training ({@link Extra}), written once.
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
    /** {@code name,label} of every model trained: how scripts (bench/drivers/model-study-summary.py) label them. */
    public static final String RECIPES_CSV = "recipes.csv";

    /** Legend names of the two networks, as in the reference figure. */
    public static final String JACOBIAN_LABEL = ModelCatalog.declaration(ModelCatalog.JACOBIAN).label();
    public static final String REFERENCE_LABEL = ModelCatalog.declaration(ModelCatalog.REFERENCE).label();

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

    /** The files {@link #write} produces for the given models, in the order it writes them. */
    public static List<String> files(List<String> models) {
        List<String> files = new ArrayList<>();
        for (String model : models) files.add(model + WEIGHTS_SUFFIX);
        files.addAll(List.of(RECIPES_CSV, ACCURACY_CSV, LOSS_CSV, ACCURACY_PNG, LOSS_PNG, PREVIEW_PNG, EXAMPLE_PNG, REPORT_MD));
        return List.copyOf(files);
    }

    /** The files {@link #write} produces for the default pair. */
    public static final List<String> FILES = files(ModelCatalog.DEFAULT);

    private final Path out;

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
     * Measurements made on the trained nets after the files of {@link #write} and before report.md: they write their own
     * files into the folder and return their report sections, placed before the Settings.
     */
    @FunctionalInterface
    public interface Extra {
        Extra NONE = () -> List.of();

        List<Report.Section> run() throws IOException;
    }

    /** {@link #write(Experiment.Outcome, Extra)} with nothing measured after training. */
    public List<Path> write(Experiment.Outcome outcome) throws IOException {
        return write(outcome, Extra.NONE);
    }

    /**
     * Writes every file of {@link #files} into the output folder (created if needed), runs {@code extra}, and writes
     * report.md last, once, with the extra sections in it.
     *
     * @return the files written
     * @throws IOException when the folder cannot be created or any file could not be written; the message names
     *                     each failed file, and every other file has been written regardless (when {@code extra}
     *                     fails, report.md is still written without its sections and its exception is rethrown)
     */
    public List<Path> write(Experiment.Outcome outcome, Extra extra) throws IOException {
        ExperimentResult r = outcome.result();
        Files.createDirectories(out);
        ExperimentSpec spec = new ExperimentSpec(r.config());
        Map<String, Step> steps = new LinkedHashMap<>();
        for (ModelResult m : r.models()) {
            steps.put(m.name() + WEIGHTS_SUFFIX, f -> saveWeights(f, outcome.net(m.name()), m, r));
        }
        List<String> labels = r.models().stream().map(ModelResult::label).toList();
        List<double[]> accuracies = r.models().stream().map(ModelResult::accuracy).toList();
        steps.put(RECIPES_CSV, f -> writeRecipesCsv(f, r.models().stream().map(ModelResult::recipe).toList()));
        steps.put(ACCURACY_CSV, f -> writeAccuracyCsv(f, r.noiseLevels(), r.names(), accuracies));
        List<NetLoss> losses = r.models().stream().map(m -> new NetLoss(m.name(), m.label(), m.training(),
                m.recipe().loss().penalized())).toList();
        int perEpoch = iterationsPerEpoch(r);
        steps.put(LOSS_CSV, f -> writeTrainingLossCsv(f, losses, perEpoch));
        steps.put(ACCURACY_PNG, f -> writeAccuracyChart(f, r.noiseLevels(), labels, accuracies,
                "Accuracy under pixel noise (" + Formats.count(r.environment().testCount()) + " test images)"));
        steps.put(LOSS_PNG, f -> writeTrainingLossChart(f, losses, perEpoch, r.config().training().epochs()));
        steps.put(PREVIEW_PNG, f -> writePreview(f, r.preview()));
        steps.put(EXAMPLE_PNG, f -> writeExample(f, r.example(), r.names()));

        List<Path> written = new ArrayList<>();
        Map<String, Exception> failures = new LinkedHashMap<>();
        for (Map.Entry<String, Step> step : steps.entrySet()) {
            runStep(step.getKey(), step.getValue(), written, failures);
        }
        List<Report.Section> extraSections = List.of();
        Exception extraFailure = null;
        try {
            extraSections = extra.run();
        } catch (IOException | RuntimeException e) {
            extraFailure = e;
        }
        Report report = ReportMarkdown.report(r, failures.keySet()).insertBefore(ReportMarkdown.SETTINGS, extraSections);
        runStep(REPORT_MD, f -> AtomicFile.writeString(f, MarkdownWriter.render(report)), written, failures);
        if (extraFailure instanceof IOException e) throw e;
        if (extraFailure instanceof RuntimeException e) throw e;
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
        return Math.max(1, r.models().get(0).training().plannedIterations() / epochs);
    }

    /**
     * The one place a trained model's weights are saved: {@code <name>.safetensors} with the settings
     * ({@link WeightsMetadata}) and the recipe (loss, augmentation, weight decay: keys the schema's reader ignores).
     */
    private static void saveWeights(Path file, dev.jacreg.nn.Sequential net, ModelResult m, ExperimentResult r)
            throws IOException {
        Map<String, String> metadata = new ExperimentSpec(r.config()).metadata(m.name(), m.recipe().loss(), m.training(),
                r.environment().torchVersion(), r.environment().dataDescription()).withRecipe(m.recipe()).toMap();
        ModelFiles.save(net, file, metadata);
    }

    /** {@value #RECIPES_CSV}: {@code name,label}, one row per model in --models order (fields quoted as RFC 4180). */
    public static void writeRecipesCsv(Path file, List<ModelRecipe> recipes) throws IOException {
        StringBuilder csv = new StringBuilder("name,label\n");
        for (ModelRecipe m : recipes) csv.append(quote(m.name())).append(',').append(quote(m.label())).append('\n');
        AtomicFile.writeString(file, csv.toString());
    }

    private static String quote(String field) {
        return field.contains(",") || field.contains("\"") ? '"' + field.replace("\"", "\"\"") + '"' : field;
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
        for (int k = 0; k < names.size(); k++) {
            double[] percent = accuracies.get(k).clone();
            for (int i = 0; i < percent.length; i++) percent[i] *= 100;
            chart.add(SweepReport.style(LineChart.Series.of(names.get(k), levels, percent), names.get(k), k));
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
            chart.add(s.color(SweepReport.color(n.label(), k)));
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

    private static void writeExample(Path file, ExperimentResult.SingleCase c, List<String> models) throws IOException {
        ImageGrid clean = new ImageGrid(c.height(), c.width()).scale(6).title("clean")
                .add(c.clean(), caption(c.trueLabel(), models, c.cleanPredictions()),
                        allRight(c.cleanPredictions(), c.trueLabel()) ? null : WRONG);
        ImageGrid noisy = new ImageGrid(c.height(), c.width()).scale(6)
                .title("noise p = " + Formats.number(c.noise()) + " (" + Formats.number(c.noise() * 100) + " %)")
                .add(c.noisy(), caption(c.trueLabel(), models, c.noisyPredictions()),
                        allRight(c.noisyPredictions(), c.trueLabel()) ? null : WRONG);
        new PanelRow().title("First test image").gap(24).add(clean).add(noisy).writePng(file);
    }

    private static final Color WRONG = new Color(0xb00020);

    private static boolean allRight(int[] predictions, int truth) {
        for (int p : predictions) if (p != truth) return false;
        return true;
    }

    /** "true 7", then one line per model: its name capitalised and its prediction. */
    private static String caption(int truth, List<String> models, int[] predictions) {
        StringBuilder s = new StringBuilder("true " + truth);
        for (int k = 0; k < models.size(); k++) {
            s.append('\n').append(Character.toUpperCase(models.get(k).charAt(0))).append(models.get(k).substring(1))
                    .append(": ").append(predictions[k]);
        }
        return s.toString();
    }
}
