package dev.jacreg.experiment;

import dev.jacreg.Tensor;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.data.Noise;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.DataParallel;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.RegularizedLoss;
import dev.jacreg.train.Trainer;
import dev.jacreg.train.TrainingResult;

import java.io.IOException;
import java.util.Objects;

/**
 * The experiment's rules, applied to its settings ({@link ExperimentConfig}): which data, the network and its
 * initial weights, how a net is trained, which noisy copy of the test set each noise level gets, and what a
 * saved net records ({@link WeightsMetadata}). {@code jacreg experiment}, {@code train} and {@code evaluate} and
 * bench's StepBench all go through here, so equal settings give the same nets and the same noisy copies by
 * construction; every random draw comes from an {@link ExperimentRandom} stream of the training seed.
 */
public final class ExperimentSpec {
    private final ExperimentConfig config;

    public ExperimentSpec(ExperimentConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public ExperimentConfig config() {
        return config;
    }

    /** The training seed: initial weights, shuffling, penalty directions and test noise. */
    public long seed() {
        return config.training().seed();
    }

    /** {train, test}; generated data (synthetic digits) come from the data seed, the same for every training seed. */
    public DigitDataset[] loadData() throws IOException {
        return config.data().load(config.dataSeed());
    }

    /** A set's images and labels as tensors of the spec's dtype on the default device (the caller closes it). */
    public DeviceDataset onDevice(DigitDataset set) {
        return new DeviceDataset(set, config.dtype());
    }

    /**
     * The seed network on the training set's mean image ({@link DeviceDataset#meanImage}); its initial weights
     * depend only on the seed, so every net made here for one seed starts from the same weights.
     */
    public Sequential createNetwork(Tensor mean, int height, int width) {
        return SeedNetwork.create(mean, height, width, config.dtype(), ExperimentRandom.init(seed()));
    }

    /** The training loop with {@code loss}: the same shuffling and penalty directions for every net of one seed. */
    public Trainer trainer(RegularizedLoss loss) {
        return trainer(loss, null);
    }

    /** As {@link #trainer(RegularizedLoss)}, as one rank of a data-parallel run (null: a single process). */
    public Trainer trainer(RegularizedLoss loss, DataParallel parallel) {
        return new Trainer(config.training(), loss, ExperimentRandom.training(seed()), parallel);
    }

    /**
     * The training loop of a {@link ModelRecipe}: its loss (a robust objective's inner attack drawing from a stream of
     * this net's own), augmentation (from a stream of its own, so the batches stay those of every other net of the seed)
     * and weight decay, as one rank of {@code parallel} (null: a single process).
     */
    public Trainer trainer(ModelRecipe model, DataParallel parallel) {
        RegularizedLoss loss = model.loss().drawingFrom(ExperimentRandom.robustTraining(seed(),
                parallel == null ? 0 : parallel.rank()));
        return new Trainer(config.training(), loss, ExperimentRandom.training(seed()), parallel,
                model.augmentation(), ExperimentRandom.augmentation(seed()), model.weightDecay());
    }

    /** The noisy copy of the test images at the {@code level}-th of the config's noise levels (current scope). */
    public Tensor noisyTestImages(Tensor testImages, int level) {
        return noisyCopy(testImages, config.noiseLevels()[level], seed(), level);
    }

    /**
     * The noise rule itself, for {@code evaluate}, which has the seed and levels from a weights file rather than a
     * whole config: a share {@code proportion} of the pixels replaced, drawn from the seed's stream of the
     * {@code level}-th noise level.
     */
    public static Tensor noisyCopy(Tensor testImages, double proportion, long seed, int level) {
        return Noise.replacePixels(testImages, proportion, ExperimentRandom.noise(seed, level));
    }

    /**
     * The metadata saved with a net trained under this spec with {@code loss}: the spec's settings with the penalty the
     * loss applies (λ and the rest as trained), or for a loss without the Jacobian penalty the spec's at λ = 0.
     */
    public WeightsMetadata metadata(String net, RegularizedLoss loss, TrainingResult training, String torchVersion,
                                    String dataDescription) {
        JacobianPenalty penalty = loss.penalized() ? loss.penalty() : config.penalty().withLambda(0);
        return WeightsMetadata.of(net, RunSettings.of(config).withPenalty(penalty), training, torchVersion, dataDescription);
    }
}
