package dev.jacreg.cli;

import dev.jacreg.distributed.ProcessGroup;
import dev.jacreg.experiment.Experiment;
import dev.jacreg.experiment.ExperimentConfig;
import dev.jacreg.experiment.ExperimentStudy;
import dev.jacreg.experiment.ModelCatalog;
import dev.jacreg.experiment.ModelRecipe;
import dev.jacreg.experiment.ReplicatedStudy;
import dev.jacreg.experiment.RobustnessPlan;
import dev.jacreg.experiment.RobustnessRun;
import dev.jacreg.experiment.WorkerPool;
import dev.jacreg.train.NonFiniteLossException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.List;
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
                "  accuracy.csv, .png      accuracy of every net against the noise proportion",
                "  training-loss.csv, .png loss of every training iteration",
                "  noise-preview.png       16 training images, clean and with noise p = 0.1",
                "  example.png             the first test image, clean and noisy, with the",
                "                          predictions of both nets",
                "  jacobian.safetensors,   the trained weights of each model, with the",
                "  reference.safetensors   settings and the recipe as metadata",
                "  recipes.csv             name,label of each model",
                "  replicates.csv          seed,noise,accuracy_jacobian,accuracy_reference",
                "  jacobian-norms.csv      seed,norm_jacobian,norm_reference",
                "  accuracy-KIND.csv, .png with --corruption gaussian / salt-pepper (pixel",
                "                          replacement is always swept, into accuracy.csv)",
                "  attack-NAME.csv, .png   with --attacks: epsilon,accuracy_jacobian,",
                "                          accuracy_reference; report.md gets a section",
                "  accuracy-replace.csv,   with --models other than jacobian,reference: every",
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

    /** The system property the --models help reads the catalog's recipes from (picocli resolves it at help time). */
    static final String MODELS_HELP_PROPERTY = "jacreg.models.help";

    static {
        System.setProperty(MODELS_HELP_PROPERTY, ModelCatalog.help());
    }

    @Option(names = "--models", paramLabel = "NAME", split = ",",
            description = "Models to train side by side from the same initial weights on the same batches, and to "
                    + "measure on the same corrupted and attacked images: ${sys:" + MODELS_HELP_PROPERTY + "}. When "
                    + "reference is among them, every other model is compared with it (paired differences) "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> models = ModelCatalog.DEFAULT;

    @Mixin
    Options.RobustTraining robustTraining;

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
                .withSeed(seeds.get(0)).withRobust(robustTraining.settings());
        List<ModelRecipe> recipes = modelList(config);
        RobustnessPlan plan = robustness.plan(noiseLevels);  // checks --corruption and --attacks before training
        distributed.validate();
        if ((distributed.launches() || distributed.isRank()) && seeds.size() > 1) {
            throw new UsageException("data-parallel training (--nproc, --world-size) runs one seed; drop --replicates/--seeds");
        }
        if (!distributed.launches()) runtime.apply();  // the launched ranks apply it themselves
        int threadsEach = runtime.threads == null ? 1 : runtime.threads;
        // Fail now, not after an hour of training. Ranks other than 0 write nothing, so they make no folder.
        OutFolder folder = distributed.writesOutputs() ? OutFolder.prepare(data.out, data.overwrite, cli.runs, NAME) : null;
        if (distributed.launches()) return distributed.launch(cli.err, folder, cli.stopRequested);
        if (folder == null) return runAll(config, recipes, seeds, plan, threadsEach);
        folder.announce(cli.err, NAME);
        ExperimentConfig settled = config.withOut(folder.path());
        return folder.run(() -> runAll(settled, recipes, seeds, plan, threadsEach), cli.err, cli.stopRequested);
    }

    /** One seed, or the replicates of several. */
    private int runAll(ExperimentConfig config, List<ModelRecipe> recipes, List<Long> seeds, RobustnessPlan plan,
                       int threadsEach) throws Exception {
        if (seeds.size() > 1) {
            ReplicateProgress progress = new ReplicateProgress(cli.err, seeds.size(), recipes.size());
            ReplicatedStudy.Written w = ReplicatedStudy.run(config, recipes, seeds, replicates.jobs, threadsEach, plan,
                    progress::forSeed, progress::line, cli.stopRequested);
            Summaries.print(cli.out, w.outcome(), w.summary(), config.out(), w.files());
            return JacregCli.OK;
        }
        try (WorkerPool pool = WorkerPool.of(replicates.jobs, threadsEach)) {
            return run(config, recipes, plan, pool);
        }
    }

    /** The recipes of --models; a usage error names a bad list. */
    private List<ModelRecipe> modelList(ExperimentConfig config) {
        try {
            return ModelCatalog.parse(models, ModelCatalog.RecipeSettings.of(config));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private int run(ExperimentConfig config, List<ModelRecipe> recipes, RobustnessPlan plan, WorkerPool pool) throws Exception {
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
            ExperimentStudy.Written w = ExperimentStudy.write(config, outcome, plan, display, pool);
            if (w.robustness() != null) cli.out.print(RobustnessRun.text(w.robustness()));
            Summaries.print(cli.out, outcome.result(), config.out(), w.files());
        }
        return JacregCli.OK;
    }
}
