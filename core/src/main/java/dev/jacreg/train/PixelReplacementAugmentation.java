package dev.jacreg.train;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;

/**
 * Noise augmentation with the test noise of the reference experiment: each training image draws its own proportion
 * p ~ U(0, maxProportion), then each of its pixels is replaced with probability p by a value uniform on [0, 1]
 * (as {@link dev.jacreg.data.Noise#replacePixels}, but with p per image). Clean and heavily corrupted images thus
 * both occur in every batch.
 *
 * @param maxProportion the largest proportion p drawn, in [0, 1]
 */
public record PixelReplacementAugmentation(double maxProportion) implements Augmentation {
    /** Checks that maxProportion is in [0, 1]. */
    public PixelReplacementAugmentation {
        if (!(maxProportion >= 0 && maxProportion <= 1)) {
            throw new IllegalArgumentException("largest replacement proportion must be in [0, 1], got " + maxProportion);
        }
    }

    @Override
    public Tensor apply(Tensor images, RandomStream random) {
        Tensor p = Augmentation.perImageLevel(images, maxProportion, random);
        Tensor replace = random.uniform(images.dtype(), images.shape()).lt(p);
        Tensor fresh = random.uniform(images.dtype(), images.shape());
        return Tensor.where(replace, fresh, images);
    }

    @Override
    public String describe() {
        return "pixel replacement, p ~ U(0, " + maxProportion + ") per image";
    }
}
