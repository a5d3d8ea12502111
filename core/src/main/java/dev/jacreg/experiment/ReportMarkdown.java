package dev.jacreg.experiment;

import static dev.jacreg.experiment.ReportWriter.*;

import dev.jacreg.Jacreg;
import dev.jacreg.train.TrainingResult;

import java.nio.file.Files;
import java.util.Locale;

/** The text of report.md: summary, accuracy table, Jacobian norms, training, single case, timings, settings. */
final class ReportMarkdown {
    private ReportMarkdown() {}

    static String render(ExperimentResult r, java.util.Collection<String> failedFiles) {
        ExperimentConfig c = r.config();
        TrainingResult tj = r.trainingJacobian(), tr = r.trainingReference();
        double[] levels = r.noiseLevels();
        StringBuilder md = new StringBuilder();
        boolean stopped = tj.stoppedEarly() || tr.stoppedEarly();
        md.append("# Jacobian regularization vs. reference under pixel noise").append(stopped ? " (stopped early)" : "")
                .append("\n\n");
        if (stopped) {
            md.append("> **⚠ Training was stopped early.** The Jacobian-regularized net trained ")
                    .append(Formats.count(tj.iterations())).append(" of ").append(Formats.count(tj.plannedIterations()))
                    .append(" iterations, the reference net ").append(Formats.count(tr.iterations())).append(" of ")
                    .append(Formats.count(tr.plannedIterations()))
                    .append(". Every number below describes these partly trained networks, not the full experiment.\n\n");
        }
        if (!failedFiles.isEmpty()) {
            md.append("> **Some files could not be written:** ").append(String.join(", ", failedFiles))
                    .append(". Their links below are broken.\n\n");
        }
        md.append(summary(r)).append("\n\n");

        md.append("## Accuracy under pixel noise\n\n");
        md.append("Each noise level is a fresh noisy copy of the whole test set (").append(Formats.count(r.environment().testCount()))
                .append(" images), classified by both nets; the same noisy copy is used for both.\n\n");
        md.append("| noise | ").append(JACOBIAN_LABEL).append(" | ").append(REFERENCE_LABEL)
                .append(" | difference (points) |\n|---:|---:|---:|---:|\n");
        for (int i = 0; i < levels.length; i++) {
            double a = r.accuracyJacobian()[i] * 100, b = r.accuracyReference()[i] * 100;
            md.append("| ").append(Formats.number(levels[i] * 100)).append(" %")
                    .append(" | ").append(Formats.percent(a, 1)).append(" | ").append(Formats.percent(b, 1)).append(" | ")
                    .append(Formats.signed(a - b)).append(" |\n");
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
        md.append("| ").append(JACOBIAN_LABEL).append(" | ").append(Formats.scientific(r.jacobianNormJacobian())).append(" |\n");
        md.append("| ").append(REFERENCE_LABEL).append(" | ").append(Formats.scientific(r.jacobianNormReference())).append(" |\n");
        if (r.jacobianNormJacobian() > 0 && r.jacobianNormReference() > 0) {
            double ratio = r.jacobianNormReference() / r.jacobianNormJacobian();
            md.append("\nThe regularized net's norm is ").append(ratio >= 1 ? Formats.ratio(ratio) + " smaller"
                    : Formats.ratio(1 / ratio) + " larger").append(" than the reference's.\n");
        }
        md.append('\n');

        md.append("## Training\n\n");
        md.append("![Training loss per iteration](").append(LOSS_PNG).append(")\n\n");
        md.append("| net | iterations | final loss (mean of last ").append(Math.min(50, Math.max(1, tj.iterations())))
                .append(") | median ms / iteration | training time |\n|---|---:|---:|---:|---:|\n");
        trainingRow(md, JACOBIAN_LABEL + " (λ = " + Formats.number(c.penalty().lambda()) + ")", tj);
        trainingRow(md, REFERENCE_LABEL + " (λ = 0)", tr);
        md.append("\nPer-iteration values: [").append(LOSS_CSV).append("](").append(LOSS_CSV).append(").\n\n");

        md.append("## A single test image\n\n");
        md.append(singleCase(r.example())).append("\n\n");
        md.append("![The first test image, clean and noisy, with both nets' predictions](").append(EXAMPLE_PNG)
                .append(")\n\n");

        md.append("## The noise\n\n");
        md.append("Every pixel is, independently with probability p, replaced by a value drawn uniformly from [0, 1]. ")
                .append(r.preview().count()).append(" random training images, clean and with p = ")
                .append(Formats.number(r.preview().noise())).append(":\n\n");
        md.append("![Training images clean and with noise](").append(PREVIEW_PNG).append(")\n\n");

        md.append("## Timings\n\n");
        md.append("| quantity | value |\n|---|---:|\n");
        md.append("| median training iteration, ").append(JACOBIAN_LABEL).append(" | ")
                .append(Formats.millis(tj.medianIterationMillis())).append(" |\n");
        md.append("| median training iteration, ").append(REFERENCE_LABEL).append(" | ")
                .append(Formats.millis(tr.medianIterationMillis())).append(" |\n");
        if (tj.iterations() > 0 && tr.iterations() > 0) {
            md.append("| cost of the penalty (ratio of medians) | ")
                    .append(String.format(Locale.ROOT, "%.2f×", tj.medianIterationMillis() / tr.medianIterationMillis()))
                    .append(" |\n");
        }
        md.append("| total training time, ").append(JACOBIAN_LABEL).append(" | ").append(Formats.seconds(tj.totalSeconds()))
                .append(" |\n");
        md.append("| total training time, ").append(REFERENCE_LABEL).append(" | ").append(Formats.seconds(tr.totalSeconds()))
                .append(" |\n");
        md.append("| inference, whole clean test set (").append(Formats.count(r.environment().testCount()))
                .append(" images, batches of ").append(c.evalChunk()).append(") | ").append(Formats.millis(r.inferenceMillis()))
                .append(" |\n");
        md.append("| total experiment (data, training, evaluation) | ").append(Formats.seconds(r.totalSeconds())).append(" |\n");
        md.append("| peak resident memory of the process (VmHWM) | ")
                .append(PeakMemory.describe(r.environment().peakResidentBytes())).append(" |\n\n");

        md.append("## Settings\n\n| setting | value |\n|---|---|\n");
        setting(md, "epochs", Integer.toString(c.training().epochs()));
        setting(md, "iterations per net", Formats.count(tj.plannedIterations()) + " planned ("
                + Formats.count(tj.plannedIterations() / Math.max(1, c.training().epochs())) + " per epoch, last partial batch dropped)");
        setting(md, "mini-batch size", Integer.toString(c.training().batchSize()));
        setting(md, "λ (penalty weight)", Formats.number(c.penalty().lambda()));
        if (c.penalty().estimator() == dev.jacreg.train.JacobianPenalty.Estimator.FINITE_DIFFERENCE) {
            // Shown only when not the default, so that default reports stay as they were.
            setting(md, "penalty estimator", "finite differences along random input directions (step h = "
                    + Formats.number(dev.jacreg.train.FiniteDifferencePenalty.STEP) + ", no second backward)");
            setting(md, "random input directions per batch", Integer.toString(c.penalty().projections()));
        } else {
            setting(md, "random projections per batch", Integer.toString(c.penalty().projections()));
        }
        setting(md, "penalised output", output);
        if (c.penalty().every() > 1) {  // shown only when not the default (every step)
            int k = c.penalty().every();
            setting(md, "penalty computed on", "one step in " + k + " (iterations 0, " + k + ", " + 2 * k + ", …), weight "
                    + k + "·λ there");
        }
        if (c.penalty().subset() != 1.0) {  // shown only when not the default (the whole batch)
            long batch = c.training().batchSize();
            setting(md, "penalty computed on images", "the first " + c.penalty().subsetSize(batch) + " of each batch's " + batch
                    + " images (--penalty-subset " + Formats.number(c.penalty().subset()) + ")");
        }
        setting(md, "SGD learning rate", Formats.number(c.training().learningRate()));
        setting(md, "SGD momentum", Formats.number(c.training().momentum()));
        // The remedies (off = docs/experiment.md) and whether training-loss.csv holds the diagnostics columns.
        setting(md, "batch norm in the penalty", c.penalty().batchNorm() == dev.jacreg.train.JacobianPenalty.BatchNormMode.TRAIN
                ? "training mode (batch statistics)" : "inference mode (running statistics, second pass)");
        setting(md, "learning-rate schedule", c.training().schedule().describe());
        setting(md, "gradient clipping (max L2 norm)", c.training().clipGradNorm() > 0
                ? Formats.number(c.training().clipGradNorm()) : "off");
        setting(md, "penalty warm-up", c.training().penaltyWarmupEpochs() > 0
                ? c.training().penaltyWarmupEpochs() + (c.training().penaltyWarmupEpochs() == 1 ? " epoch" : " epochs") : "off");
        int split = c.training().gradientSplitInterval();
        setting(md, "per-iteration diagnostics", !c.training().diagnostics() ? "off" : "in training-loss.csv; gradient split into "
                + "its parts on " + (split == 1 ? "every iteration" : "iterations 0, " + split + ", " + 2 * split + ", …"));
        setting(md, "seed", Long.toString(c.training().seed()));
        setting(md, "data seed", Long.toString(c.dataSeed()));
        setting(md, "dtype", c.dtype().name().toLowerCase(Locale.ROOT));
        setting(md, "data", r.environment().dataDescription() + " (`--data " + c.data().argument() + "`)");
        setting(md, "training / test images", Formats.count(r.environment().trainCount()) + " / "
                + Formats.count(r.environment().testCount()));
        StringBuilder noise = new StringBuilder();
        for (double p : levels) noise.append(noise.isEmpty() ? "" : ", ").append(Formats.number(p));
        setting(md, "noise levels", noise.toString());
        setting(md, "single-image noise", Formats.number(c.exampleNoise()));
        md.append('\n');

        ExperimentResult.Environment e = r.environment();
        md.append("## Environment\n\n| | |\n|---|---|\n");
        setting(md, "device", e.device());
        setting(md, "libtorch", e.torchVersion());
        setting(md, "intra-op threads", Integer.toString(e.threads()));
        setting(md, "CPU", e.cpu());
        setting(md, "Java", e.javaVersion());
        setting(md, "jacreg", Jacreg.version());
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
                .append(Formats.count(r.environment().trainCount())).append(" ")
                .append(c.data() instanceof DataSource.Synthetic ? "synthetic digit images" : "images")
                .append(" for ").append(c.training().epochs()).append(c.training().epochs() == 1 ? " epoch" : " epochs")
                .append(": one with the Jacobian penalty (λ = ").append(Formats.number(c.penalty().lambda())).append(", ")
                .append(c.penalty().projections()).append(c.penalty().estimator() == dev.jacreg.train.JacobianPenalty.Estimator.FINITE_DIFFERENCE
                        ? (c.penalty().projections() == 1 ? " random input direction" : " random input directions") + ", finite differences"
                        : c.penalty().projections() == 1 ? " random projection" : " random projections")
                .append(") and one without. ");
        int clean = indexOf(levels, 0);
        if (clean >= 0) {
            s.append("On the clean test set the regularized net is ").append(Formats.percent(r.accuracyJacobian()[clean] * 100, 1))
                    .append(" accurate and the reference ").append(Formats.percent(r.accuracyReference()[clean] * 100, 1)).append(". ");
        }
        int noisy = -1;
        for (int i = 0; i < levels.length; i++) {
            if (levels[i] > 0 && (noisy < 0 || Math.abs(levels[i] - 0.3) < Math.abs(levels[noisy] - 0.3))) noisy = i;
        }
        if (noisy >= 0) {
            double a = r.accuracyJacobian()[noisy] * 100, b = r.accuracyReference()[noisy] * 100;
            double d = a - b;
            s.append("At ").append(Formats.number(levels[noisy] * 100)).append(" % noise the regularized net is ");
            if (Math.abs(d) < 0.05) s.append("as accurate as the reference");
            else s.append(String.format(Locale.ROOT, "%.1f points %s accurate", Math.abs(d), d > 0 ? "more" : "less"));
            s.append(" (").append(Formats.percent(a, 1)).append(" vs. ").append(Formats.percent(b, 1)).append("). ");
        }
        if (r.trainingReference().iterations() == 0) {
            s.append("The reference net was not trained at all (the run was stopped first), so its numbers are those "
                    + "of random initial weights. ");
        }
        if (r.jacobianNormJacobian() > 0 && r.jacobianNormReference() > 0) {
            s.append("Its mean squared Jacobian norm is ").append(Formats.scientific(r.jacobianNormJacobian())).append(" against ")
                    .append(Formats.scientific(r.jacobianNormReference())).append(" for the reference.");
        }
        return s.toString().strip();
    }

    private static String singleCase(ExperimentResult.SingleCase c) {
        return "The first test image shows a " + c.trueLabel() + ". Clean, the regularized net predicts "
                + verdict(c.jacobianClean(), c.trueLabel()) + " and the reference " + verdict(c.referenceClean(), c.trueLabel())
                + ". With " + Formats.number(c.noise() * 100) + " % of its pixels replaced by noise, the regularized net predicts "
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
        md.append("| ").append(name).append(" | ").append(Formats.count(t.iterations())).append(" of ")
                .append(Formats.count(t.plannedIterations())).append(t.stoppedEarly() ? " (stopped early)" : "").append(" | ")
                .append(Double.isNaN(last) ? "–" : String.format(Locale.ROOT, "%.4f", last)).append(" | ")
                .append(Formats.millis(t.medianIterationMillis())).append(" | ").append(Formats.seconds(t.totalSeconds())).append(" |\n");
    }

    private static void setting(StringBuilder md, String name, String value) {
        md.append("| ").append(name).append(" | ").append(value.replace("|", "\\|")).append(" |\n");
    }

    private static int indexOf(double[] levels, double value) {
        for (int i = 0; i < levels.length; i++) if (levels[i] == value) return i;
        return -1;
    }
}
