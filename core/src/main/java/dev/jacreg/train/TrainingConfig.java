package dev.jacreg.train;

/**
 * Loop settings (docs/experiment.md §5): epochs, mini-batch size, SGDM learning rate and momentum, and the seed
 * of libtorch's generator when no {@code RandomStream} is given to the trainer; then the remedies (each off in
 * {@link #builder()} and {@link #reference}, the specification's exact loop; {@link #stabilised} is
 * jacreg's default) and the diagnostics.
 *
 * @param epochs passes over the training set, &gt;= 1
 * @param batchSize examples per step (the global batch in a data-parallel run), &gt;= 1
 * @param learningRate the SGDM base rate, &gt; 0
 * @param momentum the SGDM momentum, in [0, 1)
 * @param seed libtorch's generator's seed when the trainer has no stream of its own
 * @param schedule            learning rate per iteration from {@code learningRate} ({@link LearningRateSchedule.Constant}: SEED)
 * @param clipGradNorm        scale the total gradient down to this L2 norm before each step when it is larger; 0 = off
 * @param penaltyWarmupEpochs λ ramps linearly from 0 to its value over this many epochs; 0 = off
 * @param diagnostics         record {@link IterationDiagnostics} every iteration
 * @param gradientSplitInterval with diagnostics on, a penalized net's gradient is split into its cross-entropy and
 *                            penalty parts (their norms recorded) on every this-many-th iteration (0, K, 2K, …): a
 *                            split costs one more backward pass through the forward graph (+20 % of a penalized
 *                            step), so 1 = every iteration, {@value #DEFAULT_GRADIENT_SPLIT_INTERVAL} by default
 */
