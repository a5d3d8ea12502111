package dev.jacreg.cli;

import dev.jacreg.DType;
import dev.jacreg.Device;
import dev.jacreg.Torch;
import dev.jacreg.experiment.DataSource;
import dev.jacreg.experiment.ExperimentConfig;
import dev.jacreg.experiment.RobustSettings;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.LearningRateSchedule;
import dev.jacreg.train.TrainingConfig;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The option groups the commands share (picocli mixins); defaults are docs/experiment.md's ({@link ExperimentConfig#reference()}). */
final class Options {
    static final ExperimentConfig REFERENCE = ExperimentConfig.reference();

    private Options() {}

    /** Element type of images and weights, as typed on the command line. */
    enum Precision {
        float32(DType.FLOAT32), float64(DType.FLOAT64);

        final DType dtype;

        Precision(DType dtype) {
            this.dtype = dtype;
        }
    }

    /** Which output the penalty differentiates. */
    enum Target {
        softmax(JacobianPenalty.Target.SOFTMAX), logits(JacobianPenalty.Target.LOGITS);

        final JacobianPenalty.Target value;

        Target(JacobianPenalty.Target value) {
            this.value = value;
        }
    }

    /** The training loop and the penalty. */
    static final class Training {
        @Option(names = "--epochs", paramLabel = "N", description = "Passes over the training set (default: ${DEFAULT-VALUE}).")
        int epochs = REFERENCE.training().epochs();

        @Option(names = "--batch-size", paramLabel = "N",
                description = "Images per mini-batch; the last partial batch of an epoch is dropped (default: ${DEFAULT-VALUE}).")
        int batchSize = REFERENCE.training().batchSize();

        @Option(names = "--lambda", paramLabel = "LAMBDA",
                description = "Weight of the Jacobian penalty: loss = cross-entropy + LAMBDA/2 * (estimate of the "
                        + "squared Frobenius norm of the Jacobian); 0 trains without it, and then the penalty's own "
                        + "options (--projections, --target, --penalty-bn, --penalty-warmup) are refused unless "
                        + "--models has logits or exact (default: ${DEFAULT-VALUE}).")
        double lambda = REFERENCE.penalty().lambda();

        @Option(names = "--projections", paramLabel = "N",
                description = "Random projections per batch for the penalty estimate; each costs one extra backward pass "
                        + "(default: ${DEFAULT-VALUE}).")
        int projections = REFERENCE.penalty().projections();

        @Option(names = "--target", paramLabel = "softmax|logits",
                description = "Output whose Jacobian is penalised: the softmax (as in the reference) or the logits (as in "
                        + "the paper's code) (default: ${DEFAULT-VALUE}).")
        Target target = Target.softmax;

        @Option(names = "--lr", paramLabel = "RATE",
                description = "SGD learning rate, > 0 and within float range (default: ${DEFAULT-VALUE}).")
        double learningRate = REFERENCE.training().learningRate();

