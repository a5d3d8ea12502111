package dev.jacreg.data;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;

/**
 * Pixel-replacement noise (docs/experiment.md §2): every pixel independently, with probability p, is replaced
 * by a fresh value uniform on [0, 1]. Draws from a {@link RandomStream}, by default libtorch's generator
 * (seed it first).
 */
public final class Noise {
    private Noise() {}

    /**
     * A noisy copy of a whole batch of images at once (any shape, floating point).
     *
     * @param images the clean batch, left unchanged
     * @param proportion the probability p that a pixel is replaced, in [0, 1]
     * @return the noisy copy, from libtorch's generator
     */
    public static Tensor replacePixels(Tensor images, double proportion) {
        return replacePixels(images, proportion, RandomStream.libtorch());
    }

    /**
     * As {@link #replacePixels(Tensor, double)}, drawing from {@code random}.
     *
     * @param images the clean batch, left unchanged
     * @param proportion the probability p that a pixel is replaced, in [0, 1]
     * @param random where the noise is drawn from
     * @return the noisy copy
     */
    public static Tensor replacePixels(Tensor images, double proportion, RandomStream random) {
        if (!(proportion >= 0 && proportion <= 1)) {
            throw new IllegalArgumentException("noise proportion must be in [0, 1], got " + proportion);
        }
        if (proportion == 0) return images.clone();
        long[] shape = images.shape();
        Tensor replace = random.uniform(images.dtype(), shape).lt(proportion);
        Tensor fresh = random.uniform(images.dtype(), shape);
        return Tensor.where(replace, fresh, images);
    }
}
