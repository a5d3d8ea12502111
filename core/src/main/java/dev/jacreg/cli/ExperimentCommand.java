package dev.jacreg.cli;

import dev.jacreg.distributed.ProcessGroup;
import dev.jacreg.experiment.Experiment;
import dev.jacreg.experiment.ExperimentConfig;
import dev.jacreg.experiment.ExperimentListener;
import dev.jacreg.experiment.ExperimentResult;
import dev.jacreg.experiment.ExperimentSpec;
import dev.jacreg.experiment.ModelCatalog;
import dev.jacreg.experiment.ModelComparison;
import dev.jacreg.experiment.ModelRecipe;
import dev.jacreg.experiment.SweepTable;
import dev.jacreg.experiment.WorkerPool;
import dev.jacreg.experiment.ReplicateReport;
import dev.jacreg.experiment.Replicates;
import dev.jacreg.experiment.ReportWriter;
import dev.jacreg.experiment.RobustnessSweep;
import dev.jacreg.experiment.SweepReport;
import dev.jacreg.train.NonFiniteLossException;
import dev.jacreg.train.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code jacreg experiment}: the whole experiment and its report. */
@Command(name = ExperimentCommand.NAME,
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        sortOptions = false,
        versionProvider = JacregCli.Version.class,
        description = {
                "Runs the whole experiment: trains a Jacobian-regularized net (--lambda) and a reference net "
                        + "(no penalty) of the same architecture from the same initial weights, then measures both "
                        + "nets' test accuracy under growing pixel noise (each pixel replaced by a random value with "
                        + "probability p).",
                "",
                "Writes into --out (default: a new folder " + ExperimentConfig.RUNS_FOLDER + "/" + ExperimentCommand.NAME
                        + "-DATE/ of its own):",
                "  report.md               summary, accuracy table, Jacobian norms, timings,",
                "                          settings, with the figures embedded",
                "  accuracy.csv, .png      accuracy of both nets against the noise proportion",
                "  training-loss.csv, .png loss of every training iteration",
                "  noise-preview.png       16 training images, clean and with noise p = 0.1",
                "  example.png             the first test image, clean and noisy, with the",
                "                          predictions of both nets",
                "  jacobian.safetensors,   the trained weights, with the settings as metadata",
                "  reference.safetensors",
                "  replicates.csv          seed,noise,accuracy_jacobian,accuracy_reference",
                "  jacobian-norms.csv      seed,norm_jacobian,norm_reference",
                "  accuracy-KIND.csv, .png with --corruption gaussian / salt-pepper (pixel",
                "                          replacement is always swept, into accuracy.csv)",
                "  attack-NAME.csv, .png   with --attacks: epsilon,accuracy_jacobian,",
                "                          accuracy_reference; report.md gets a section",
                "  accuracy-replace.csv,   with --models beyond jacobian,reference: every",
                "  .png, models.csv        model's pixel-noise accuracy; each model's recipe,",
                "                          exact Jacobian norm and training time; every sweep",
                "                          above gets a column per model",
                "",
                "With --replicates N (or --seeds) > 1, N pairs are trained, --jobs at a time, and --out gets report.md "
                        + "with means and 95 %% confidence intervals, accuracy.png with bands, accuracy-summary.csv, "
                        + "the two tables above, and each seed's full report in seed-S/.",
                "",
                "The defaults run the experiment of docs/experiment.md with jacreg's stabilised loop (--seed-algorithm: the "
                        + "specification's exact loop): 15 epochs of 156 mini-batches of 32 images on 5,000 synthetic "
                        + "digits, lambda 1, noise 0 to 0.5. That takes a while on a CPU; try --epochs 1 or "
                        + "--data synthetic:1000,500 first. Ctrl-C stops training early and still writes the report "
                        + "for what was trained.",
                ""})
final class ExperimentCommand implements Callable<Integer>, JacregCli.Verbose {
    static final String NAME = "experiment";
    /** The experiment records diagnostics unless --no-diagnostics: it is where training is studied (~20 % per penalized step). */
    static final boolean DIAGNOSTICS_BY_DEFAULT = true;

    @ParentCommand
    JacregCli cli;

    @Mixin
    Options.Training training;

    @Mixin
    Options.Data data;

    @Option(names = "--noise-levels", paramLabel = "P", split = ",",
            description = "Noise proportions of the sweep, each in [0, 1] (default: 0,0.05,...,0.5); for --corruption gaussian the "
                    + "standard deviations sigma, >= 0.")
    double[] noiseLevels;