        @Option(names = "--momentum", paramLabel = "M", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
        double momentum = REFERENCE.training().momentum();

        @Option(names = "--penalty-bn", paramLabel = "train|eval",
                description = "Batch norm inside the penalty: train (as in the reference: the training pass's batch "
                        + "statistics) or eval (a second pass of the batch with the running statistics, not updated, so "
                        + "the penalised Jacobian is the test-time one; the cross-entropy keeps training mode) "
                        + "(default: ${DEFAULT-VALUE}).")
        PenaltyBatchNorm penaltyBn = PenaltyBatchNorm.train;

        @Option(names = "--penalty-estimator", paramLabel = "projection|finite-difference",
                converter = EstimatorConverter.class,
                description = "How the penalty is estimated: projection (random output directions and a second "
                        + "backward pass, as in the reference) or finite-difference (random input directions and one more "
                        + "forward pass instead of the second backward; step 1e-3, bias a few tenths of a percent) "
                        + "(default: projection).")
        JacobianPenalty.Estimator estimator = JacobianPenalty.Estimator.PROJECTION;

        @Option(names = "--penalty-every", paramLabel = "K",
                description = "Compute the penalty on every K-th training step only, with weight K*LAMBDA there so its "
                        + "average weight stays LAMBDA; a step then costs on average plain + (penalised - plain)/K "
                        + "(default: ${DEFAULT-VALUE}, every step).")
        int penaltyEvery = 1;

        @Option(names = "--penalty-subset", paramLabel = "F",
                description = "Compute the penalty on the fraction F of each batch only (its first ceil(F*B) images, at "
                        + "least 2, in a forward pass of their own; the cross-entropy keeps the whole batch). The penalty is "
                        + "a mean over images, so its expectation is unchanged; its extra cost shrinks about F-fold "
                        + "(default: ${DEFAULT-VALUE}, the whole batch).")
        double penaltySubset = 1.0;

        @Option(names = "--clip-grad-norm", paramLabel = "X",
                description = "Scale the total gradient down to L2 norm X before each SGD step when it is larger; 0 = off "
                        + "(default: 5, or 0 with --seed-algorithm).")
        Double clipGradNorm;

        @Option(names = "--lr-schedule", paramLabel = "constant|step:E1,E2,...:F|cosine",
                converter = ScheduleConverter.class,
                description = "Learning rate over the run: constant; step: multiply by F after each listed epoch (e.g. "
                        + "step:10,13:0.1; the epochs increasing and each before the last one); cosine: half a cosine from --lr "
                        + "down to 0 over all iterations (default: "
                        + "step after 2/3 and 13/15 of the epochs, i.e. step:10,13:0.1 for 15; constant with "
                        + "--seed-algorithm).")
        LearningRateSchedule schedule;

        @Option(names = "--seed-algorithm",
                description = "Train exactly as docs/experiment.md specifies (constant learning rate, no gradient "
                        + "clipping) instead of jacreg's stabilised defaults; explicit --clip-grad-norm/--lr-schedule "
                        + "still win.")
        boolean seedAlgorithm;

        @Option(names = "--penalty-warmup", paramLabel = "E",
                description = "Ramp lambda linearly from 0 to its value over the first E epochs, at most --epochs; 0 = off "
                        + "(default: ${DEFAULT-VALUE}).")
        int penaltyWarmup = 0;

        @Option(names = "--diagnostics", negatable = true,
                description = "Record per-iteration diagnostics (cross-entropy and penalty gradient norms, parameter "
                        + "norm, batch-norm variances, confidence, learning rate) in training-loss.csv (default: on for "
                        + "experiment, off for train).")
        Boolean diagnostics;

        @Option(names = "--gradient-split-every", paramLabel = "K",
                description = "With diagnostics on, split the regularized net's gradient into its cross-entropy and "
                        + "penalty parts (grad_norm_ce, grad_norm_penalty) on iterations 0, K, 2K, ...: each split "
                        + "costs one more backward pass (+20 %% of that step); 1 = every iteration; refused when diagnostics are "
                        + "off (default: ${DEFAULT-VALUE}).")
        int gradientSplitEvery = TrainingConfig.DEFAULT_GRADIENT_SPLIT_INTERVAL;
    }

    /** The settings of the robust-training recipes (--models pgd-at, trades); only experiment has --models. */
    static final class RobustTraining {
        @Option(names = "--robust-epsilon", paramLabel = "E",
                description = "L-infinity radius of the inner attack of --models pgd-at and trades, in (0, 1] "
                        + "(default: ${DEFAULT-VALUE}).")
        double epsilon = RobustSettings.DEFAULT_EPSILON;

        @Option(names = "--robust-steps", paramLabel = "K",
                description = "Steps of that inner attack, 1 to " + RobustSettings.MAX_STEPS + ", each of 2.5*E/K; each "
                        + "costs one more forward and backward pass per batch (default: ${DEFAULT-VALUE}).")
        int steps = RobustSettings.DEFAULT_STEPS;

        @Option(names = "--trades-beta", paramLabel = "B",
                description = "Weight of the KL term of --models trades, > 0 (default: ${DEFAULT-VALUE}).")
        double tradesBeta = RobustSettings.DEFAULT_TRADES_BETA;