public record TrainingConfig(int epochs, int batchSize, double learningRate, double momentum, long seed,
                             LearningRateSchedule schedule, double clipGradNorm, int penaltyWarmupEpochs,
                             boolean diagnostics, int gradientSplitInterval) {
    /** Split the gradient on every 10th iteration: +2 % per penalized step instead of +20 %. */
    public static final int DEFAULT_GRADIENT_SPLIT_INTERVAL = 10;

    /** Checks every value; a bad one is an IllegalArgumentException naming the setting and the value. */
    public TrainingConfig {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        if (schedule == null) throw new IllegalArgumentException("learning-rate schedule must not be null");
        if (!(clipGradNorm >= 0) || Double.isInfinite(clipGradNorm)) {
            throw new IllegalArgumentException("gradient clipping norm must be >= 0 (0 = off), got " + clipGradNorm);
        }
        if (penaltyWarmupEpochs < 0) {
            throw new IllegalArgumentException("penalty warm-up must be >= 0 epochs (0 = off), got " + penaltyWarmupEpochs);
        }
        if (gradientSplitInterval < 1) {
            throw new IllegalArgumentException("gradient split interval must be >= 1 (1 = every iteration), got "
                    + gradientSplitInterval);
        }
    }

    /**
     * A builder that starts from {@link #reference}(0), docs/experiment.md's loop; set what differs, e.g.
     * {@code TrainingConfig.builder().epochs(3).seed(7).build()}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@return a builder that starts from this loop's settings}
     */
    public Builder toBuilder() {
        return new Builder().epochs(epochs).batchSize(batchSize).learningRate(learningRate).momentum(momentum).seed(seed)
                .schedule(schedule).clipGradNorm(clipGradNorm).penaltyWarmupEpochs(penaltyWarmupEpochs)
                .diagnostics(diagnostics).gradientSplitInterval(gradientSplitInterval);
    }

    /**
     * 15 epochs, batch 32, lr 0.01, momentum 0.9: docs/experiment.md's exact loop (the {@link #builder}'s start).
     *
     * @param seed libtorch's generator's seed
     * @return the settings
     */
    public static TrainingConfig reference(long seed) {
        return builder().seed(seed).build();
    }

    /** Total gradient norm the stabilised loop clips to (README "Stabilised training": bursts of the penalty). */
    public static final double STABILISED_CLIP_GRAD_NORM = 5;

    /**
     * jacreg's default loop: the reference loop with the gradient clipped to L2 norm
     * {@value #STABILISED_CLIP_GRAD_NORM} and the learning rate divided by 10 after 2/3 and again after 13/15 of the
     * epochs (after epochs 10 and 13 of 15). The penalty's rare huge gradients otherwise throw the net off (loss bursts)
     * late in training; README "Stabilised training" has the measurements.
     *
     * @param seed libtorch's generator's seed
     * @return the settings
     */
    public static TrainingConfig stabilised(long seed) {
        return reference(seed).withStabilisation();
    }

    /**
     * {@return this loop with the stabilised defaults' clipping and learning-rate steps (scaled to its number of
     * epochs)}
     */
    public TrainingConfig withStabilisation() {
        return withClipGradNorm(STABILISED_CLIP_GRAD_NORM).withSchedule(stabilisedSchedule(epochs));
    }

    /**
     * Rate ×0.1 after round(2/3·epochs) epochs and again after round(13/15·epochs): 10 and 13 for 15 epochs.
     *
     * @param epochs the run's epochs
     * @return the step schedule
     */
    public static LearningRateSchedule stabilisedSchedule(int epochs) {
        int first = Math.max(1, (int) Math.round(epochs * 2.0 / 3));
        int second = Math.max(first, (int) Math.round(epochs * 13.0 / 15));
        return new LearningRateSchedule.Step(first == second ? new int[]{first} : new int[]{first, second}, 0.1);
    }

    /**
     * {@return these settings with another epoch count}
     *
     * @param value the epochs, &gt;= 1
     */
    public TrainingConfig withEpochs(int value) {
        return toBuilder().epochs(value).build();
    }

    /**
     * {@return these settings with another learning-rate schedule}
     *
     * @param value the schedule
     */
    public TrainingConfig withSchedule(LearningRateSchedule value) {
        return toBuilder().schedule(value).build();
    }

    /**
     * {@return these settings with another gradient-norm bound}
     *
     * @param value the bound; 0 = off
     */
    public TrainingConfig withClipGradNorm(double value) {
        return toBuilder().clipGradNorm(value).build();
    }

    /**
     * {@return these settings with another penalty warm-up}
     *
     * @param value the warm-up epochs; 0 = off
     */
    public TrainingConfig withPenaltyWarmupEpochs(int value) {
        return toBuilder().penaltyWarmupEpochs(value).build();
    }

    /**
     * {@return these settings with diagnostics on or off}
     *
     * @param value whether to record diagnostics
     */
    public TrainingConfig withDiagnostics(boolean value) {
        return toBuilder().diagnostics(value).build();
    }

    /**
     * Splits the gradient on every value-th iteration when diagnostics are on (1 = every iteration).
     *
     * @param value the interval, &gt;= 1
     * @return these settings with that interval
     */
    public TrainingConfig withGradientSplitInterval(int value) {
        return toBuilder().gradientSplitInterval(value).build();
    }

    /**
     * Whether a 0-based iteration of a penalized net splits its gradient into the two parts.
     *
     * @param iteration 0-based over the run
     * @return whether it does
     */
    public boolean splitsGradient(int iteration) {
        return diagnostics && iteration % gradientSplitInterval == 0;
    }

    /**
     * {@return these settings with another seed}
     *
     * @param value the seed
     */
    public TrainingConfig withSeed(long value) {
        return toBuilder().seed(value).build();
    }

    /**
     * Full batches per epoch: the last partial batch is dropped.
     *
     * @param samples the training set's size
     * @return samples / batch size, rounded down
     */
    public int iterationsPerEpoch(int samples) {
        return samples / batchSize;
    }

    /**
     * The learning rate of a 0-based iteration.
     *
     * @param iteration 0-based over the run
     * @param perEpoch iterations per epoch
     * @return the schedule's rate at that iteration
     */
    public double learningRate(int iteration, int perEpoch) {
        return schedule.rate(learningRate, iteration, perEpoch, perEpoch * epochs);
    }

    /**
     * The share of λ in force at a 0-based iteration: 1 without warm-up, else iteration / (warm-up iterations) up to
     * 1, so the first iteration trains on cross-entropy alone and the full λ applies from epoch warm-up + 1 on.
     *
     * @param iteration 0-based over the run
     * @param perEpoch iterations per epoch
     * @return the share, in [0, 1]
     */
    public double penaltyScale(int iteration, int perEpoch) {
        if (penaltyWarmupEpochs == 0) return 1;
        return Math.min(1.0, (double) iteration / ((double) penaltyWarmupEpochs * perEpoch));
    }

    /**
     * Named construction of a {@link TrainingConfig}: starts from {@link #reference}(0) and {@link #build} checks
     * every value as the record's constructor does.
     */
    public static final class Builder {
        private int epochs = 15;
        private int batchSize = 32;
        private double learningRate = 0.01;
        private double momentum = 0.9;
        private long seed;
        private LearningRateSchedule schedule = LearningRateSchedule.constant();
        private double clipGradNorm;
        private int penaltyWarmupEpochs;
        private boolean diagnostics;
        private int gradientSplitInterval = DEFAULT_GRADIENT_SPLIT_INTERVAL;

        private Builder() {}

        /**
         * Passes over the training set, >= 1.
         *
         * @param value passes over the training set, >= 1
         * @return this builder
         */
        public Builder epochs(int value) {
            epochs = value;
            return this;
        }

        /**
         * Images per mini-batch, >= 1; the last partial batch of an epoch is dropped.
         *
         * @param value images per mini-batch, >= 1; the last partial batch of an epoch is dropped
         * @return this builder
         */
        public Builder batchSize(int value) {
            batchSize = value;
            return this;
        }

        /**
         * The SGDM learning rate (before the schedule), > 0.
         *
         * @param value the SGDM learning rate (before the schedule), > 0
         * @return this builder
         */
        public Builder learningRate(double value) {
            learningRate = value;
            return this;
        }

        /**
         * The SGDM momentum, in [0, 1).
         *
         * @param value the SGDM momentum, in [0, 1)
         * @return this builder
         */
        public Builder momentum(double value) {
            momentum = value;
            return this;
        }

        /**
         * The seed of libtorch's generator when the trainer is given no {@code RandomStream}.
         *
         * @param value the seed of libtorch's generator when the trainer is given no {@code RandomStream}
         * @return this builder
         */
        public Builder seed(long value) {
            seed = value;
            return this;
        }

        /**
         * The learning rate per iteration from the base rate.
         *
         * @param value the learning rate per iteration from the base rate
         * @return this builder
         */
        public Builder schedule(LearningRateSchedule value) {
            schedule = value;
            return this;
        }

        /**
         * Clip the total gradient to this L2 norm before each step, >= 0; 0 = off.
         *
         * @param value clip the total gradient to this L2 norm before each step, >= 0; 0 = off
         * @return this builder
         */
        public Builder clipGradNorm(double value) {
            clipGradNorm = value;
            return this;
        }

        /**
         * Ramp λ linearly from 0 over this many epochs, >= 0; 0 = off.
         *
         * @param value ramp λ linearly from 0 over this many epochs, >= 0; 0 = off
         * @return this builder
         */
        public Builder penaltyWarmupEpochs(int value) {
            penaltyWarmupEpochs = value;
            return this;
        }

        /**
         * Record {@link IterationDiagnostics} every iteration.
         *
         * @param value record {@link IterationDiagnostics} every iteration
         * @return this builder
         */
        public Builder diagnostics(boolean value) {
            diagnostics = value;
            return this;
        }

        /**
         * With diagnostics on, split a penalized net's gradient on every this-many-th iteration, >= 1.
         *
         * @param value with diagnostics on, split a penalized net's gradient on every this-many-th iteration, >= 1
         * @return this builder
         */
        public Builder gradientSplitInterval(int value) {
            gradientSplitInterval = value;
            return this;
        }

        /**
         * The settings as a {@link TrainingConfig}.
         *
         * @return the checked settings
         * @throws IllegalArgumentException naming the first bad value (e.g. "epochs must be >= 1, got 0")
         */
        public TrainingConfig build() {
            return new TrainingConfig(epochs, batchSize, learningRate, momentum, seed, schedule, clipGradNorm,
                    penaltyWarmupEpochs, diagnostics, gradientSplitInterval);
        }
    }
}