    @Option(names = "--models", paramLabel = "NAME", split = ",",
            description = "Models to train side by side from the same initial weights on the same batches, and to "
                    + "measure on the same corrupted and attacked images: jacobian (the penalty of --lambda, "
                    + "--projections, --target), reference (no penalty), noise-augment (each training image gets "
                    + "pixel-replacement noise with p ~ U(0, 0.5), fresh every batch), gaussian-augment (additive "
                    + "N(0, sigma^2), sigma ~ U(0, 0.5) per image, clipped), weight-decay (L2 5e-4 in the SGD update, as "
                    + "PyTorch's weight_decay), logits (the penalty on the logits with lambda 0.01, as the paper's code), "
                    + "exact (the penalty computed exactly, C projections along the one-hot directions), pgd-at "
                    + "(Madry: cross-entropy at PGD-7 linf adversarial copies, epsilon 0.1), trades (beta 6, the same "
                    + "inner attack on the KL), input-gradient (lambda/2 * mean ||grad_x CE||^2, double backprop), "
                    + "jacobian-noise (the penalty plus noise-augment's augmentation). Must include "
                    + "jacobian and reference (default: ${DEFAULT-VALUE}).")
    List<String> models = ModelCatalog.DEFAULT;

    @Mixin
    RobustnessOptions robustness;

