package dev.jacreg.cli;

import dev.jacreg.distributed.ProcessGroup;
import dev.jacreg.experiment.Experiment;
import dev.jacreg.experiment.ExperimentConfig;
import dev.jacreg.experiment.ReportWriter;
import dev.jacreg.experiment.SingleNetStudy;
import dev.jacreg.train.NonFiniteLossException;
import dev.jacreg.train.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

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
        SingleNetStudy.Outcome o;
        try {
            o = SingleNetStudy.run(config, net, distributed.dataParallel(group), distributed.writesOutputs(),
                    StopSignal.tracking(display, cli.stopRequested), cli.stopRequested);
        } catch (NonFiniteLossException e) {
            // No weights: the net is unusable. Keep the record of its finite iterations for a post-mortem.
            if (distributed.writesOutputs()) {
                DivergedRun.writeLossTable(config.out(), e, net, SingleNetStudy.penalized(config),
                        config.training().epochs(), cli.err);
            }
            throw e.forNet(net);
        }
        if (o.weights() == null) return JacregCli.OK;  // data-parallel: rank 0 evaluates and writes
        TrainingResult result = o.training();
        if (result.stoppedEarly()) {
            cli.out.printf(Locale.ROOT, "STOPPED EARLY after %d of %d iterations%n", result.iterations(),
                    result.plannedIterations());
        }
        cli.out.printf(Locale.ROOT, "%s: %d iterations, median %.1f ms each, %.1f s in all%n", net,
                result.iterations(), result.medianIterationMillis(), result.totalSeconds());
        cli.out.printf(Locale.ROOT, "clean test accuracy: %.4f (%d of %d test images right)%n", o.cleanAccuracy(),
                Math.round(o.cleanAccuracy() * o.testCount()), o.testCount());
        cli.out.println("wrote " + o.weights().toAbsolutePath() + ", " + ReportWriter.LOSS_CSV + ", " + ReportWriter.LOSS_PNG);
        cli.out.flush();
        return JacregCli.OK;
    }
}
