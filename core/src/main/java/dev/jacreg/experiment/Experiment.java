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
import dev.jacreg.train.Trainer;
import dev.jacreg.train.TrainingResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * The whole reference experiment (docs/experiment.md): train a Jacobian-regularized and a reference network of
 * the same architecture from the same initial weights, then compare them under growing pixel noise. With more
 * {@link ModelRecipe}s (jacreg experiment --models) every model trains from those same weights on the same batches
 * and is measured the same way. The models train concurrently on a {@link WorkerPool} when one is given, and each
 * net's evaluation starts there as soon as it is trained (the noise levels and the Jacobian norm as separate tasks,
 * so they overlap the other nets' training and spread over the workers); every piece draws from its own {@link ExperimentRandom} streams, so the numbers
 * do not depend on the pool. The trained networks are returned for saving or further use; callers close them.
 */
public final class Experiment {
    public static final String JACOBIAN = "jacobian";
    public static final String REFERENCE = "reference";

    private final ExperimentConfig config;
    private final ExperimentSpec spec;
    private final List<ModelRecipe> models;
    private final ExperimentListener listener;
    private final BooleanSupplier stopRequested;
    private final WorkerPool pool;
    private DataParallel parallel;

    /** The regularized and reference pair, one after the other on the calling thread. */
    public Experiment(ExperimentConfig config, ExperimentListener listener, BooleanSupplier stopRequested) {
        this(config, ModelCatalog.parse(ModelCatalog.DEFAULT, config.penalty()), listener, stopRequested, WorkerPool.inline());
    }

    /**
     * Trains every net as one rank of this data-parallel run (null: a single process); returns this. The nets then train
     * one after the other on the calling thread, so every rank's collectives come in the same order.
     */
    public Experiment dataParallel(DataParallel parallel) {
        this.parallel = parallel;
        return this;
    }

    /**
     * @param models   what to train; must include {@link #JACOBIAN} and {@link #REFERENCE} ({@link ModelCatalog#parse})
     * @param listener called from the pool's threads too, one call at a time
     * @param pool     where the models train and are evaluated (not closed here)
     */
    public Experiment(ExperimentConfig config, List<ModelRecipe> models, ExperimentListener listener,
                      BooleanSupplier stopRequested, WorkerPool pool) {
        Set<String> names = new HashSet<>();
        for (ModelRecipe m : models) {
            if (!names.add(m.name())) throw new IllegalArgumentException("model '" + m.name() + "' appears twice");
        }
        if (!names.contains(JACOBIAN) || !names.contains(REFERENCE)) {
            throw new IllegalArgumentException("the models must include " + JACOBIAN + " and " + REFERENCE + ", got " + names);
        }
        this.config = config;
        this.spec = new ExperimentSpec(config);
        this.models = List.copyOf(models);
        this.listener = ExperimentListener.synchronizedView(listener);
        this.stopRequested = stopRequested;
        this.pool = pool;
    }

    /** The trained networks, by model name in --models order, and what was measured. */
    public record Outcome(Map<String, Sequential> nets, ExperimentResult result) implements AutoCloseable {
        public Outcome {
            nets = Collections.unmodifiableMap(new LinkedHashMap<>(nets));
        }

        public Sequential jacobianNet() {
            return nets.get(JACOBIAN);
        }

        public Sequential referenceNet() {
            return nets.get(REFERENCE);
        }

        @Override
        public void close() {
            nets.values().forEach(Sequential::close);
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
            Map<String, Sequential> nets = new LinkedHashMap<>();
            try {
                for (ModelRecipe m : models) nets.put(m.name(), spec.createNetwork(mean, height, width));  // same initial weights
                List<ModelResult> results = trainAndEvaluate(nets, train, test);
                Sequential jacobianNet = nets.get(JACOBIAN), referenceNet = nets.get(REFERENCE);
                double inferenceMillis = timeInference(jacobianNet, test);
                ModelResult jacobian = results.get(indexOf(JACOBIAN)), reference = results.get(indexOf(REFERENCE));

                ExperimentResult.SingleCase example = singleCase(jacobianNet, referenceNet, test, testSet, seed);
                ExperimentResult.Preview preview = preview(trainSet, train, seed);
                ExperimentResult.Environment environment = new ExperimentResult.Environment(Device.defaultDevice().toString(),
                        Torch.version(), pool.threadsPerTask(), cpuName(), Runtime.version().toString(),
                        config.data().describe(), trainSet.count(), testSet.count());
                ExperimentResult result = new ExperimentResult(config, environment, jacobian.training(),
                        reference.training(), config.noiseLevels(), jacobian.accuracy(), reference.accuracy(), jacobian.jacobianNorm(),
                        reference.jacobianNorm(), example, preview, inferenceMillis, (System.nanoTime() - start) / 1e9,
                        results);
                return new Outcome(nets, result);
            } catch (RuntimeException | Error e) {
                nets.values().forEach(Sequential::close);
                throw e;
            }
        }
    }

