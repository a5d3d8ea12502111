package dev.jacreg.train;

/**
 * Loop settings (docs/experiment.md §5): epochs, mini-batch size, SGDM learning rate and momentum, and the seed
 * of libtorch's generator (shuffles, initial weights when the caller seeds before building, penalty
 * directions).
 */
public record TrainingConfig(int epochs, int batchSize, double learningRate, double momentum, long seed) {
    public TrainingConfig {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }

    /** 15 epochs, batch 32, lr 0.01, momentum 0.9. */
    public static TrainingConfig reference(long seed) {
        return new TrainingConfig(15, 32, 0.01, 0.9, seed);
    }

    public TrainingConfig withEpochs(int value) {
        return new TrainingConfig(value, batchSize, learningRate, momentum, seed);
    }

    public TrainingConfig withSeed(long value) {
        return new TrainingConfig(epochs, batchSize, learningRate, momentum, value);
    }

    /** Full batches per epoch: the last partial batch is dropped. */
    public int iterationsPerEpoch(int samples) {
        return samples / batchSize;
    }
}
