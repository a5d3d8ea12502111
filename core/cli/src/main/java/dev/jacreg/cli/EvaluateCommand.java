package dev.jacreg.cli;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.data.Corruption;
import dev.jacreg.experiment.DataSource;
import dev.jacreg.experiment.ExperimentConfig;
import dev.jacreg.experiment.ExperimentSpec;
import dev.jacreg.experiment.Formats;
import dev.jacreg.experiment.ReportWriter;
import dev.jacreg.experiment.RobustnessSweep;
import dev.jacreg.experiment.SweepReport;
import dev.jacreg.experiment.WeightsMetadata;
import dev.jacreg.io.AtomicFile;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.io.SafeTensors;
import dev.jacreg.io.SafeTensorsEntry;
import dev.jacreg.io.SafeTensorsFile;
import dev.jacreg.io.SafeTensorsFormatException;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.Evaluator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

    /** A loaded net and where it came from. */
    private record Loaded(Path file, Sequential net, DType dtype, Map<String, String> metadata) {
        double lambda() {
            return WeightsMetadata.lambdaOf(metadata);
        }

        String stem() {
            String name = file.getFileName().toString();
            return name.endsWith(ReportWriter.WEIGHTS_SUFFIX)
                    ? name.substring(0, name.length() - ReportWriter.WEIGHTS_SUFFIX.length()) : name;
        }
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
        Inputs inputs = inputs(models.get(0), SafeTensors.read(models.get(0)).metadata(), data, seed, dataSeedOption,
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
        List<Loaded> nets = new ArrayList<>();
        try (TensorScope scope = TensorScope.open()) {
            for (Path model : models) nets.add(load(model));
            if (nets.size() == 2 && nets.get(0).lambda() == 0 && nets.get(1).lambda() > 0) {
                nets = List.of(nets.get(1), nets.get(0));  // regularized first, as in the experiment's table
            }
            display.phase("loading test images from " + source.describe() + " (seed " + dataSeed + ")");
            DigitDataset testSet = source.load(dataSeed)[1];
            for (Loaded n : nets) checkImageSize(n, testSet);

            DType dtype = nets.get(0).dtype();
            double[][] accuracy = new double[nets.size()][levels.length];
            try (DeviceDataset test = new DeviceDataset(testSet, dtype)) {
                for (int i = 0; replace && i < levels.length; i++) {
                    display.phase(String.format(Locale.ROOT, "noise %s (%d of %d)", Formats.number(levels[i]), i + 1,
                            levels.length));
                    try (TensorScope level = TensorScope.open()) {
                        // the same noisy copy as in the experiment
                        Tensor noisy = ExperimentSpec.noisyCopy(test.images(), levels[i], noiseSeed, i);
                        for (int k = 0; k < nets.size(); k++) {
                            Loaded n = nets.get(k);
                            Tensor input = n.dtype() == dtype ? noisy : noisy.to(n.dtype());
                            accuracy[k][i] = Evaluator.accuracy(n.net(), input, test.labels(), evalChunk);
                        }
                    }
                }
            }
            List<String> columns = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            boolean pair = nets.size() == 2 && nets.get(0).lambda() > 0 && nets.get(1).lambda() == 0;
            for (int k = 0; k < nets.size(); k++) {
                Loaded n = nets.get(k);
                // One net: noise,accuracy. Two: the experiment's header (regularized first when the metadata tell).
                columns.add(nets.size() == 1 ? "" : k == 0 ? "jacobian" : "reference");
                String lambda = Double.isNaN(n.lambda()) ? "" : " (λ = " + Formats.number(n.lambda()) + ")";
                labels.add(pair ? (k == 0 ? ReportWriter.JACOBIAN_LABEL : ReportWriter.REFERENCE_LABEL) + lambda
                        : n.stem() + lambda);
            }
            if (replace) {
                ReportWriter.writeAccuracyCsv(out.resolve(ReportWriter.ACCURACY_CSV), levels, columns, Arrays.asList(accuracy));
                ReportWriter.writeAccuracyChart(out.resolve(ReportWriter.ACCURACY_PNG), levels, labels, Arrays.asList(accuracy),
                        "Accuracy under pixel noise (" + String.format(Locale.ROOT, "%,d", testSet.count()) + " test images)");

                StringBuilder header = new StringBuilder("noise ");
                for (Loaded n : nets) header.append(String.format(Locale.ROOT, " %14s", n.stem()));
                cli.out.println(header);
                for (int i = 0; i < levels.length; i++) {
                    StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%5.2f ", levels[i]));
                    for (int k = 0; k < nets.size(); k++) row.append(String.format(Locale.ROOT, " %13.2f%%", accuracy[k][i] * 100));
                    cli.out.println(row);
                }
                cli.out.println("wrote " + out.resolve(ReportWriter.ACCURACY_CSV).toAbsolutePath() + " and "
                        + ReportWriter.ACCURACY_PNG);
                cli.out.flush();
            }
            List<RobustnessSweep.Net> robustNets = new ArrayList<>();
            for (int k = 0; k < nets.size(); k++) {
                Loaded n = nets.get(k);
                robustNets.add(new RobustnessSweep.Net(columns.get(k).isEmpty() ? n.stem() : columns.get(k), labels.get(k),
                        n.net(), n.dtype()));
            }
            RobustnessRun.Result extra;
            try (DeviceDataset test = new DeviceDataset(testSet, dtype)) {
                extra = RobustnessRun.run(robustness, robustNets, test.images(), test.labels(), noiseLevels, noiseSeed,
                        evalChunk, out, display);
            }
            if (!extra.tables().isEmpty()) {
                AtomicFile.writeString(out.resolve(SweepReport.ROBUSTNESS_MD), extra.markdown());
                RobustnessRun.print(cli.out, extra);
                cli.out.println("wrote " + extra.files().size() + " files and " + SweepReport.ROBUSTNESS_MD + " to "
                        + out.toAbsolutePath());
                cli.out.flush();
            }
        } finally {
            for (Loaded n : nets) n.net().close();
        }
        return JacregCli.OK;
    }

    /**
     * Where the test set and its noisy copies come from: the options where given, else the experiment's own, as
     * recorded in the first file's metadata ({@code data}, {@code data_seed}, {@code seed}).
     *
     * @param noiseSeed the training seed, from which the noise streams derive ({@link ExperimentSpec#noisyCopy})
     */
    record Inputs(DataSource data, long dataSeed, long noiseSeed) {}

    static Inputs inputs(Path file, Map<String, String> metadata, String dataOption, Long seedOption, Long dataSeedOption,
                         Path cacheDir) throws SafeTensorsFormatException {
        checkMetadata(file, metadata);
        long noiseSeed;
        long dataSeed;
        try {
            noiseSeed = seedOption != null ? seedOption : WeightsMetadata.seedOf(metadata).orElse(0);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsFormatException(file + ": " + e.getMessage() + "; give --seed to evaluate this file");
        }
        try {
            // Files written before data and training seeds were separate have only "seed", which drove both.
            dataSeed = dataSeedOption != null ? dataSeedOption : WeightsMetadata.dataSeedOf(metadata).orElse(noiseSeed);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsFormatException(file + ": " + e.getMessage() + "; give --data-seed to evaluate this file");
        }
        DataSource source = dataOption != null ? Options.dataSource(dataOption, cacheDir)
                : WeightsMetadata.dataOf(metadata).map(text -> Options.dataSource(text, cacheDir))
                .orElseGet(() -> DataSource.defaultSynthetic(cacheDir));
        return new Inputs(source, dataSeed, noiseSeed);
    }

    /** Metadata that declare a schema version must be complete and of this jacreg's version. */
    private static void checkMetadata(Path file, Map<String, String> metadata) throws SafeTensorsFormatException {
        try {
            WeightsMetadata.checkIfVersioned(metadata);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsFormatException(file + ": " + e.getMessage());
        }
    }

    /** Rebuilds the seed network from the mean image stored in the file, then loads every tensor. */
    private static Loaded load(Path file) throws IOException {
        SafeTensorsFile contents = SafeTensors.read(file);
        checkMetadata(file, contents.metadata());
        String meanName = SeedNetwork.MEAN_IMAGE;
        if (!contents.contains(meanName)) {
            throw new SafeTensorsFormatException(file + ": not a jacreg network (it has no tensor '" + meanName + "')");
        }
        SafeTensorsEntry mean = contents.get(meanName);
        long[] shape = mean.shape();
        if (shape.length != 4 || shape[0] != 1 || shape[1] != 1 || shape[2] < SeedNetwork.MIN_SIZE || shape[3] < SeedNetwork.MIN_SIZE) {
            throw new SafeTensorsFormatException(file + ": tensor '" + meanName + "' has shape " + Arrays.toString(shape)
                    + ", expected [1, 1, H, W] with H, W >= " + SeedNetwork.MIN_SIZE);
        }
        DType dtype = mean.dtype().tensorType().filter(DType::isFloatingPoint)
                .orElseThrow(() -> new SafeTensorsFormatException(file + ": tensor '" + meanName + "' has dtype "
                        + mean.dtype() + ", expected F32 or F64"));
        try (TensorScope scope = TensorScope.open()) {
            Sequential net = SeedNetwork.create(ModelFiles.tensorOf(mean), (int) shape[2], (int) shape[3], dtype);
            try {
                Map<String, String> metadata = ModelFiles.load(net, file);
                return new Loaded(file, net, dtype, metadata);
            } catch (IOException | RuntimeException e) {
                net.close();
                throw e;
            }
        }
    }

    private static void checkImageSize(Loaded n, DigitDataset testSet) {
        long[] shape = n.net().buffers().get(SeedNetwork.MEAN_IMAGE).shape();
        if (shape[2] != testSet.height() || shape[3] != testSet.width()) {
            throw new UsageException(n.file() + " expects " + shape[2] + "×" + shape[3] + " images but the test set has "
                    + testSet.height() + "×" + testSet.width());
        }
    }
}
