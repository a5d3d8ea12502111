package dev.jacreg.train;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;

/**
 * What a training batch goes through before the loss: nothing (the default), or a random perturbation drawn afresh
 * every batch from the trainer's augmentation stream, so two runs with the same seed see the same perturbed batches.
 */
public interface Augmentation {
    /**
     * A perturbed copy of a batch of images (B×…, pixels in [0, 1]), in the caller's scope.
     *
     * @param images the batch, left unchanged
     * @param random where the perturbation is drawn from
     * @return the perturbed copy, of the batch's shape
     */
    Tensor apply(Tensor images, RandomStream random);

    /** {@return one line for reports, e.g. "pixel replacement, p ~ U(0, 0.5) per image"} */
    String describe();

    /** The batch as it is. */
    Augmentation NONE = new Augmentation() {
        @Override
        public Tensor apply(Tensor images, RandomStream random) {
            return images;
        }

        @Override
        public String describe() {
            return "none";
        }
    };

    /**
     * A per-image strength s ~ U(0, max), shaped B×1×…×1 so it broadcasts over the image's other dimensions.
     *
     * @param images the batch, B×…
     * @param max the largest strength
     * @param random where the strengths are drawn from
     * @return the strengths, in the images' dtype and on their device
     */
    static Tensor perImageLevel(Tensor images, double max, RandomStream random) {
        long[] shape = new long[images.dim()];
        java.util.Arrays.fill(shape, 1);
        shape[0] = images.size(0);
        return random.uniform(images.dtype(), shape).mul(max);
    }
}
