package dev.jacreg.experiment;

import dev.jacreg.Device;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.data.Noise;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.DataParallel;
import dev.jacreg.train.Evaluator;
import dev.jacreg.train.NonFiniteLossException;
import dev.jacreg.train.RegularizedLoss;
import dev.jacreg.train.Trainer;
import dev.jacreg.train.TrainingResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * The whole reference experiment (docs/experiment.md): train a Jacobian-regularized and a reference network of
 * the same architecture from the same initial weights, then compare them under growing pixel noise.
 * The trained networks are returned for saving or further use; callers close them.
 */
public final class Experiment {
    public static final String JACOBIAN = "jacobian";
    public static final String REFERENCE = "reference";

    private final ExperimentConfig config;
    private final ExperimentSpec spec;
    private final ExperimentListener listener;
    private final BooleanSupplier stopRequested;
    private DataParallel parallel;

    public Experiment(ExperimentConfig config, ExperimentListener listener, BooleanSupplier stopRequested) {
        this.config = config;
        this.spec = new ExperimentSpec(config);
        this.listener = listener;
        this.stopRequested = stopRequested;
    }

    /** Trains both nets as one rank of this data-parallel run (null: a single process); returns this. */
    public Experiment dataParallel(DataParallel parallel) {
        this.parallel = parallel;
        return this;
    }

    /** The trained networks and what was measured. */
    public record Outcome(Sequential jacobianNet, Sequential referenceNet, ExperimentResult result) implements AutoCloseable {
        @Override
        public void close() {
            jacobianNet.close();
            referenceNet.close();
        }
    }

    public Outcome run() throws IOException {
        long start = System.nanoTime();
        listener.phase("loading " + config.data().describe());
        return run(spec.loadData(), start);
    }

    /**
     * Runs on data loaded by the caller ({train, test}), e.g. shared by concurrent replicates. All randomness
     * comes from {@link ExperimentRandom} streams of the training seed, so the outcome does not depend on the
     * thread or on other experiments running meanwhile.
     */
    public Outcome run(DigitDataset[] sets) {
        return run(sets, System.nanoTime());
    }

    private Outcome run(DigitDataset[] sets, long start) {
        long seed = config.training().seed();
        DigitDataset trainSet = sets[0], testSet = sets[1];
        int height = trainSet.height(), width = trainSet.width();

        try (DeviceDataset train = spec.onDevice(trainSet);
             DeviceDataset test = spec.onDevice(testSet);
             TensorScope scope = TensorScope.open()) {
            Tensor mean = train.meanImage();
            Sequential jacobianNet = spec.createNetwork(mean, height, width);
            Sequential referenceNet = spec.createNetwork(mean, height, width);  // same initial weights
            try {
                listener.phase("training the Jacobian-regularized network (lambda " + config.penalty().lambda() + ")");
                TrainingResult jacobianTraining = train(JACOBIAN, jacobianNet, new RegularizedLoss(config.penalty()), train);
                TrainingResult referenceTraining;
                if (stopRequested.getAsBoolean()) {
                    listener.phase("skipping the reference network: stop requested");
                    referenceTraining = new TrainingResult(new double[0], new double[0], new long[0],
                            jacobianTraining.plannedIterations(), true);
                } else {
                    listener.phase("training the reference network (lambda 0)");
                    referenceTraining = train(REFERENCE, referenceNet, RegularizedLoss.plain(), train);
                }

                listener.phase("evaluating under noise");
                double[] levels = config.noiseLevels();
                double[] accJacobian = new double[levels.length], accReference = new double[levels.length];
                for (int i = 0; i < levels.length; i++) {
                    try (TensorScope level = TensorScope.open()) {
                        // a fresh, repeatable noisy copy per level, shared by both nets
                        Tensor noisy = spec.noisyTestImages(test.images(), i);
                        accJacobian[i] = Evaluator.accuracy(jacobianNet, noisy, test.labels(), config.evalChunk());
                        accReference[i] = Evaluator.accuracy(referenceNet, noisy, test.labels(), config.evalChunk());
                    }
                }
                double inferenceMillis = timeInference(jacobianNet, test);

                listener.phase("measuring the exact Jacobian norm on the test set");
                var target = config.penalty().target();
                double normJacobian = Evaluator.meanSquaredJacobianNorm(jacobianNet, test.images(), target, config.evalChunk());
                double normReference = Evaluator.meanSquaredJacobianNorm(referenceNet, test.images(), target, config.evalChunk());

                ExperimentResult.SingleCase example = singleCase(jacobianNet, referenceNet, test, testSet, seed);
                ExperimentResult.Preview preview = preview(trainSet, train, seed);
                ExperimentResult.Environment environment = new ExperimentResult.Environment(Device.defaultDevice().toString(),
                        Torch.version(), Torch.numThreads(), cpuName(), Runtime.version().toString(),
                        config.data().describe(), trainSet.count(), testSet.count());
                ExperimentResult result = new ExperimentResult(config, environment, jacobianTraining, referenceTraining,
                        levels, accJacobian, accReference, normJacobian, normReference, example, preview, inferenceMillis,
                        (System.nanoTime() - start) / 1e9);
                return new Outcome(jacobianNet, referenceNet, result);
            } catch (RuntimeException | Error e) {
                jacobianNet.close();
                referenceNet.close();
                throw e;
            }
        }
    }