    /** One model's training and the evaluation tasks it started when it ended. */
    private record Trained(TrainingResult training, Future<Double> norm, List<Future<Double>> accuracy) {}

    /**
     * Trains every model on the pool and, as soon as one is trained, starts its evaluation there: a task for the exact
     * Jacobian norm and one per noise level. So a net that finishes early (the reference) is evaluated while the others
     * still train, and the last net's evaluation spreads over every worker. When one model diverges the others are
     * stopped and its exception is thrown (the first in --models order when several fail), once every task has ended.
     */
    private List<ModelResult> trainAndEvaluate(Map<String, Sequential> nets, DeviceDataset train, DeviceDataset test) {
        AtomicBoolean failed = new AtomicBoolean();
        BooleanSupplier stop = () -> stopRequested.getAsBoolean() || failed.get();
        WorkerPool trainingPool = parallel == null ? pool : WorkerPool.inline();  // ranks: collectives in one order
        listener.phase(models.size() == 2 && trainingPool.jobs() == 1
                ? "training the Jacobian-regularized network (lambda " + config.penalty().lambda() + "), then the reference"
                : "training " + models.size() + " models (" + names() + "), " + trainingPool.jobs() + " at a time");
        List<Future<Trained>> trainings = new ArrayList<>();
        for (ModelRecipe m : models) {
            Sequential net = nets.get(m.name());
            trainings.add(trainingPool.submit(() -> {
                TrainingResult result;
                try {
                    result = train(m, net, train, stop);
                } catch (RuntimeException | Error e) {
                    failed.set(true);
                    throw e;
                }
                return startEvaluation(net, result, test, failed);
            }));
        }
        try {
            List<Trained> trained = WorkerPool.awaitAllUnchecked(trainings);
            listener.phase("evaluating under noise and measuring the exact Jacobian norms on the test set");
            WorkerPool.awaitAllUnchecked(evaluationsOf(trainings));
            List<ModelResult> results = new ArrayList<>();
            for (int k = 0; k < models.size(); k++) {
                Trained t = trained.get(k);
                double[] accuracy = t.accuracy().stream().mapToDouble(Future::resultNow).toArray();
                results.add(new ModelResult(models.get(k), t.training(), accuracy, t.norm().resultNow()));
            }
            return results;
        } catch (RuntimeException | Error e) {
            WorkerPool.awaitEnd(evaluationsOf(trainings));  // the nets are closed after this: let started tasks end first
            throw e;
        }
    }

    /** The evaluation tasks the trainings that ended normally have started. */
    private static List<Future<Double>> evaluationsOf(List<Future<Trained>> trainings) {
        List<Future<Double>> out = new ArrayList<>();
        for (Future<Trained> f : trainings) {
            if (f.state() != Future.State.SUCCESS) continue;
            out.add(f.resultNow().norm());
            out.addAll(f.resultNow().accuracy());
        }
        return out;
    }

    /** Starts a trained net's evaluation tasks on the pool: the exact Jacobian norm (the longest) first. */
    private Trained startEvaluation(Sequential net, TrainingResult training, DeviceDataset test, AtomicBoolean failed) {
        Future<Double> norm = pool.submit(() -> failed.get() ? Double.NaN  // another model diverged: the run ends
                : Evaluator.meanSquaredJacobianNorm(net, test.images(), config.penalty().target(), config.evalChunk()));
        List<Future<Double>> accuracy = new ArrayList<>();
        for (int i = 0; i < config.noiseLevels().length; i++) {
            int level = i;
            accuracy.add(pool.submit(() -> {
                if (failed.get()) return Double.NaN;
                try (TensorScope scope = TensorScope.open()) {
                    // a fresh, repeatable noisy copy per level: the same for every net
                    Tensor noisy = spec.noisyTestImages(test.images(), level);
                    return Evaluator.accuracy(net, noisy, test.labels(), config.evalChunk());
                }
            }));
        }
        return new Trained(training, norm, accuracy);
    }

    private String names() {
        return String.join(", ", models.stream().map(ModelRecipe::name).toList());
    }

    private int indexOf(String name) {
        for (int k = 0; k < models.size(); k++) if (models.get(k).name().equals(name)) return k;
        throw new IllegalStateException("no model " + name);
    }

    /** The one place a model is trained: its recipe's loss, augmentation and weight decay, on the seed's streams. */
    private TrainingResult train(ModelRecipe model, Sequential net, DeviceDataset data, BooleanSupplier stop) {
        Trainer trainer = spec.trainer(model, parallel);
        TrainingResult result;
        try {
            result = trainer.train(net, data, progress -> listener.iteration(model.name(), progress), stop);
        } catch (NonFiniteLossException e) {
            throw e.forNet(model.name());  // say which net diverged
        }
        listener.trainingEnded(model.name(), result);
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