        /** The settings, once {@link OptionRules} has checked them. */
        RobustSettings settings() {
            return new RobustSettings(epsilon, steps, tradesBeta);
        }
    }

    /** Batch-norm mode of the penalty's forward pass. */
    enum PenaltyBatchNorm {
        train(JacobianPenalty.BatchNormMode.TRAIN), eval(JacobianPenalty.BatchNormMode.EVAL);

        final JacobianPenalty.BatchNormMode value;

        PenaltyBatchNorm(JacobianPenalty.BatchNormMode value) {
            this.value = value;
        }
    }

    /** --penalty-estimator's values: the estimator names in lower case with '-' for '_'. */
    static final class EstimatorConverter extends ParsingConverter<JacobianPenalty.Estimator> {
        EstimatorConverter() {
            super(text -> {
                for (JacobianPenalty.Estimator e : JacobianPenalty.Estimator.values()) {
                    if (estimatorName(e).equals(text)) return e;
                }
                throw new IllegalArgumentException("'" + text + "' is not an estimator (expected projection or finite-difference)");
            });
        }
    }

    /** An estimator as the option writes it: finite-difference. */
    static String estimatorName(JacobianPenalty.Estimator estimator) {
        return estimator.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** A picocli converter over a parser that throws IllegalArgumentException: its message becomes the usage error. */
    abstract static class ParsingConverter<T> implements ITypeConverter<T> {
        private final java.util.function.Function<String, T> parser;

        ParsingConverter(java.util.function.Function<String, T> parser) {
            this.parser = parser;
        }

        @Override
        public T convert(String value) {
            try {
                return parser.apply(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class ScheduleConverter extends ParsingConverter<LearningRateSchedule> {
        ScheduleConverter() {
            super(LearningRateSchedule::parse);
        }
    }

    /** Where data come from and results go. */
    static final class Data {
        @Option(names = "--data", paramLabel = "SOURCE", description = {
                "Where the images come from (default: ${DEFAULT-VALUE}):",
                "synthetic: 5,000 + 5,000 generated digits,",
                "  cached in --cache-dir;",
                "synthetic:TRAIN,TEST: other set sizes;",
                "idx:DIR: a folder of MNIST-format IDX files",
                "  (train-images-idx3-ubyte[.gz] etc.);",
                "fashion-mnist: all 60,000 + 10,000 images of",
                "  Fashion-MNIST from Debian's",
                "  dataset-fashion-mnist (make fashion-mnist",
                "  installs it);",
                "fashion-mnist:TRAIN,TEST: its first TRAIN",
                "  training and TEST test images."})
        String data = "synthetic";

        @Option(names = "--out", paramLabel = "DIR", description = OutFolder.OUT_HELP)
        Path out;  // null: a new folder of the run's own (OutFolder)

        @Option(names = "--overwrite", description = OutFolder.OVERWRITE_HELP)
        boolean overwrite;

        @Option(names = "--seed", paramLabel = "N",
                description = "Seed of the initial weights, shuffling, penalty directions and noise "
                        + "(default: ${DEFAULT-VALUE}).")
        long seed = REFERENCE.training().seed();

        @Option(names = "--data-seed", paramLabel = "N",
                description = "Seed of the synthetic data, the same for every --seed (default: ${DEFAULT-VALUE}).")
        long dataSeed = 0;
    }

    /** Inference batches, element type. */
    static final class Compute {
        @Option(names = "--eval-chunk", paramLabel = "N",
                description = "Images per inference batch when evaluating (default: ${DEFAULT-VALUE}).")
        int evalChunk = REFERENCE.evalChunk();

        @Option(names = "--dtype", paramLabel = "float32|float64",
                description = "Element type of images and weights (default: ${DEFAULT-VALUE}).")
        Precision dtype = Precision.float32;
    }

    /** Process settings every command takes. */
    static final class Runtime {
        @Option(names = "--threads", paramLabel = "N",
                description = "libtorch intra-op threads, at most " + OptionRules.OVERSUBSCRIPTION + " per available processor; more than the processors "
                        + "runs slower and prints a warning (default: libtorch's choice, usually one per core).")
        Integer threads;

        @Option(names = "--device", paramLabel = "cpu|cuda|cuda:N", converter = DeviceConverter.class,
                description = "Where tensors live; cuda is refused at once where libtorch sees no GPU "
                        + "(default: $JACREG_DEVICE, else cpu).")
        Device device;

        @Option(names = "--cache-dir", paramLabel = "DIR",
                description = "Where generated synthetic data are cached; given with synthetic data, it must be a folder "
                        + "that can be created and written (default: $XDG_CACHE_HOME/jacreg, else ~/.cache/jacreg).")
        Path cacheDir = DataSource.defaultCacheDir();

        @Option(names = {"-v", "--verbose"}, description = "Show stack traces of errors.")
        boolean verbose;

        /** Applies threads and device to the process. */
        void apply() {
            if (threads != null) {
                Torch.numThreads();  // loads the library and applies -Djacreg.threads first, so the option wins
                Torch.setNumThreads(threads);
            }
            if (device != null) Device.setDefaultDevice(device);
        }
    }

    static final class DeviceConverter extends ParsingConverter<Device> {
        DeviceConverter() {
            super(Device::parse);
        }
    }

    /** Parses --data; a missing idx folder is a usage error, caught here rather than deep in loading. */
    static DataSource dataSource(String text, Path cacheDir) {
        DataSource source;
        try {
            source = DataSource.parse(text.trim(), cacheDir);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            throw new UsageException((message.contains(text.trim()) ? "--data: " : "--data " + text + ": ") + message);
        }
        if (source instanceof DataSource.IdxDirectory idx && !Files.isDirectory(idx.dir())) {
            Path dir = idx.dir().toAbsolutePath();
            throw new UsageException("--data " + text + ": " + (Files.exists(dir)
                    ? dir + " is a file; idx: takes the folder that holds train-images-idx3-ubyte[.gz] and the other IDX files"
                    : "folder " + dir + " does not exist"));
        }
        return source;
    }

    /** The experiment's settings from the options; the records' constructors validate them. */
    static ExperimentConfig config(Training t, Data d, Compute c, Runtime r, double[] noiseLevels) {
        return config(t, d, c, r, noiseLevels, false);
    }

    /** As above; diagnosticsByDefault applies when neither --diagnostics nor --no-diagnostics was given. */
    static ExperimentConfig config(Training t, Data d, Compute c, Runtime r, double[] noiseLevels,
                                   boolean diagnosticsByDefault) {
        // Unless asked for the seed's exact loop, the stabilised defaults (TrainingConfig.stabilised) fill in.
        double clip = t.clipGradNorm != null ? t.clipGradNorm : t.seedAlgorithm ? 0 : TrainingConfig.STABILISED_CLIP_GRAD_NORM;
        LearningRateSchedule schedule = t.schedule != null ? t.schedule
                : t.seedAlgorithm ? LearningRateSchedule.constant() : TrainingConfig.stabilisedSchedule(t.epochs);
        TrainingConfig training = TrainingConfig.builder().epochs(t.epochs).batchSize(t.batchSize)
                .learningRate(t.learningRate).momentum(t.momentum).seed(d.seed).schedule(schedule).clipGradNorm(clip)
                .penaltyWarmupEpochs(t.penaltyWarmup).diagnostics(t.diagnostics != null ? t.diagnostics : diagnosticsByDefault)
                .gradientSplitInterval(t.gradientSplitEvery).build();
        JacobianPenalty penalty = new JacobianPenalty(t.lambda, t.projections, t.target.value, t.penaltyBn.value,
                t.estimator, t.penaltyEvery).withSubset(t.penaltySubset);
        // The output folder is settled once the settings are valid (OutFolder.prepare, ExperimentConfig.withOut).
        return new ExperimentConfig(training, penalty, dataSource(d.data, r.cacheDir), REFERENCE.out(),
                noiseLevels == null ? REFERENCE.noiseLevels() : noiseLevels, REFERENCE.exampleNoise(), c.evalChunk,
                c.dtype.dtype, d.dataSeed);
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
