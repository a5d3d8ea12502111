package dev.jacreg.experiment;

import static dev.jacreg.experiment.ReportWriter.*;

import dev.jacreg.Jacreg;
import dev.jacreg.train.TrainingResult;

import dev.jacreg.report.Report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The text of report.md: summary, accuracy table, Jacobian norms, training, single case, timings, settings. Every
 * table has a row or column per model; where the baseline ({@link ExperimentResult#baseline}) was trained, every other
 * model is also compared with it.
 */
final class ReportMarkdown {
    private ReportMarkdown() {}

    /** The heading the measurements made after training are placed before ({@link Report#insertBefore}). */
    static final String SETTINGS = "Settings";

    static Report report(ExperimentResult r, java.util.Collection<String> failedFiles) {
        List<ModelResult> models = r.models();
        boolean stopped = models.stream().anyMatch(m -> m.training().stoppedEarly());
        List<String> intro = new ArrayList<>();
        if (stopped) {
            StringBuilder banner = new StringBuilder("> **⚠ Training was stopped early.** ");
            for (int k = 0; k < models.size(); k++) {
                TrainingResult t = models.get(k).training();
                banner.append(k == 0 ? "The " : ", the ").append(models.get(k).name()).append(" net ")
                        .append(k == 0 ? "trained " : "").append(Formats.count(t.iterations())).append(" of ")
                        .append(Formats.count(t.plannedIterations())).append(k == 0 ? " iterations" : "");
            }
            intro.add(banner.append(". Every number below describes these partly trained networks, not the full experiment.")
                    .toString());
        }
        if (!failedFiles.isEmpty()) {
            intro.add("> **Some files could not be written:** " + String.join(", ", failedFiles)
                    + ". Their links below are broken.");
        }
        intro.add(summary(r));
        List<Report.Section> sections = List.of(accuracySection(r), normSection(r), trainingSection(r),
                Report.Section.of("A single test image", singleCase(r),
                        "![The first test image, clean and noisy, with every net's predictions](" + EXAMPLE_PNG + ")"),
                Report.Section.of("The noise", "Every pixel is, independently with probability p, replaced by a value "
                                + "drawn uniformly from [0, 1]. " + r.preview().count() + " random training images, clean "
                                + "and with p = " + Formats.number(r.preview().noise()) + ":",
                        "![Training images clean and with noise](" + PREVIEW_PNG + ")"),
                timingsSection(r), settingsSection(r), environmentSection(r), filesSection(r));
        return new Report(title(models) + " under pixel noise" + (stopped ? " (stopped early)" : ""), intro, sections);
    }

    /** "Jacobian regularization vs. reference": the models' labels, each after the first lower-cased unless an acronym. */
    static String title(List<ModelResult> models) {
        StringBuilder s = new StringBuilder();
        for (ModelResult m : models) {
            String label = m.label();
            if (!s.isEmpty()) {
                s.append(" vs. ");
                if (label.length() > 1 && Character.isLowerCase(label.charAt(1))) {
                    label = Character.toLowerCase(label.charAt(0)) + label.substring(1);
                }
            }
            s.append(label);
        }
        return s.toString();
    }

    private static Report.Section accuracySection(ExperimentResult r) {
        double[] levels = r.noiseLevels();
        List<ModelResult> compared = r.compared();
        StringBuilder md = new StringBuilder();
        md.append("Each noise level is a fresh noisy copy of the whole test set (").append(Formats.count(r.environment().testCount()))
                .append(" images), classified by every net; the same noisy copy is used for all.\n\n");
        md.append("| noise |");
        for (ModelResult m : r.models()) md.append(' ').append(m.label()).append(" |");
        for (ModelResult m : compared) md.append(' ').append(differenceHeading(compared, m, "(points)")).append(" |");
        md.append("\n|---:|").append("---:|".repeat(r.models().size() + compared.size())).append('\n');
        for (int i = 0; i < levels.length; i++) {
            md.append("| ").append(Formats.number(levels[i] * 100)).append(" %");
            for (ModelResult m : r.models()) md.append(" | ").append(Formats.percent(m.accuracy()[i] * 100, 1));
            for (ModelResult m : compared) {
                md.append(" | ").append(Formats.signed((m.accuracy()[i] - r.baseline().orElseThrow().accuracy()[i]) * 100));
            }
            md.append(" |\n");
        }
        md.append("\n![Accuracy against noise proportion](").append(ACCURACY_PNG).append(")\n\n");
        md.append("Raw numbers: [").append(ACCURACY_CSV).append("](").append(ACCURACY_CSV).append(").\n\n");
        return Report.Section.of("Accuracy under pixel noise", md.toString());
    }

    /** "difference (points)" when one model is compared with the baseline, else "Label − reference (points)". */
    static String differenceHeading(List<ModelResult> compared, ModelResult m, String unit) {
        return compared.size() == 1 ? "difference " + unit : m.label() + " − " + ExperimentResult.BASELINE + " " + unit;
    }

    private static Report.Section normSection(ExperimentResult r) {
        ExperimentConfig c = r.config();
        StringBuilder md = new StringBuilder();
        md.append("Mean over the clean test set of the exact squared Frobenius norm ‖J‖²_F of the Jacobian of the ")
                .append(outputName(c)).append(" with respect to the input image (all ").append(dev.jacreg.nn.SeedNetwork.CLASSES)
                .append(" rows, inference mode):\n\n");
        md.append("| net | mean ‖J‖²_F |\n|---|---:|\n");
        for (ModelResult m : r.models()) {
            md.append("| ").append(m.label()).append(" | ").append(Formats.scientific(m.jacobianNorm())).append(" |\n");
        }
        if (r.baseline().isPresent()) {
            double base = r.baseline().get().jacobianNorm();
            StringBuilder ratios = new StringBuilder();
            for (ModelResult m : r.compared()) {
                if (!(m.jacobianNorm() > 0 && base > 0)) continue;
                double ratio = base / m.jacobianNorm();
                ratios.append(ratios.isEmpty() ? "" : " ").append(m.label()).append("'s norm is ")
                        .append(ratio >= 1 ? Formats.ratio(ratio) + " smaller" : Formats.ratio(1 / ratio) + " larger")
                        .append(" than the reference's.");
            }
            if (!ratios.isEmpty()) md.append('\n').append(ratios).append('\n');
        }
        md.append('\n');
        return Report.Section.of("Jacobian norm", md.toString());
    }

    private static Report.Section trainingSection(ExperimentResult r) {
        StringBuilder md = new StringBuilder();
        md.append("![Training loss per iteration](").append(LOSS_PNG).append(")\n\n");
        md.append("| net | iterations | final loss (mean of last ")
                .append(Math.min(50, Math.max(1, r.models().get(0).training().iterations())))
                .append(") | median ms / iteration | training time |\n|---|---:|---:|---:|---:|\n");
        for (ModelResult m : r.models()) {
            String lambda = m.recipe().loss().penalized() || m.recipe().loss().robustObjective() == null
                    ? " (λ = " + Formats.number(m.recipe().lambda()) + ")" : "";
            trainingRow(md, m.label() + lambda, m.training());
        }
        md.append("\nPer-iteration values: [").append(LOSS_CSV).append("](").append(LOSS_CSV).append(").\n\n");
        return Report.Section.of("Training", md.toString());
    }

    private static Report.Section timingsSection(ExperimentResult r) {
        StringBuilder md = new StringBuilder();
        md.append("| quantity | value |\n|---|---:|\n");
        for (ModelResult m : r.models()) {
            md.append("| median training iteration, ").append(m.label()).append(" | ")
                    .append(Formats.millis(m.training().medianIterationMillis())).append(" |\n");
        }
        r.baseline().ifPresent(base -> {
            for (ModelResult m : r.compared()) {
                if (m.training().iterations() == 0 || base.training().iterations() == 0) continue;
                md.append("| cost of ").append(m.label()).append(" against the reference (ratio of medians) | ")
                        .append(String.format(Locale.ROOT, "%.2f×", m.training().medianIterationMillis()
                                / base.training().medianIterationMillis())).append(" |\n");
            }
        });
        for (ModelResult m : r.models()) {
            md.append("| total training time, ").append(m.label()).append(" | ")
                    .append(Formats.seconds(m.training().totalSeconds())).append(" |\n");
        }
        md.append("| inference, whole clean test set (").append(Formats.count(r.environment().testCount()))
                .append(" images, batches of ").append(r.config().evalChunk()).append(") | ").append(Formats.millis(r.inferenceMillis()))
                .append(" |\n");
        md.append("| total experiment (data, training, evaluation) | ").append(Formats.seconds(r.totalSeconds())).append(" |\n");
        md.append("| peak resident memory of the process (VmHWM) | ")
                .append(PeakMemory.describe(r.environment().peakResidentBytes())).append(" |\n\n");
        return Report.Section.of("Timings", md.toString());
    }

    /** The Settings section: one row per {@link RunSetting}, then the run's own rows. */
    private static Report.Section settingsSection(ExperimentResult r) {
        String md = SettingsTable.table(RunSettings.of(r.config()), Map.of(), SettingsTable.runRows(r));
        return Report.Section.of(SETTINGS, md);
    }

    private static Report.Section environmentSection(ExperimentResult r) {
        StringBuilder md = new StringBuilder();
        ExperimentResult.Environment e = r.environment();
        md.append("| | |\n|---|---|\n");
        SettingsTable.row(md, "device", e.device());
        SettingsTable.row(md, "libtorch", e.torchVersion());
        SettingsTable.row(md, "intra-op threads", Integer.toString(e.threads()));
        SettingsTable.row(md, "CPU", e.cpu());
        SettingsTable.row(md, "Java", e.javaVersion());
        SettingsTable.row(md, "jacreg", Jacreg.version());
        md.append('\n');

        return Report.Section.of("Environment", md.toString());
    }

    private static Report.Section filesSection(ExperimentResult r) {
        StringBuilder md = new StringBuilder("- ");
        for (int k = 0; k < r.models().size(); k++) {
            md.append(k == 0 ? "`" : ", `").append(r.models().get(k).name()).append(WEIGHTS_SUFFIX).append('`');
        }
        md.append(": the trained weights (safetensors, tensor names as in the model, e.g. "
                + "`conv1.weight`; the training settings are in the header metadata). Reload with "
                + "`jacreg evaluate --model FILE`.\n");
        md.append("- `").append(ACCURACY_CSV).append("`, `").append(LOSS_CSV).append("`: the numbers behind the figures.\n");
        return Report.Section.of("Files", md.toString());
    }

    private static String outputName(ExperimentConfig c) {
        return c.penalty().target() == dev.jacreg.train.JacobianPenalty.Target.SOFTMAX ? "softmax output" : "logits";
    }

    private static String summary(ExperimentResult r) {
        ExperimentConfig c = r.config();
        double[] levels = r.noiseLevels();
        List<ModelResult> models = r.models();
        StringBuilder s = new StringBuilder();
        s.append(models.size() == 1 ? "One network was" : count(models.size()) + " networks of the same architecture were")
                .append(" trained from the same initial weights on ")
                .append(Formats.count(r.environment().trainCount())).append(" ")
                .append(c.data() instanceof DataSource.Synthetic ? "synthetic digit images" : "images")
                .append(" for ").append(c.training().epochs()).append(c.training().epochs() == 1 ? " epoch" : " epochs")
                .append(": ");
        for (int k = 0; k < models.size(); k++) {
            ModelResult m = models.get(k);
            s.append(k == 0 ? "" : k == models.size() - 1 ? " and " : ", ").append(m.label()).append(" (")
                    .append(m.recipe().describeLoss());
            if (m.recipe().augmentation() != dev.jacreg.train.Augmentation.NONE) {
                s.append("; ").append(m.recipe().augmentation().describe());
            }
            if (m.recipe().weightDecay() > 0) s.append("; weight decay ").append(Formats.number(m.recipe().weightDecay()));
            s.append(')');
        }
        s.append(". ");
        int clean = indexOf(levels, 0);
        if (clean >= 0) s.append("On the clean test set: ").append(accuracies(models, clean)).append(". ");
        int noisy = -1;
        for (int i = 0; i < levels.length; i++) {
            if (levels[i] > 0 && (noisy < 0 || Math.abs(levels[i] - 0.3) < Math.abs(levels[noisy] - 0.3))) noisy = i;
        }
        if (noisy >= 0) {
            s.append("At ").append(Formats.number(levels[noisy] * 100)).append(" % noise: ").append(accuracies(models, noisy));
            if (r.baseline().isPresent()) {
                double b = r.baseline().get().accuracy()[noisy] * 100;
                for (ModelResult m : r.compared()) {
                    double d = m.accuracy()[noisy] * 100 - b;
                    s.append("; ").append(m.label()).append(" is ");
                    if (Math.abs(d) < 0.05) s.append("as accurate as the reference");
                    else s.append(String.format(Locale.ROOT, "%.1f points %s accurate than the reference", Math.abs(d),
                            d > 0 ? "more" : "less"));
                }
            }
            s.append(". ");
        }
        for (ModelResult m : models) {
            if (m.training().iterations() == 0) {
                s.append("The ").append(m.name()).append(" net was not trained at all (the run was stopped first), so "
                        + "its numbers are those of random initial weights. ");
            }
        }
        if (models.stream().allMatch(m -> m.jacobianNorm() > 0)) {
            s.append("Mean squared Jacobian norms: ");
            for (int k = 0; k < models.size(); k++) {
                s.append(k == 0 ? "" : ", ").append(models.get(k).label()).append(' ')
                        .append(Formats.scientific(models.get(k).jacobianNorm()));
            }
            s.append('.');
        }
        return s.toString().strip();
    }

    private static String accuracies(List<ModelResult> models, int level) {
        StringBuilder s = new StringBuilder();
        for (ModelResult m : models) {
            s.append(s.isEmpty() ? "" : ", ").append(m.label()).append(' ').append(Formats.percent(m.accuracy()[level] * 100, 1));
        }
        return s.toString();
    }

    private static String count(int n) {
        String[] words = {"Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten"};
        return n < words.length ? words[n] : Integer.toString(n);
    }

    private static String singleCase(ExperimentResult r) {
        ExperimentResult.SingleCase c = r.example();
        return "The first test image shows a " + c.trueLabel() + ". Clean, the nets predict " + verdicts(r, c.cleanPredictions(),
                c.trueLabel()) + ". With " + Formats.number(c.noise() * 100) + " % of its pixels replaced by noise: "
                + verdicts(r, c.noisyPredictions(), c.trueLabel()) + ".";
    }

    private static String verdicts(ExperimentResult r, int[] predictions, int truth) {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < predictions.length; k++) {
            s.append(k == 0 ? "" : ", ").append(r.models().get(k).name()).append(' ').append(verdict(predictions[k], truth));
        }
        return s.toString();
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
        md.append("| ").append(name).append(" | ").append(Formats.count(t.iterations())).append(" of ")
                .append(Formats.count(t.plannedIterations())).append(t.stoppedEarly() ? " (stopped early)" : "").append(" | ")
                .append(Double.isNaN(last) ? "–" : String.format(Locale.ROOT, "%.4f", last)).append(" | ")
                .append(Formats.millis(t.medianIterationMillis())).append(" | ").append(Formats.seconds(t.totalSeconds())).append(" |\n");
    }

    private static int indexOf(double[] levels, double value) {
        for (int i = 0; i < levels.length; i++) if (levels[i] == value) return i;
        return -1;
    }
}