    @Mixin
    ReplicateOptions replicates;

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
        List<Long> seeds = replicates.seeds(data.seed);
        ExperimentConfig config = Options.config(training, data, compute, runtime, noiseLevels, DIAGNOSTICS_BY_DEFAULT)
                .withSeed(seeds.get(0));
        List<ModelRecipe> recipes = modelList(config);
        boolean compare = recipes.size() > 2;
        boolean extra = robustness.extraRequested() || compare;  // validates --corruption and --attacks before training
        if (extra) robustness.validate(noiseLevels);
        distributed.validate();
        if ((distributed.launches() || distributed.isRank()) && seeds.size() > 1) {
            throw new UsageException("data-parallel training (--nproc, --world-size) runs one seed; drop --replicates/--seeds");
        }
        if (!distributed.launches()) runtime.apply();  // the launched ranks apply it themselves
        int threadsEach = runtime.threads == null ? 1 : runtime.threads;
        // Fail now, not after an hour of training. Ranks other than 0 write nothing, so they make no folder.
        OutFolder folder = distributed.writesOutputs() ? OutFolder.prepare(data.out, data.overwrite, cli.runs, NAME) : null;
        if (distributed.launches()) return distributed.launch(cli.err, folder, cli.stopRequested);
        if (folder == null) return runAll(config, recipes, seeds, extra, threadsEach);
        folder.announce(cli.err, NAME);
        ExperimentConfig settled = config.withOut(folder.path());
        return folder.run(() -> runAll(settled, recipes, seeds, extra, threadsEach), cli.err, cli.stopRequested);
    }

    /** One seed, or the replicates of several. */
    private int runAll(ExperimentConfig config, List<ModelRecipe> recipes, List<Long> seeds, boolean extra, int threadsEach)
            throws Exception {
        if (seeds.size() > 1) {
            if (!extra) return ReplicatedExperiment.run(cli, config, recipes, seeds, replicates.jobs, threadsEach, null, "");
            return ReplicatedExperiment.run(cli, config, recipes, seeds, replicates.jobs, threadsEach, (seed, o, seedFolder, pool) -> {
                RobustnessRun.Result result = measureRobustness(config.withSeed(seed), o, seedFolder,
                        new ExperimentListener() {}, pool);
                SweepReport.insertIntoReport(seedFolder.resolve(ReportWriter.REPORT_MD), result.markdown());
                return result.tables();
            }, RobustnessRun.describe(robustness, "each replicate's seed"));
        }
        try (WorkerPool pool = WorkerPool.of(replicates.jobs, threadsEach)) {
            return run(config, recipes, extra, pool);
        }
    }

    /** The recipes of --models; a usage error names a bad list. */
    private List<ModelRecipe> modelList(ExperimentConfig config) {
        try {
            return ModelCatalog.parse(models, config.penalty());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private int run(ExperimentConfig config, List<ModelRecipe> recipes, boolean extra, WorkerPool pool) throws Exception {
        ProgressDisplay display = ProgressDisplay.forTerminal(cli.err);
        Experiment experiment = new Experiment(config, recipes, StopSignal.tracking(display, cli.stopRequested),
                cli.stopRequested, pool);
        Experiment.Outcome run;
        try (ProcessGroup group = distributed.join(cli.err)) {
            run = experiment.dataParallel(distributed.dataParallel(group)).run();
        } catch (NonFiniteLossException e) {
            // No report and no weights; only the diverged net's record, under its own name.
            if (distributed.writesOutputs()) {
                DivergedRun.writeLossTable(config.out(), e, null, recipes.stream().anyMatch(m -> m.name().equals(e.net())
                        && m.loss().penalized()), config.training().epochs(), cli.err);
            }
            throw e;
        }
        try (Experiment.Outcome outcome = run) {
            if (!distributed.writesOutputs()) return JacregCli.OK;  // data-parallel: rank 0 writes
            display.phase("writing the report to " + config.out().toAbsolutePath());
            List<Path> files = new java.util.ArrayList<>(new ReportWriter(config.out()).write(outcome));
            files.addAll(ReplicateReport.writeTables(config.out(), List.of(new Replicates.Run(config.training().seed(),
                    outcome.result()))));
            if (extra) {
                RobustnessRun.Result result = measureRobustness(config, outcome, config.out(), display, pool);
                SweepReport.insertIntoReport(config.out().resolve(ReportWriter.REPORT_MD), result.markdown());
                RobustnessRun.print(cli.out, result);
                files.addAll(result.files());
            }
            printSummary(cli.out, outcome.result(), config.out(), files);
        }
        return JacregCli.OK;
    }

    /**
     * The extra corruptions and the attacks on every trained net, written into {@code folder}; with more models than the
     * pair, also their pixel-replacement table and chart, weights and the models section (recipes, norms, times).
     */
    private RobustnessRun.Result measureRobustness(ExperimentConfig config, Experiment.Outcome outcome, Path folder,
                                                   ExperimentListener listener, WorkerPool pool) throws IOException {
        ExperimentSpec spec = new ExperimentSpec(config);
        var testSet = spec.loadData()[1];
        ExperimentResult r = outcome.result();
        List<RobustnessSweep.Net> nets = r.models().stream().map(m -> new RobustnessSweep.Net(m.name(), m.label(),
                outcome.nets().get(m.name()), config.dtype())).toList();
        List<SweepTable> leading = r.comparesModels() ? List.of(ModelComparison.noiseTable(r)) : List.of();
        RobustnessRun.Result result;
        try (var test = spec.onDevice(testSet)) {
            result = RobustnessRun.run(robustness, nets, test.images(), test.labels(), noiseLevels, config.training().seed(),
                    config.evalChunk(), folder, listener, pool, leading);
        }
        if (!r.comparesModels()) return result;
        ModelComparison.Written models = ModelComparison.write(folder, r);
        List<Path> files = new java.util.ArrayList<>(result.files());
        files.addAll(models.files());
        files.addAll(ModelComparison.saveWeights(folder, outcome));
        return new RobustnessRun.Result(result.tables(), files, models.markdown() + result.markdown(), result.sanity());
    }

    static void printSummary(PrintStream out, ExperimentResult r, Path dir, List<Path> files) {
        TrainingResult tj = r.trainingJacobian(), tr = r.trainingReference();
        if (tj.stoppedEarly() || tr.stoppedEarly()) {
            out.printf(Locale.ROOT, "STOPPED EARLY: Jacobian net %d of %d iterations, reference net %d of %d; "
                    + "the results describe partly trained nets.%n", tj.iterations(), tj.plannedIterations(),
                    tr.iterations(), tr.plannedIterations());
        }
        out.println("noise   Jacobian  Reference  difference");
        double[] levels = r.noiseLevels();
        for (int i = 0; i < levels.length; i++) {
            double a = r.accuracyJacobian()[i] * 100, b = r.accuracyReference()[i] * 100;
            out.printf(Locale.ROOT, "%5.2f   %7.2f%%  %8.2f%%  %+9.2f%n", levels[i], a, b, a - b);
        }
        out.printf(Locale.ROOT, "mean squared Jacobian norm (exact, clean test set): Jacobian %.6g, reference %.6g%n",
                r.jacobianNormJacobian(), r.jacobianNormReference());
        out.printf(Locale.ROOT, "median ms per training iteration: Jacobian %s, reference %s; training %.1f s + %.1f s%n",
                millis(tj.medianIterationMillis()), millis(tr.medianIterationMillis()), tj.totalSeconds(),
                tr.totalSeconds());
        out.printf(Locale.ROOT, "inference on the %d test images: %.1f ms; whole experiment %.1f s%n",
                r.environment().testCount(), r.inferenceMillis(), r.totalSeconds());
        ExperimentResult.SingleCase c = r.example();
        out.printf(Locale.ROOT, "first test image (true %d): clean Jacobian %d, reference %d; %.0f%% noise Jacobian %d, "
                + "reference %d%n", c.trueLabel(), c.jacobianClean(), c.referenceClean(), c.noise() * 100,
                c.jacobianNoisy(), c.referenceNoisy());
        out.println("wrote " + files.size() + " files to " + dir.toAbsolutePath() + "; open "
                + dir.resolve(ReportWriter.REPORT_MD));
        out.flush();
    }

    private static String millis(double ms) {
        return Double.isFinite(ms) ? String.format(Locale.ROOT, "%.1f", ms) : "n/a";
    }
}
