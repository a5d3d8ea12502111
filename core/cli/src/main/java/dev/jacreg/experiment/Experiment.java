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
 * The whole reference experiment (docs/experiment.md): train N models ({@link ModelRecipe}s, by default a
 * Jacobian-regularized and a reference network) of the same architecture from the same initial weights on the same
 * batches, then measure each the same way under growing pixel noise. Each model's training is one task on a {@link WorkerPool} when one is given, and
 * each net's evaluation starts there as soon as it is trained (the noise levels and the Jacobian norm as separate
 * tasks, so they overlap the other nets' training and spread over the workers); {@link #start} lets several runs
 * (replicates) queue their nets on one pool. Every piece draws from its own {@link ExperimentRandom} streams, so the
 * numbers do not depend on the pool. The trained networks are returned for saving or further use; callers close them.
 */
public final class Experiment {
    public static final String JACOBIAN = ModelCatalog.JACOBIAN;
    public static final String REFERENCE = ModelCatalog.REFERENCE;

    private final ExperimentConfig config;
    private final ExperimentSpec spec;
    private final List<ModelRecipe> models;
    private final ExperimentListener listener;
    private final BooleanSupplier stopRequested;
    private final WorkerPool pool;
    private DataParallel parallel;

    /** The regularized and reference pair, one after the other on the calling thread. */
    public Experiment(ExperimentConfig config, ExperimentListener listener, BooleanSupplier stopRequested) {
        this(config, ModelCatalog.parse(ModelCatalog.DEFAULT, ModelCatalog.RecipeSettings.of(config)), listener, stopRequested,
                WorkerPool.inline());
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
     * @param models   what to train, each name once ({@link ModelCatalog#parse})
     * @param listener called from the pool's threads too, one call at a time
     * @param pool     where the models train and are evaluated (not closed here)
     */
    public Experiment(ExperimentConfig config, List<ModelRecipe> models, ExperimentListener listener,
                      BooleanSupplier stopRequested, WorkerPool pool) {
        Set<String> names = new HashSet<>();
        for (ModelRecipe m : models) {
            if (!names.add(m.name())) throw new IllegalArgumentException("model '" + m.name() + "' appears twice");
        }
        if (names.isEmpty()) throw new IllegalArgumentException("an experiment trains at least one model");
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

        /** The trained net of the named model. */
        public Sequential net(String name) {
            Sequential net = nets.get(name);
            if (net == null) throw new IllegalArgumentException("no model '" + name + "' in this experiment");
            return net;
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
     * Runs on data loaded by the caller ({train, test}). All randomness comes from {@link ExperimentRandom} streams of
     * the training seed, so the outcome does not depend on the thread or on other experiments running meanwhile.
     */
    public Outcome run(DigitDataset[] sets) {
        return run(sets, System.nanoTime());
    }

    private Outcome run(DigitDataset[] sets, long start) {
        try (DeviceDataset train = spec.onDevice(sets[0]); DeviceDataset test = spec.onDevice(sets[1])) {
            return new Running(sets, train, test, start, false).finish();
        }
    }

    /**
     * Creates the nets and queues their training on the pool, then returns: {@link Running#finish} waits for them and
     * measures. So several runs can queue their nets on one pool before any finishes (replicates). {@code train} and
     * {@code test} are {@code sets} on the device ({@link ExperimentSpec#onDevice}), shared read-only by the nets and
     * left open by the caller until {@code finish} has returned. A run started here is one replicate among several:
     * when a stop is requested before any of its nets began training it is skipped ({@code finish} returns null), and
     * its clock starts when its first net begins.
     */
    public Running start(DigitDataset[] sets, DeviceDataset train, DeviceDataset test) {
        return new Running(sets, train, test, -1, true);
    }

    /** One model's training and the evaluation tasks it started when it ended. */
    private record Trained(TrainingResult training, Future<Double> norm, List<Future<Double>> accuracy) {}

    /**
     * A run whose nets are queued or training on the pool. As soon as one net is trained, its evaluation starts there
     * too: a task for the exact Jacobian norm and one per noise level. So a net that finishes early (the reference) is
     * evaluated while the others still train, and the last net's evaluation spreads over every worker. When one model
     * diverges the others are stopped and its exception is thrown by {@link #finish} (the first in --models order when
     * several fail), once every task has ended.
     */
    public final class Running {
        private final DigitDataset[] sets;
        private final DeviceDataset train;
        private final DeviceDataset test;
        private final boolean skippable;
        private final Map<String, Sequential> nets = new LinkedHashMap<>();
        private final List<Future<Trained>> trainings = new ArrayList<>();
        private final AtomicBoolean failed = new AtomicBoolean();
        private final WorkerPool trainingPool = parallel == null ? pool : WorkerPool.inline();  // ranks: collectives in one order
        private boolean begun;     // a net began training (or the run was skipped); guarded by this
        private boolean skipped;   // guarded by this
        private long startNanos;   // guarded by this until begun

        private Running(DigitDataset[] sets, DeviceDataset train, DeviceDataset test, long startNanos, boolean skippable) {
            this.sets = sets;
            this.train = train;
            this.test = test;
            this.startNanos = startNanos;
            this.skippable = skippable;
            try (TensorScope scope = TensorScope.open()) {
                Tensor mean = train.meanImage();  // each net keeps a copy
                for (ModelRecipe m : models) {
                    nets.put(m.name(), spec.createNetwork(mean, sets[0].height(), sets[0].width()));  // same initial weights
                }
            } catch (RuntimeException | Error e) {
                nets.values().forEach(Sequential::close);
                throw e;
            }
            BooleanSupplier stop = () -> stopRequested.getAsBoolean() || failed.get();
            for (ModelRecipe m : models) {
                Sequential net = nets.get(m.name());
                trainings.add(trainingPool.submit(() -> {
                    if (!begin()) return null;
                    TrainingResult result;
                    try {
                        result = Experiment.this.train(m, net, train, stop);
                    } catch (RuntimeException | Error e) {
                        failed.set(true);
                        throw e;
                    }
                    return startEvaluation(net, result, test, failed);
                }));
            }
        }

        /** Called as each net's training begins; the first one announces the run, or skips it (false) after a stop. */
        private synchronized boolean begin() {
            if (!begun) {
                begun = true;
                skipped = skippable && stopRequested.getAsBoolean();
                if (skipped) return false;
                if (startNanos < 0) startNanos = System.nanoTime();
                listener.phase(models.stream().map(ModelRecipe::name).toList().equals(ModelCatalog.DEFAULT)
                        && trainingPool.jobs() == 1
                        ? "training the Jacobian-regularized network (lambda " + config.penalty().lambda() + "), then the reference"
                        : "training " + models.size() + " models (" + names() + "), " + trainingPool.jobs() + " at a time");
            }
            return !skipped;
        }

        private synchronized boolean skipped() {
            return skipped;
        }

        private synchronized long startNanos() {
            return startNanos;
        }

        /**
         * Waits for the nets' training and evaluation, then measures the rest on the pool (inference time, the single
         * image, the preview). Returns the trained nets and the result, or null when the run was skipped (the nets are
         * then closed); on a failure the nets are closed and the first model's exception is thrown.
         */
        public Outcome finish() {
            try {
                List<ModelResult> results = awaitTrainingAndEvaluation();
                if (results == null) {
                    nets.values().forEach(Sequential::close);
                    return null;
                }
                Future<ExperimentResult> closing = pool.submit(() -> measure(results));
                return new Outcome(nets, WorkerPool.awaitAllUnchecked(List.of(closing)).get(0));
            } catch (RuntimeException | Error e) {
                nets.values().forEach(Sequential::close);
                throw e;
            }
        }

        /** Every model's result in --models order; null when skipped. */
        private List<ModelResult> awaitTrainingAndEvaluation() {
            try {
                List<Trained> trained = WorkerPool.awaitAllUnchecked(trainings);
                if (skipped()) return null;
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
                WorkerPool.awaitEnd(trainings);  // the nets are closed after this: let started tasks end first
                WorkerPool.awaitEnd(evaluationsOf(trainings));
                throw e;
            }
        }

        /** The measurements on the trained nets that follow the evaluation, and the whole result. */
        private ExperimentResult measure(List<ModelResult> results) {
            long seed = config.training().seed();
            DigitDataset trainSet = sets[0], testSet = sets[1];
            double inferenceMillis = timeInference(nets.values().iterator().next(), test);
            ExperimentResult.SingleCase example = singleCase(List.copyOf(nets.values()), test, testSet, seed);
            ExperimentResult.Preview preview = preview(trainSet, train, seed);
            ExperimentResult.Environment environment = new ExperimentResult.Environment(Device.defaultDevice().toString(),
                    Torch.version(), pool.threadsPerTask(), cpuName(), Runtime.version().toString(),
                    config.data().describe(), trainSet.count(), testSet.count(), PeakMemory.residentBytes());
            return new ExperimentResult(config, environment, config.noiseLevels(), example, preview, inferenceMillis,
                    (System.nanoTime() - startNanos()) / 1e9, results);
        }
    }

    /** The evaluation tasks the trainings that ended normally have started. */
    private static List<Future<Double>> evaluationsOf(List<Future<Trained>> trainings) {
        List<Future<Double>> out = new ArrayList<>();
        for (Future<Trained> f : trainings) {
            if (f.state() != Future.State.SUCCESS || f.resultNow() == null) continue;  // failed or skipped
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

    /** Every net's prediction for the first test image, clean and noisy, in --models order. */
    private ExperimentResult.SingleCase singleCase(List<Sequential> trained, DeviceDataset test, DigitDataset testSet,
                                                   long seed) {
        double noise = config.exampleNoise();
        try (TensorScope scope = TensorScope.open()) {
            Tensor clean = test.images().narrow(0, 0, 1);
            Tensor noisy = Noise.replacePixels(clean, noise, ExperimentRandom.example(seed));
            Tensor both = Tensor.cat(java.util.List.of(clean, noisy), 0);
            int[] cleanPredictions = new int[trained.size()], noisyPredictions = new int[trained.size()];
            for (int k = 0; k < trained.size(); k++) {
                long[] predicted = Evaluator.predict(trained.get(k), both, 2).toLongArray();
                cleanPredictions[k] = (int) predicted[0];
                noisyPredictions[k] = (int) predicted[1];
            }
            return new ExperimentResult.SingleCase(clean.toFloatArray(), noisy.toFloatArray(), testSet.height(),
                    testSet.width(), noise, testSet.labels()[0], cleanPredictions, noisyPredictions);
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