    private TrainingResult train(String name, Sequential net, RegularizedLoss loss, DeviceDataset data) {
        Trainer trainer = spec.trainer(loss, parallel);
        TrainingResult result;
        try {
            result = trainer.train(net, data, progress -> listener.iteration(name, progress), stopRequested);
        } catch (NonFiniteLossException e) {
            throw e.forNet(name);  // say which of the two nets diverged
        }
        listener.trainingEnded(name, result);
        return result;
    }

    private double timeInference(Sequential net, DeviceDataset test) {
        try (TensorScope scope = TensorScope.open()) {
            Evaluator.predict(net, test.images(), config.evalChunk());  // warm-up
            Torch.synchronize(Device.defaultDevice());
            long t0 = System.nanoTime();
            Evaluator.predict(net, test.images(), config.evalChunk()).sum().item();
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    private ExperimentResult.SingleCase singleCase(Sequential jacobianNet, Sequential referenceNet, DeviceDataset test,
                                                   DigitDataset testSet, long seed) {
        double noise = config.exampleNoise();
        try (TensorScope scope = TensorScope.open()) {
            Tensor clean = test.images().narrow(0, 0, 1);
            Tensor noisy = Noise.replacePixels(clean, noise, ExperimentRandom.example(seed));
            Tensor both = Tensor.cat(java.util.List.of(clean, noisy), 0);
            long[] jacobian = Evaluator.predict(jacobianNet, both, 2).toLongArray();
            long[] reference = Evaluator.predict(referenceNet, both, 2).toLongArray();
            return new ExperimentResult.SingleCase(clean.toFloatArray(), noisy.toFloatArray(), testSet.height(),
                    testSet.width(), noise, testSet.labels()[0], (int) jacobian[0], (int) jacobian[1], (int) reference[0],
                    (int) reference[1]);
        }
    }

    private static ExperimentResult.Preview preview(DigitDataset trainSet, DeviceDataset train, long seed) {
        int count = Math.min(16, trainSet.count());
        double noise = 0.1;
        try (TensorScope scope = TensorScope.open()) {
            RandomStream random = ExperimentRandom.preview(seed);
            Tensor picks = random.permutation(trainSet.count()).narrow(0, 0, count);
            Tensor clean = train.images().indexSelect(0, picks);
            Tensor noisy = Noise.replacePixels(clean, noise, random);
            return new ExperimentResult.Preview(clean.toFloatArray(), noisy.toFloatArray(), count, trainSet.height(),
                    trainSet.width(), noise);
        }
    }

    static String cpuName() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim() + " (" + Runtime.getRuntime().availableProcessors()
                            + " cores visible)";
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux or not readable: fall through
        }
        return System.getProperty("os.arch") + " (" + Runtime.getRuntime().availableProcessors() + " cores visible)";
    }

}
