package dev.jacreg.train;

import dev.jacreg.Functional;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.data.Batch;
import dev.jacreg.data.DataLoader;
import dev.jacreg.nn.Module;
import dev.jacreg.optim.Optimizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * A {@code fit}-style training loop over any model with a B×C output: for each epoch and batch of the loader, the
 * loss terms' sum (by default the cross-entropy; add {@link LossTerms#jacobian} for the penalty), backward, optional
 * gradient-norm clipping, and one optimiser step at the schedule's rate; then validation and the callbacks.
 *
 * <pre>{@code
 * try (Adam adam = new Adam(model.parameters(), 1e-3); DataLoader train = DataLoader.builder(data).batchSize(64)
 *         .shuffle(true).dropLast(true).build()) {
 *     FitResult result = Fit.builder(model, adam, train).epochs(10).seed(7)
 *             .loss(LossTerms.crossEntropy(), LossTerms.jacobian(new JacobianPenalty(0.1, 1, JacobianPenalty.Target.LOGITS)))
 *             .validation(test).callback(FitCallbacks.progress(System.out::println))
 *             .callback(FitCallbacks.checkpointEvery(5, Path.of("checkpoints"))).build().run();
 * }
 * }</pre>
 *
 * <p><b>Reproducibility and resuming.</b> Every random draw of epoch e (the loader's shuffle and transforms, the loss
 * terms' directions, and libtorch's generator for dropout, reseeded at the start of each epoch) comes from streams
 * derived from the seed and e alone. So a run resumed from a {@link Checkpoint} of epoch k ({@link Builder#resumeFrom})
 * continues bit for bit as the uninterrupted run: same model, optimiser kind, loader and loss, and the same seed.
 * A checkpoint also holds each callback's state ({@link FitCallback#saveState}), handed back on resume, so early
 * stopping stops at the same epoch; callbacks are matched by their position, so resume with the same callbacks.
 *
 * <p><b>Non-finite values.</b> A batch whose loss or gradient is NaN or infinite throws a
 * {@link NonFiniteLossException} naming the epoch, batch, step and loss values, before that step's update: the model
 * (buffers included) and the optimiser keep the state of the last finite step.
 */
public final class Fit {
    private final Module model;
    private final Optimizer optimizer;
    private final DataLoader train;
    private final DataLoader validation;
    private final List<LossTerm> terms;
    private final LearningRateSchedule schedule;
    private final double clipGradNorm;
    private final double clipGradValue;
    private final int epochs;
    private final long seed;
    private final List<FitCallback> callbacks;
    private final BooleanSupplier stopRequested;
    private final Path resumeFrom;

    private Fit(Builder b) {
        this.model = b.model;
        this.optimizer = b.optimizer;
        this.train = b.train;
        this.validation = b.validation;
        this.terms = b.terms.isEmpty() ? List.of(LossTerms.crossEntropy()) : List.copyOf(b.terms);
        this.schedule = b.schedule;
        this.clipGradNorm = b.clipGradNorm;
        this.clipGradValue = b.clipGradValue;
        this.epochs = b.epochs;
        this.seed = b.seed;
        this.callbacks = List.copyOf(b.callbacks);
        this.stopRequested = b.stopRequested;
        this.resumeFrom = b.resumeFrom;
    }

    /**
     * A builder for training {@code model} with {@code optimizer} (over the model's parameters) on {@code train}.
     *
     * @param model any module with a B×C output, on the loader's device
     * @param optimizer an optimizer over the model's parameters
     * @param train the training batches
     * @return the builder
     */
    public static Builder builder(Module model, Optimizer optimizer, DataLoader train) {
        return new Builder(model, optimizer, train);
    }

    /** The settings of a {@link Fit}; by default 1 epoch, seed 0, cross-entropy, constant rate, no clipping. */
    public static final class Builder {
        private final Module model;
        private final Optimizer optimizer;
        private final DataLoader train;
        private DataLoader validation;
        private final List<LossTerm> terms = new ArrayList<>();
        private LearningRateSchedule schedule = LearningRateSchedule.constant();
        private double clipGradNorm;
        private double clipGradValue;
        private int epochs = 1;
        private long seed;
        private final List<FitCallback> callbacks = new ArrayList<>();
        private BooleanSupplier stopRequested = () -> false;
        private Path resumeFrom;

        private Builder(Module model, Optimizer optimizer, DataLoader train) {
            this.model = Objects.requireNonNull(model, "model");
            this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
            this.train = Objects.requireNonNull(train, "train");
        }

        /**
         * The number of epochs the run ends after, &gt;= 1 (a resumed run counts the checkpoint's epochs).
         *
         * @param epochs the last epoch, &gt;= 1
         * @return this builder
         */
        public Builder epochs(int epochs) {
            if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            this.epochs = epochs;
            return this;
        }

        /**
         * The loss: the sum of these terms (replacing the default cross-entropy).
         *
         * @param terms at least one term
         * @return this builder
         */
        public Builder loss(LossTerm... terms) {
            if (terms.length == 0) throw new IllegalArgumentException("a loss needs at least one term");
            this.terms.clear();
            for (LossTerm t : terms) this.terms.add(Objects.requireNonNull(t, "loss term"));
            return this;
        }

        /**
         * The learning rate of each step, from the optimiser's base rate.
         *
         * @param schedule the schedule
         * @return this builder
         */
        public Builder schedule(LearningRateSchedule schedule) {
            this.schedule = Objects.requireNonNull(schedule, "schedule");
            return this;
        }

        /**
         * Scales each step's gradient to a global L2 norm of at most maxNorm ({@link Gradients#clipInPlace}); 0 = off.
         *
         * @param maxNorm the largest gradient norm, &gt;= 0
         * @return this builder
         */
        public Builder clipGradNorm(double maxNorm) {
            if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
                throw new IllegalArgumentException("gradient clipping norm must be finite and >= 0, got " + maxNorm);
            }
            this.clipGradNorm = maxNorm;
            return this;
        }

        /**
         * Clamps each gradient element to [−maxValue, maxValue] ({@link Gradients#clipValueInPlace}), before any norm
         * clipping; 0 = off.
         *
         * @param maxValue the largest gradient element magnitude, &gt;= 0
         * @return this builder
         */
        public Builder clipGradValue(double maxValue) {
            if (!(maxValue >= 0) || Double.isInfinite(maxValue)) {
                throw new IllegalArgumentException("gradient clipping value must be finite and >= 0, got " + maxValue);
            }
            this.clipGradValue = maxValue;
            return this;
        }

        /**
         * The seed every epoch's random streams derive from.
         *
         * @param seed any value (a resumed run must use its checkpoint's)
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * A set evaluated (mean cross-entropy and accuracy, inference mode) after every epoch.
         *
         * @param validation the validation batches, on the model's device
         * @return this builder
         */
        public Builder validation(DataLoader validation) {
            this.validation = Objects.requireNonNull(validation, "validation");
            return this;
        }

        /**
         * Adds a callback; callbacks run in the order added.
         *
         * @param callback the callback
         * @return this builder
         */
        public Builder callback(FitCallback callback) {
            callbacks.add(Objects.requireNonNull(callback, "callback"));
            return this;
        }

        /**
         * Polled before every batch: true ends the run there, keeping what was trained (e.g. on Ctrl-C).
         *
         * @param stopRequested true once the run should stop
         * @return this builder
         */
        public Builder stopWhen(BooleanSupplier stopRequested) {
            this.stopRequested = Objects.requireNonNull(stopRequested, "stopRequested");
            return this;
        }

        /**
         * Starts from a {@link Checkpoint}: its model and optimiser state, then the epochs after its epoch.
         *
         * @param checkpoint a file written by {@link Checkpoint#save} for this model and optimizer kind
         * @return this builder
         */
        public Builder resumeFrom(Path checkpoint) {
            this.resumeFrom = Objects.requireNonNull(checkpoint, "checkpoint");
            return this;
        }

        /** {@return the configured run (nothing runs yet)} */
        public Fit build() {
            return new Fit(this);
        }
    }

    /**
     * Trains the model in place and leaves it in inference mode.
     *
     * @return what each epoch did
     * @throws IOException             when a checkpoint cannot be read or written
     * @throws NonFiniteLossException  when a batch's loss or gradient is NaN or infinite: that step is not applied, so
     *                                 the model and optimiser hold the state after the last finite step
     */
    public FitResult run() throws IOException {
        checkDevices();  // the cheap checks first: nothing is loaded or trained on a bad setup
        int perEpoch = train.batchCount();
        if (perEpoch == 0) {
            throw new IllegalArgumentException("the training set has " + train.dataset().size() + " examples, fewer than one batch of "
                    + train.batchSize() + " (with the last partial batch dropped)");
        }
        int firstEpoch = 1;
        Controls control = new Controls();
        if (resumeFrom != null) {
            Checkpoint.Info info = Checkpoint.info(resumeFrom);
            if (info.seed() != seed) {
                throw new IllegalArgumentException("checkpoint " + resumeFrom + " was written by a run with seed " + info.seed()
                        + ", this one has seed " + seed + ": a resumed run must use its checkpoint's seed");
            }
            for (int i = 0; i < callbacks.size(); i++) {  // read before anything changes: a bad state fails here
                try {
                    callbacks.get(i).restoreState(control, info.callbackState(i));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("checkpoint " + resumeFrom + ", callback " + i + ": " + e.getMessage(), e);
                }
            }
            Checkpoint.load(resumeFrom, model, optimizer);
            firstEpoch = info.epoch() + 1;
        }
        int planned = perEpoch * epochs;
        boolean needsInputGradient = terms.stream().anyMatch(LossTerm::needsInputGradient);
        int numClasses = train.dataset().numClasses();
        List<EpochRecord> records = new ArrayList<>();
        model.setTraining(true);
        try {
            for (int epoch = firstEpoch; epoch <= epochs && !control.stop; epoch++) {
                RandomStream epochRandom = RandomStream.seeded(RandomStream.derive(seed, "fit epoch " + epoch));
                RandomStream termRandom = epochRandom.split();
                Torch.manualSeed(RandomStream.derive(seed, "fit libtorch epoch " + epoch));  // dropout masks
                double[] termSums = new double[terms.size()];
                double lossSum = 0;
                int batches = 0;
                int iteration0 = (epoch - 1) * perEpoch;
                double firstRate = schedule.rate(optimizer.learningRate(), iteration0, perEpoch, planned);
                for (Batch batch : train.batches(epochRandom)) {
                    if (stopRequested.getAsBoolean()) {
                        control.stop = true;
                        break;
                    }
                    int iteration = iteration0 + batches;
                    double rate = schedule.rate(optimizer.learningRate(), iteration, perEpoch, planned);
                    double loss = step(batch, numClasses, needsInputGradient, termRandom, rate, termSums, epoch, batches + 1,
                            iteration + 1);
                    lossSum += loss;
                    batches++;
                    for (FitCallback c : callbacks) c.onBatchEnd(control, epoch, batches, loss);
                    if (control.stop) break;
                }
                if (batches == 0) break;
                Map<String, Double> termMeans = new LinkedHashMap<>();
                for (int t = 0; t < terms.size(); t++) termMeans.merge(terms.get(t).name(), termSums[t] / batches, Double::sum);
                double[] validated = validation == null ? new double[]{Double.NaN, Double.NaN} : validate(epoch);
                EpochRecord record = new EpochRecord(epoch, firstRate, lossSum / batches, termMeans, batches, validated[0],
                        validated[1]);
                records.add(record);
                control.inEpochEnd = true;
                try {
                    for (FitCallback c : callbacks) c.onEpochEnd(control, record);
                } finally {
                    control.inEpochEnd = false;
                }
                control.writeCheckpoints(epoch);
            }
        } finally {
            model.setTraining(false);
        }
        boolean stopped = control.stop && (records.isEmpty() || records.get(records.size() - 1).epoch() < epochs
                || records.get(records.size() - 1).batches() < perEpoch);
        return new FitResult(records, firstEpoch, stopped, optimizer.steps());
    }

    /** Tensors of two devices must not meet mid-run: say so before any work. */
    private void checkDevices() {
        List<Tensor> parameters = optimizer.parameters();
        dev.jacreg.Device modelDevice = parameters.get(0).device();
        if (!modelDevice.equals(train.device())) {
            throw new IllegalArgumentException("the model's parameters are on " + modelDevice + " but the training loader's batches"
                    + " go to " + train.device() + ": move the model with to(device) before building its optimizer, or set the"
                    + " loader's device");
        }
        if (validation != null && !modelDevice.equals(validation.device())) {
            throw new IllegalArgumentException("the model's parameters are on " + modelDevice + " but the validation loader's"
                    + " batches go to " + validation.device());
        }
    }

    /**
     * One batch: loss, backward, checks, clipping, update. Returns the total loss. A non-finite loss or gradient throws
     * before the update, with the buffers (batch-norm running statistics) put back as they were before the batch.
     */
    private double step(Batch batch, int numClasses, boolean needsInputGradient, RandomStream termRandom, double rate,
                        double[] termSums, int epoch, int batchNumber, int iteration) {
        try (TensorScope scope = TensorScope.open()) {
            BufferSnapshot buffersBefore = new BufferSnapshot(model);
            Tensor features = batch.features();
            Tensor input = needsInputGradient ? features.detach().requiresGrad(true) : features;
            Tensor output = model.forward(input);
            long[] shape = output.shape();
            if (shape.length != 2 || shape[1] != numClasses) {
                throw new IllegalArgumentException("the model's output has shape " + Arrays.toString(shape) + " but the data has "
                        + numClasses + " classes: a classifier must output B×" + numClasses + " (one column per class)");
            }
            Tensor targets = Functional.oneHot(batch.labels(), numClasses).to(output.dtype());
            LossTerm.Context context = new LossTerm.Context(model, input, output, targets, termRandom);
            Tensor total = null;
            double[] values = new double[terms.size()];
            for (int t = 0; t < terms.size(); t++) {
                Tensor value = terms.get(t).compute(context);
                values[t] = value.item();
                total = total == null ? value : total.add(value);
            }
            double loss = total.item();
            if (!Double.isFinite(loss)) {
                buffersBefore.restore();
                throw nonFinite(NonFiniteLossException.Part.LOSS, "loss " + loss, epoch, batchNumber, iteration,
                        "terms " + describe(values));
            }
            total.backward();
            List<Tensor> gradients = new ArrayList<>();
            for (Tensor p : optimizer.parameters()) {
                gradients.add(p.grad());
                p.clearGrad();
            }
            double norm = Gradients.norm(gradients);
            if (!Double.isFinite(norm)) {  // checked before clipping, which would hide an infinity
                buffersBefore.restore();
                throw nonFinite(NonFiniteLossException.Part.GRADIENT, "gradient (norm " + norm + ")", epoch, batchNumber,
                        iteration, "loss " + loss + " (" + describe(values) + ")");
            }
            if (clipGradValue > 0) {
                Gradients.clipValueInPlace(gradients, clipGradValue);
                norm = Gradients.norm(gradients);
            }
            if (clipGradNorm > 0) Gradients.clipInPlace(gradients, clipGradNorm, norm);
            optimizer.step(gradients, rate);
            for (int t = 0; t < values.length; t++) termSums[t] += values[t];
            return loss;
        }
    }

    private static NonFiniteLossException nonFinite(NonFiniteLossException.Part part, String what, int epoch, int batchNumber,
                                                    int iteration, String values) {
        return new NonFiniteLossException(iteration, epoch, part, String.format(Locale.ROOT, "non-finite %s at epoch %d, "
                + "batch %d (step %d of the run): %s; the step was not applied, so the model keeps the weights of step %d (a "
                + "smaller learning rate or penalty weight, or gradient clipping, may help)", what, epoch, batchNumber,
                iteration, values, iteration - 1));
    }

    private String describe(double[] values) {
        StringBuilder s = new StringBuilder();
        for (int t = 0; t < values.length; t++) s.append(t == 0 ? "" : ", ").append(terms.get(t).name()).append(' ').append(values[t]);
        return s.toString();
    }

    /** {mean cross-entropy, accuracy} on the validation set, in inference mode. */
    private double[] validate(int epoch) {
        try {
            RandomStream random = RandomStream.seeded(RandomStream.derive(seed, "fit validation " + epoch));
            Evaluation evaluation = Evaluator.evaluate(model, validation, random);
            return new double[]{evaluation.meanLoss(), evaluation.accuracy()};
        } finally {
            model.setTraining(true);
        }
    }

    /** The callbacks' view of the run. */
    private final class Controls implements FitCallback.Control {
        boolean stop;
        boolean inEpochEnd;
        private final List<Path> checkpoints = new ArrayList<>();

        @Override
        public void saveCheckpoint(Path file) {
            if (!inEpochEnd) throw new IllegalStateException("saveCheckpoint is for onEpochEnd, where the epoch is complete");
            checkpoints.add(Objects.requireNonNull(file, "file"));
        }

        /** The checkpoints asked for during the epoch's callbacks, now that each callback has seen the epoch. */
        void writeCheckpoints(int epoch) throws IOException {
            if (checkpoints.isEmpty()) return;
            List<Map<String, String>> states = new ArrayList<>();
            for (FitCallback c : callbacks) states.add(c.saveState());
            for (Path file : checkpoints) Checkpoint.save(file, model, optimizer, epoch, seed, states);
            checkpoints.clear();
        }

        @Override
        public Module model() {
            return model;
        }

        @Override
        public Optimizer optimizer() {
            return optimizer;
        }

        @Override
        public long seed() {
            return seed;
        }

        @Override
        public int epochs() {
            return epochs;
        }

        @Override
        public void requestStop() {
            stop = true;
        }
    }
}
