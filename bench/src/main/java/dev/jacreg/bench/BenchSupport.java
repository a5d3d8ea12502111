package dev.jacreg.bench;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.Torch;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.TrainingConfig;

import java.util.Random;

/** Sizes and setup shared by the JMH benchmarks and {@link StepBench}, matching bench/baselines/cpp and bench/baselines/python. */
final class BenchSupport {
    static final int BATCH = 32;
    static final int IMG = 28;
    static final int CLASSES = SeedNetwork.CLASSES;
    /** Pre-generated batches the step benchmarks cycle through (same as the C++/Python baselines). */
    static final int POOL_BATCHES = 50;
    static final int TEST_IMAGES = 5000;
    static final TrainingConfig CONFIG = TrainingConfig.reference(0);

    private BenchSupport() {}

    /**
     * Applies {@code -Djacreg.threads} with a default of 1 (not libtorch's "all cores"), so numbers
     * compare with the single-threaded C++/Python baselines; returns libtorch's thread count after it.
     * Setting it also sets OpenBLAS's own pool (the shim does both), as the baselines do.
     */
    static int configureThreads() {
        String property = System.getProperty("jacreg.threads");
        int threads = property == null || property.isBlank() ? 1 : Integer.parseInt(property.trim());
        return configureThreads(threads);
    }

    static int configureThreads(int threads) {
        Torch.setNumThreads(threads);
        return Torch.numThreads();
    }

    /** The reference network (docs/experiment.md §3) on a given mean image, float32, owned by the caller. */
    static Sequential seedNetwork(Tensor meanImage) {
        return SeedNetwork.create(meanImage, IMG, IMG, DType.FLOAT32);
    }

    /** A dataset of uniform random pixels and labels (timing does not depend on the pixel values). */
    static DeviceDataset randomDataset(int count, long seed) {
        Random random = new Random(seed);
        float[] pixels = new float[count * IMG * IMG];
        for (int i = 0; i < pixels.length; i++) pixels[i] = random.nextFloat();
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = random.nextInt(CLASSES);
        return new DeviceDataset(new DigitDataset(count, IMG, IMG, pixels, labels, null), DType.FLOAT32);
    }
}
