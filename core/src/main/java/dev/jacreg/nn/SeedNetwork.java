package dev.jacreg.nn;

import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;

import java.util.Objects;

/**
 * The network of the reference experiment (docs/experiment.md §3): mean-image subtraction, conv 5×5×20 (no
 * padding) + BN + ReLU, two conv 3×3×20 (padding 1) + BN + ReLU, fully connected 11,520 → 10. It
 * returns logits; the loss applies the softmax, so the penalty can target either.
 */
public final class SeedNetwork {
    /** The number of classes its last layer outputs (the digits). */
    public static final int CLASSES = 10;
    /** The filters of each convolution. */
    public static final int FILTERS = 20;
    /** Smallest image side: the 5×5 unpadded first convolution must leave at least one pixel. */
    public static final int MIN_SIZE = 5;
    /** Name of the mean-subtraction layer. */
    public static final String NORMALIZE = "normalize";
    /**
     * The state entry holding the training set's mean image ("normalize.mean"): a saved net's file carries it, so
     * loading rebuilds the net from it (its shape gives the image size, its dtype the net's).
     */
    public static final String MEAN_IMAGE = NORMALIZE + "." + SubtractMean.MEAN;

    private SeedNetwork() {}

    /**
     * The reference network for H×W single-channel images, its initial weights from libtorch's generator.
     *
     * @param meanImage 1×1×H×W per-pixel mean of the training images
     * @param height    image height (28 in the reference)
     * @param width     image width
     * @param dtype the type of every parameter and buffer (the images' type)
     * @return the network, in training mode
     */
    public static Sequential create(Tensor meanImage, int height, int width, DType dtype) {
        return create(meanImage, height, width, dtype, RandomStream.libtorch());
    }

    /**
     * As {@link #create(Tensor, int, int, DType)}, the initial weights drawn from {@code random}.
     *
     * @param meanImage 1×1×H×W per-pixel mean of the training images
     * @param height image height, &gt;= {@link #MIN_SIZE}
     * @param width image width, &gt;= {@link #MIN_SIZE}
     * @param dtype the type of every parameter and buffer (the images' type)
     * @param random where the initial weights are drawn from
     * @return the network, in training mode
     */
    public static Sequential create(Tensor meanImage, int height, int width, DType dtype, RandomStream random) {
        Objects.requireNonNull(meanImage, "meanImage");
        Objects.requireNonNull(dtype, "dtype");
        if (height < MIN_SIZE || width < MIN_SIZE) {
            throw new IllegalArgumentException("the seed network needs images of at least " + MIN_SIZE + "×" + MIN_SIZE
                    + " pixels (its first convolution is 5×5 without padding), got " + height + "×" + width);
        }
        int convOut = (height - 4) * (width - 4);  // 5×5 without padding; 3×3 with padding 1 keeps the size
        return new Sequential()
                .add(NORMALIZE, new SubtractMean(meanImage))
                .add("conv1", new Conv2d(1, FILTERS, 5, 1, 0, dtype, random))
                .add("bn1", new BatchNorm2d(FILTERS, dtype))
                .add("relu1", Activations.relu())
                .add("conv2", new Conv2d(FILTERS, FILTERS, 3, 1, 1, dtype, random))
                .add("bn2", new BatchNorm2d(FILTERS, dtype))
                .add("relu2", Activations.relu())
                .add("conv3", new Conv2d(FILTERS, FILTERS, 3, 1, 1, dtype, random))
                .add("bn3", new BatchNorm2d(FILTERS, dtype))
                .add("relu3", Activations.relu())
                .add("flatten", Activations.flatten())
                .add("fc", new Linear(FILTERS * convOut, CLASSES, dtype, random));
    }
}
