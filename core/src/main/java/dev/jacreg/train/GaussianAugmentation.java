package dev.jacreg.train;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;

/**
 * Gaussian augmentation: each training image draws its own σ ~ U(0, maxSigma), then N(0, σ²) is added to every pixel
 * and the result clipped to [0, 1] (the test sweep's --corruption gaussian, with σ per image).
 *
 * @param maxSigma the largest σ drawn, in pixel units, &gt;= 0
 */
public record GaussianAugmentation(double maxSigma) implements Augmentation {
    /** Checks that maxSigma is finite and &gt;= 0. */
    public GaussianAugmentation {
        if (!(maxSigma >= 0) || Double.isInfinite(maxSigma)) {
            throw new IllegalArgumentException("largest sigma must be finite and >= 0, got " + maxSigma);
        }
    }

    @Override
    public Tensor apply(Tensor images, RandomStream random) {
        Tensor sigma = Augmentation.perImageLevel(images, maxSigma, random);
        Tensor noisy = images.add(random.normal(images.dtype(), images.shape()).mul(sigma));
        Tensor zero = Tensor.scalar(0, noisy.dtype()), one = Tensor.scalar(1, noisy.dtype());
        Tensor low = Tensor.where(noisy.lt(0), zero, noisy);
        return Tensor.where(low.gt(1), one, low);
    }

    @Override
    public String describe() {
        return "additive Gaussian noise, σ ~ U(0, " + maxSigma + ") per image, clipped to [0, 1]";
    }
}
