package dev.jacreg.train;

import dev.jacreg.Functional;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.nn.Module;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The custom training loop of docs/experiment.md §5: each epoch reshuffles the training set, takes full
 * mini-batches (the last partial one is dropped), computes the (regularized) loss, backpropagates and
 * applies SGD with momentum. Every iteration's loss is recorded and reported; a stop request ends the
 * run after the current iteration and keeps what was trained. One iteration is a {@link TrainingStep} (remedies and
 * diagnostics of {@link TrainingConfig}); a non-finite loss or gradient throws {@link NonFiniteLossException}
 * before that step is applied.
 *
 * <p>With a {@link DataParallel} this trainer is one rank of a data-parallel run: the batch size is the global batch,
 * every rank draws the same shuffle and penalty directions and trains on its rows of each batch (the directions' rows
 * that go with them), and the ranks average gradients and losses before each step. Batch norm uses each rank's own
 * batch statistics and rank 0's running statistics, as PyTorch's DDP does by default: broadcast before every step
 * when the loss reads them ({@link RegularizedLoss#readsRunningStatistics}), else once after the last step (rank 0's
 * evolve from its own shards either way, so the trained model is the same, with one collective fewer per step).
 * Ranks that share a process (threads) must each pass their own seeded {@link RandomStream}: libtorch's generator is
 * one per process.
 */
public final class Trainer {
    private final TrainingConfig config;
    private final RegularizedLoss loss;
    private final RandomStream random;
    private final DataParallel parallel;
    private final Augmentation augmentation;
    private final RandomStream augmentationRandom;
    private final double weightDecay;

    /**
     * Shuffles and draws penalty directions from libtorch's generator, seeded with the config's seed.
     *
     * @param config the loop's settings
     * @param loss what is minimised
     */
    public Trainer(TrainingConfig config, RegularizedLoss loss) {
        this(config, loss, null);
    }

    /**
     * A trainer drawing from a stream of its own.
     *
     * @param config the loop's settings
     * @param loss what is minimised
     * @param random the shuffles and penalty directions come from this stream (the config's seed is then
     *               unused); null: libtorch's generator, seeded with the config's seed
     */
    public Trainer(TrainingConfig config, RegularizedLoss loss, RandomStream random) {
        this(config, loss, random, (DataParallel) null);
    }

    /**
     * A rank of a data-parallel run.
     *
     * @param config the loop's settings
     * @param loss what is minimised
     * @param random the shuffles' and penalty directions' stream, or null for libtorch's generator
     * @param parallel the data-parallel run this trainer is a rank of, or null for a single process; the config's batch
     *                 size (the global batch) must then be a multiple of its world size
     */
    public Trainer(TrainingConfig config, RegularizedLoss loss, RandomStream random, DataParallel parallel) {
        this(config, loss, random, parallel, Augmentation.NONE, null, 0);
    }

    /**
     * As {@link #Trainer(TrainingConfig, RegularizedLoss, RandomStream)}, with every batch perturbed by
     * {@code augmentation} (drawing from {@code augmentationRandom}, a stream of its own so that the shuffles and penalty
     * directions stay those of an unaugmented run; null: libtorch's generator) and L2 weight decay in the optimizer
     * ({@link SgdMomentum}; 0 = none).
     *
     * @param config the loop's settings
     * @param loss what is minimised
     * @param random the shuffles' and penalty directions' stream, or null for libtorch's generator
     * @param augmentation applied to every batch ({@link Augmentation#NONE} for none)
     * @param augmentationRandom the augmentation's stream, or null
     * @param weightDecay the L2 coefficient, &gt;= 0
     */
    public Trainer(TrainingConfig config, RegularizedLoss loss, RandomStream random, Augmentation augmentation,
                   RandomStream augmentationRandom, double weightDecay) {
        this(config, loss, random, null, augmentation, augmentationRandom, weightDecay);
    }

    /**
     * Every setting: a rank of {@code parallel} (or null) training with an augmentation and weight decay.
     *
     * @param config the loop's settings
     * @param loss what is minimised
     * @param random the shuffles' and penalty directions' stream, or null for libtorch's generator
     * @param parallel the data-parallel run, or null
     * @param augmentation applied to every batch ({@link Augmentation#NONE} for none)
     * @param augmentationRandom the augmentation's stream, or null
     * @param weightDecay the L2 coefficient, &gt;= 0
     */
    public Trainer(TrainingConfig config, RegularizedLoss loss, RandomStream random, DataParallel parallel,
                   Augmentation augmentation, RandomStream augmentationRandom, double weightDecay) {
        if (parallel != null && config.batchSize() % parallel.worldSize() != 0) {
            throw new IllegalArgumentException("the batch size " + config.batchSize() + " must be a multiple of the world size "
                    + parallel.worldSize() + " (every rank trains on an equal share of each batch)");
        }
        if (augmentation == null) throw new IllegalArgumentException("augmentation must not be null (use Augmentation.NONE)");
        this.config = config;
        this.loss = loss;
        this.random = random;
        this.parallel = parallel;
        this.augmentation = augmentation;
        this.augmentationRandom = augmentationRandom == null ? RandomStream.libtorch() : augmentationRandom;
        this.weightDecay = weightDecay;
    }

    /**
     * Trains the model in place.
     *
     * @param model the model, on the data's device
     * @param data the training set, on the device
     * @param progress      called after every iteration (on this thread)
     * @param stopRequested polled before every iteration
     * @return the losses and timings of every iteration
     * @throws NonFiniteLossException when an iteration's loss or gradient is NaN or infinite; the model then holds
     *                                the weights of the last finite step
     */
    public TrainingResult train(Module model, DeviceDataset data, Consumer<TrainingProgress> progress,
                                BooleanSupplier stopRequested) {
        int perEpoch = config.iterationsPerEpoch(data.count());
        if (perEpoch == 0) {
            throw new IllegalArgumentException("the training set has " + data.count() + " images, fewer than one batch of "
                    + config.batchSize());
        }
        int planned = perEpoch * config.epochs();
        double[] losses = new double[planned];
        double[] penalties = new double[planned];
        long[] nanos = new long[planned];
        List<IterationDiagnostics> diagnostics = new ArrayList<>();
        int done = 0;
        boolean stopped = false;
        long start = System.nanoTime();
        if (random == null) Torch.manualSeed(config.seed());
        RandomStream shuffles = random == null ? RandomStream.libtorch() : random;
        // Directions on a stream of their own: nets with and without a penalty then see the same batches.
        RandomStream directions = random == null ? null : random.split();
        int shard = parallel == null ? config.batchSize() : config.batchSize() / parallel.worldSize();
        long shardStart = parallel == null ? 0 : (long) parallel.rank() * shard;
        if (parallel != null) parallel.synchronize(model);
        boolean buffersEveryStep = parallel != null && loss.readsRunningStatistics();
        model.setTraining(true);
        try (SgdMomentum optimizer = new SgdMomentum(model.parameters(), config.learningRate(), config.momentum(),
                weightDecay)) {
            TrainingStep step = new TrainingStep(config, loss, model, optimizer, perEpoch, parallel);
            step.recordBatchVariances(true);
            training:
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                try (TensorScope epochScope = TensorScope.open()) {
                    Tensor order = shuffles.permutation(data.count());
                    for (int i = 0; i < perEpoch; i++) {
                        // Ranks vote on stopping through the step's reduction, so all end after the same step.
                        boolean stopVote = stopRequested.getAsBoolean();
                        if (stopVote && parallel == null) {
                            stopped = true;
                            break training;
                        }
                        long t0 = System.nanoTime();
                        boolean stopAgreed;
                        try (TensorScope stepScope = TensorScope.open()) {
                            Tensor index = order.narrow(0, (long) i * config.batchSize() + shardStart, shard);
                            Tensor images = augmentation.apply(data.images().indexSelect(0, index), augmentationRandom);
                            Tensor targets = Functional.oneHot(data.labels().indexSelect(0, index), data.numClasses())
                                    .to(images.dtype());
                            List<Tensor> v = !loss.penalized() || loss.exact() ? null : parallel != null
                                    ? shardRows(loss.penalty().stepDirections(directions != null ? directions : shuffles,
                                            images.dtype(), config.batchSize(), data.numClasses(), imageShape(images)), shardStart, shard)
                                    : directions == null ? null
                                    : loss.penalty().stepDirections(directions, images.dtype(), config.batchSize(),
                                            data.numClasses(), imageShape(images));
                            if (buffersEveryStep) parallel.broadcastBuffers(model);
                            TrainingStep.Outcome outcome = step.run(done, images, targets, v, stopVote);
                            if (outcome.failure() != null) {
                                throw new NonFiniteLossException(done + 1, epoch, outcome.failure(), outcome.detail(),
                                        new TrainingResult(Arrays.copyOf(losses, done), Arrays.copyOf(penalties, done),
                                                Arrays.copyOf(nanos, done), planned, true, diagnostics));
                            }
                            losses[done] = outcome.loss();
                            penalties[done] = outcome.penalty();
                            if (outcome.diagnostics() != null) diagnostics.add(outcome.diagnostics());
                            stopAgreed = outcome.stopAgreed();
                        }
                        nanos[done] = System.nanoTime() - t0;
                        done++;
                        progress.accept(new TrainingProgress(done, planned, epoch, config.epochs(), losses[done - 1],
                                penalties[done - 1], System.nanoTime() - start));
                        if (stopAgreed) {
                            stopped = true;
                            break training;
                        }
                    }
                }
            }
            // Every rank gets here after the same step (all complete, or all agreed to stop).
            if (parallel != null && !buffersEveryStep) parallel.broadcastBuffers(model);
        } finally {
            if (config.diagnostics()) TrainingDiagnostics.recordBatchVariances(TrainingDiagnostics.batchNormLayers(model), false);
            if (parallel != null) parallel.release(model);
            model.setTraining(false);
        }
        return new TrainingResult(Arrays.copyOf(losses, done), Arrays.copyOf(penalties, done), Arrays.copyOf(nanos, done),
                planned, stopped, diagnostics);
    }

    /**
     * This rank's rows of directions drawn for the whole batch. A single process draws the same B×C directions (from the
     * same stream, at the same point), so W ranks together use exactly the directions one process would: the penalty is
     * a mean over samples of per-sample terms, and averaging the shards' means gives the batch's.
     */
    /** The shape of one image of a batch (all dimensions but the first). */
    private static long[] imageShape(Tensor images) {
        long[] shape = images.shape();
        return Arrays.copyOfRange(shape, 1, shape.length);
    }

    private static List<Tensor> shardRows(List<Tensor> directions, long start, int rows) {
        List<Tensor> shard = new ArrayList<>(directions.size());
        for (Tensor v : directions) shard.add(v.narrow(0, start, rows));
        return shard;
    }
}
