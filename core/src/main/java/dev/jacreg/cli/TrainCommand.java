package dev.jacreg.cli;

import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.distributed.ProcessGroup;
import dev.jacreg.experiment.Experiment;
import dev.jacreg.experiment.ExperimentConfig;
import dev.jacreg.experiment.ExperimentListener;
import dev.jacreg.experiment.ExperimentSpec;
import dev.jacreg.experiment.ReportWriter;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.Evaluator;
import dev.jacreg.train.NonFiniteLossException;
import dev.jacreg.train.RegularizedLoss;
import dev.jacreg.train.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code jacreg train}: one network, its weights and its loss curve. */
@Command(name = TrainCommand.NAME,
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        sortOptions = false,
        versionProvider = JacregCli.Version.class,
        description = {
                "Trains one net of the experiment's architecture: the Jacobian-regularized one (--lambda > 0) or the "
                        + "reference (--lambda 0). With the same --seed and --data it starts from the same initial "
                        + "weights as 'jacreg experiment' and trains the same way. Prints the accuracy on the clean "
                        + "test set.",
                "",
                "Writes into --out (default: a new folder " + ExperimentConfig.RUNS_FOLDER + "/" + TrainCommand.NAME
                        + "-DATE/ of its own):",
                "  NAME.safetensors        the weights, with the settings as metadata (NAME is",
                "                          jacobian, or reference with --lambda 0, unless --name)",
                "  training-loss.csv, .png loss of every training iteration",
                "",
                "Then 'jacreg evaluate --model OUT/NAME.safetensors' measures the net under noise. Ctrl-C stops "
                        + "training early and keeps what was trained.",
                ""})
final class TrainCommand implements Callable<Integer>, JacregCli.Verbose {
    static final String NAME = "train";

    @ParentCommand
    JacregCli cli;

    @Mixin
    Options.Training training;

    @Mixin
    Options.Data data;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Base name of the weights file (default: jacobian, or reference with --lambda 0).")
    String name;

    @Mixin
    Options.Compute compute;

    @Mixin
    Options.Runtime runtime;

    @Mixin
    DistributedOptions distributed;

    @Override
    public boolean verbose() {
        return runtime.verbose;
    }

    @Override
    public Integer call() throws Exception {
        ExperimentConfig config = Options.config(training, data, compute, runtime, null);
        String net = name != null ? name : config.penalty().lambda() > 0 ? Experiment.JACOBIAN : Experiment.REFERENCE;
        if (net.isBlank() || !net.matches("[A-Za-z0-9._-]+") || net.startsWith(".")) {
            throw new UsageException("--name must be a plain file name (letters, digits, . _ -), got '" + net + "'");
        }
        distributed.validate();
        if (!distributed.launches()) runtime.apply();  // the launched ranks apply it themselves
        // Fail now, not after training. Ranks other than 0 write nothing, so they make no folder.
        OutFolder folder = distributed.writesOutputs() ? OutFolder.prepare(data.out, data.overwrite, cli.runs, NAME) : null;
        if (distributed.launches()) return distributed.launch(cli.err, folder, cli.stopRequested);
        if (folder == null) return joinAndRun(config, net);
        folder.announce(cli.err, NAME);
        ExperimentConfig settled = config.withOut(folder.path());
        return folder.run(() -> joinAndRun(settled, net), cli.err, cli.stopRequested);
    }

    private int joinAndRun(ExperimentConfig config, String net) throws Exception {
        try (ProcessGroup group = distributed.join(cli.err)) {
            return run(config, net, group);
        }
    }

    private int run(ExperimentConfig config, String net, ProcessGroup group) throws Exception {
        ProgressDisplay display = ProgressDisplay.forTerminal(cli.err);
        ExperimentSpec spec = new ExperimentSpec(config);  // the experiment's data, net, loop and metadata
        display.phase("loading " + config.data().describe());
        DigitDataset[] sets = spec.loadData();
        DigitDataset trainSet = sets[0], testSet = sets[1];

        try (DeviceDataset train = spec.onDevice(trainSet);
             DeviceDataset test = spec.onDevice(testSet);
             TensorScope scope = TensorScope.open()) {
            Tensor mean = train.meanImage();
            try (Sequential model = spec.createNetwork(mean, trainSet.height(), trainSet.width())) {
                RegularizedLoss loss = new RegularizedLoss(config.penalty());  // builds no penalty graph at lambda 0
                boolean penalized = loss.penalized();
                display.phase("training " + net + (penalized ? " (Jacobian penalty, lambda " + config.penalty().lambda() + ")"
                        : " (no penalty)"));
                ExperimentListener listener = StopSignal.tracking(display, cli.stopRequested);
                TrainingResult result;
                try {
                    result = spec.trainer(loss, distributed.dataParallel(group))
                            .train(model, train, p -> listener.iteration(net, p), cli.stopRequested);
                } catch (NonFiniteLossException e) {
                    // No weights: the net is unusable. Keep the record of its finite iterations for a post-mortem.
                    if (distributed.writesOutputs()) {
                        DivergedRun.writeLossTable(config.out(), e, net, penalized, config.training().epochs(), cli.err);
                    }
                    throw e.forNet(net);
                }
                listener.trainingEnded(net, result);
                if (!distributed.writesOutputs()) return JacregCli.OK;  // data-parallel: rank 0 evaluates and writes

                display.phase("evaluating on the clean test set");
                double accuracy = Evaluator.accuracy(model, test.images(), test.labels(), config.evalChunk());

                Path weights = config.out().resolve(net + ReportWriter.WEIGHTS_SUFFIX);
                ModelFiles.save(model, weights, spec.metadata(net, config.penalty().lambda(), result, Torch.version(),
                        config.data().describe()).withCleanTestAccuracy(accuracy).toMap());

                int perEpoch = Math.max(1, result.plannedIterations() / config.training().epochs());
                List<ReportWriter.NetLoss> losses = List.of(new ReportWriter.NetLoss(net,
                        penalized ? ReportWriter.JACOBIAN_LABEL : ReportWriter.REFERENCE_LABEL, result, penalized));
                ReportWriter.writeTrainingLossCsv(config.out().resolve(ReportWriter.LOSS_CSV), losses, perEpoch);
                ReportWriter.writeTrainingLossChart(config.out().resolve(ReportWriter.LOSS_PNG), losses, perEpoch,
                        config.training().epochs());

                if (result.stoppedEarly()) {
                    cli.out.printf(Locale.ROOT, "STOPPED EARLY after %d of %d iterations%n", result.iterations(),
                            result.plannedIterations());
                }
                cli.out.printf(Locale.ROOT, "%s: %d iterations, median %.1f ms each, %.1f s in all%n", net,
                        result.iterations(), result.medianIterationMillis(), result.totalSeconds());
                cli.out.printf(Locale.ROOT, "clean test accuracy: %.4f (%d of %d test images right)%n", accuracy,
                        Math.round(accuracy * testSet.count()), testSet.count());
                cli.out.println("wrote " + weights.toAbsolutePath() + ", " + ReportWriter.LOSS_CSV + ", "
                        + ReportWriter.LOSS_PNG);
                cli.out.flush();
            }
        }
        return JacregCli.OK;
    }
}
