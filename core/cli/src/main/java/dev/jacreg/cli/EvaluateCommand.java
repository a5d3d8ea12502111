package dev.jacreg.cli;

import dev.jacreg.TensorScope;
import dev.jacreg.data.Corruption;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.experiment.DataSource;
import dev.jacreg.experiment.EvaluationStudy;
import dev.jacreg.experiment.ExperimentConfig;
import dev.jacreg.experiment.ReportWriter;
import dev.jacreg.experiment.RobustnessRun;
import dev.jacreg.experiment.SavedNet;
import dev.jacreg.experiment.SweepReport;
import dev.jacreg.io.SafeTensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code jacreg evaluate}: saved nets under the noise sweep. */
@Command(name = EvaluateCommand.NAME,
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        sortOptions = false,
        versionProvider = JacregCli.Version.class,
        description = {
                "Loads one or two saved nets (weights written by 'jacreg experiment' or 'jacreg train') and measures "
                        + "their accuracy on the test set at each noise level. --data and --seed default to those "
                        + "stored in the first weights file, so the numbers equal the experiment's.",
                "",
                "Writes into --out (default: a new folder " + ExperimentConfig.RUNS_FOLDER + "/" + EvaluateCommand.NAME
                        + "-DATE/ of its own):",
                "  accuracy.csv            noise,accuracy (one net) or",
                "                          noise,accuracy_jacobian,accuracy_reference (two)",
                "  accuracy.png            accuracy against the noise proportion",
                "  accuracy-KIND.csv, .png the same for --corruption gaussian / salt-pepper",
                "  attack-NAME.csv, .png   epsilon,accuracy_NET... under each of --attacks",
                "  robustness.md           those tables and figures, with how they were made",
                ""})
final class EvaluateCommand implements Callable<Integer>, JacregCli.Verbose {
    static final String NAME = "evaluate";

    @ParentCommand
    JacregCli cli;

    @Option(names = "--model", paramLabel = "FILE", required = true,
            description = "A weights file (.safetensors); give it twice to compare two nets.")
    List<Path> models;

    @Option(names = "--data", paramLabel = "SOURCE",
            description = "synthetic, synthetic:TRAIN,TEST or idx:DIR (default: the data the first model was trained on).")
    String data;

    @Option(names = "--out", paramLabel = "DIR", description = OutFolder.OUT_HELP)
    Path outOption;  // null: a new folder of the run's own (OutFolder)

    @Option(names = "--overwrite", description = OutFolder.OVERWRITE_HELP)
    boolean overwrite;

    @Option(names = "--seed", paramLabel = "N",
            description = "Seed of the noise (default: the first model's training seed, else 0).")
    Long seed;

    @Option(names = "--data-seed", paramLabel = "N",
            description = "Seed of the synthetic data (default: the first model's data seed, else its training seed).")
    Long dataSeedOption;

    @Option(names = "--noise-levels", paramLabel = "P", split = ",",
            description = "Noise proportions, each in [0, 1] (default: 0,0.05,...,0.5); for --corruption gaussian the "
                    + "standard deviations sigma, >= 0.")
    double[] noiseLevels;

    @Option(names = "--eval-chunk", paramLabel = "N",
            description = "Images per inference batch (default: ${DEFAULT-VALUE}).")
    int evalChunk = Options.REFERENCE.evalChunk();

    @Mixin
    RobustnessOptions robustness;

    @Mixin
    Options.Runtime runtime;

    @Override
    public boolean verbose() {
        return runtime.verbose;
    }

    @Override
    public Integer call() throws Exception {
        if (models.size() > 2) throw new UsageException("give one or two --model files, got " + models.size());
        for (Path model : models) {
            if (!Files.isRegularFile(model)) throw new UsageException("--model " + model + ": no such file");
        }
        double[] levels = noiseLevels == null ? ExperimentConfig.referenceNoiseLevels() : noiseLevels;
        if (levels.length == 0) throw new UsageException("--noise-levels needs at least one value");
        // Pixel replacement keeps accuracy.csv; the other corruptions and the attacks go to their own files.
        boolean replace = robustness.corruptionList().contains(Corruption.REPLACE);
        robustness.validate(noiseLevels);
        // The first file's metadata supplies the defaults; reading it also rejects a corrupt file early.
        EvaluateInputs inputs = EvaluateInputs.of(models.get(0), SafeTensors.read(models.get(0)).metadata(), data, seed, dataSeedOption,
                runtime.cacheDir);
        runtime.apply();
        OutFolder folder = OutFolder.prepare(outOption, overwrite, cli.runs, NAME);
        folder.announce(cli.err, NAME);
        return folder.run(() -> run(levels, replace, inputs.noiseSeed(), inputs.dataSeed(), inputs.data(), folder.path()),
                cli.err, cli.stopRequested);
    }

    private int run(double[] levels, boolean replace, long noiseSeed, long dataSeed, DataSource source, Path out)
            throws Exception {
        ProgressDisplay display = ProgressDisplay.forTerminal(cli.err);
        List<SavedNet> nets = new ArrayList<>();
        try (TensorScope scope = TensorScope.open()) {
            for (Path model : models) nets.add(SavedNet.load(model));
            display.phase("loading test images from " + source.describe() + " (seed " + dataSeed + ")");
            DigitDataset testSet = source.load(dataSeed)[1];
            for (SavedNet n : nets) {
                try {
                    n.checkImageSize(testSet);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
            }
            EvaluationStudy.Outcome o = EvaluationStudy.run(nets, levels, replace, noiseSeed, testSet, evalChunk,
                    robustness.plan(noiseLevels), out, display);
            if (o.accuracy() != null) {
                StringBuilder header = new StringBuilder("noise ");
                for (SavedNet n : o.nets()) header.append(String.format(Locale.ROOT, " %14s", n.stem()));
                cli.out.println(header);
                for (int i = 0; i < levels.length; i++) {
                    StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%5.2f ", levels[i]));
                    for (double[] a : o.accuracy()) row.append(String.format(Locale.ROOT, " %13.2f%%", a[i] * 100));
                    cli.out.println(row);
                }
                cli.out.println("wrote " + out.resolve(ReportWriter.ACCURACY_CSV).toAbsolutePath() + " and "
                        + ReportWriter.ACCURACY_PNG);
            }
            if (!o.robustness().tables().isEmpty()) {
                cli.out.print(RobustnessRun.text(o.robustness()));
                cli.out.println("wrote " + o.robustness().files().size() + " files and " + SweepReport.ROBUSTNESS_MD + " to "
                        + out.toAbsolutePath());
            }
            cli.out.flush();
        } finally {
            for (SavedNet n : nets) n.net().close();
        }
        return JacregCli.OK;
    }
}
