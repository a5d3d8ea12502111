package dev.jacreg.experiment;

import dev.jacreg.RandomStream;

/**
 * The random streams of one experiment run (one replicate), all derived from its training seed. Each
 * purpose has its own stream, so a run's results depend only on its seed — not on which thread ran it, nor
 * on what other runs drew meanwhile — and changing one purpose's draws leaves the others alone. The data
 * seed is separate ({@link ExperimentConfig#dataSeed()}).
 */
public final class ExperimentRandom {
    private ExperimentRandom() {}

    /** Initial weights; both nets of a pair take a fresh stream from here, so they start identical. */
    public static RandomStream init(long seed) {
        return RandomStream.seeded(RandomStream.derive(seed, "init"));
    }

    /** Shuffling and penalty directions of one net's training (the same for both nets of a pair). */
    public static RandomStream training(long seed) {
        return RandomStream.seeded(RandomStream.derive(seed, "training"));
    }

    /** Augmentation of the training batches (noise-augment, gaussian-augment): apart from the shuffles, so that
     *  augmented and plain models see the same batches. */
    public static RandomStream augmentation(long seed) {
        return RandomStream.seeded(RandomStream.derive(seed, "augmentation"));
    }

    /**
     * The inner attack of a robust-training recipe (pgd-at's random starts, trades's start) on rank {@code rank} of a
     * data-parallel run (0: a single process): one stream per trained net, so nets trained at the same time on threads
     * of one process (--jobs) do not share libtorch's generator, and one per rank, so the ranks' rows of a batch do not
     * all start from the same noise.
     */
    public static RandomStream robustTraining(long seed, int rank) {
        long base = RandomStream.derive(seed, "robust-training");
        return RandomStream.seeded(rank == 0 ? base : RandomStream.derive(base, "rank " + rank));
    }

    /** The noisy copy of the test set at the {@code level}-th noise level, shared by both nets. */
    public static RandomStream noise(long seed, int level) {
        return RandomStream.seeded(RandomStream.derive(RandomStream.derive(seed, "noise"), Integer.toString(level)));
    }

    /** The single-image case's noise. */
    public static RandomStream example(long seed) {
        return RandomStream.seeded(RandomStream.derive(seed, "example"));
    }

    /** Which training images the noise preview shows, and their noise. */
    public static RandomStream preview(long seed) {
        return RandomStream.seeded(RandomStream.derive(seed, "preview"));
    }
}
