package dev.jacreg.data;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a {@link DataLoader} does to each batch of features (B×…) before handing it out: a corruption, an augmentation,
 * a normalisation. Random transforms draw from the stream given, so a seeded loader repeats its batches exactly. The
 * training augmentations of {@code dev.jacreg.train} have this signature: pass {@code augmentation::apply}.
 */
@FunctionalInterface
public interface Transform {
    /**
     * The transformed batch, a new tensor in the caller's scope (or the batch itself when nothing changes).
     *
     * @param batch the features, B×…, on the loader's device
     * @param random the pass's transform stream (split off the pass's stream after the shuffle)
     * @return the transformed batch, on the same device
     */
    Tensor apply(Tensor batch, RandomStream random);

    /**
     * This transform, then {@code next}.
     *
     * @param next the transform applied second
     * @return the chain
     */
    default Transform andThen(Transform next) {
        Objects.requireNonNull(next, "next");
        return (batch, random) -> next.apply(apply(batch, random), random);
    }

    /**
     * A test-time corruption ({@link Corruption}) at a fixed level, e.g. pixel-replacement noise with p = 0.2.
     *
     * @param corruption the kind of noise
     * @param level its proportion p or standard deviation σ
     * @return the transform
     */
    static Transform corruption(Corruption corruption, double level) {
        Objects.requireNonNull(corruption, "corruption");
        corruption.checkLevel(level);
        return (batch, random) -> corruption.apply(batch, level, random);
    }

    /**
     * (x − mean[c]) / std[c] per channel c of B×C×… batches (one value each for all channels), as torchvision's
     * Normalize.
     *
     * @param mean the mean of each channel
     * @param std the standard deviation of each channel, each finite and &gt; 0
     * @return the transform
     * @throws IllegalArgumentException when the arrays differ in length or a std is not finite and &gt; 0
     */
    static Transform normalize(double[] mean, double[] std) {
        double[] m = mean.clone(), s = std.clone();
        if (m.length == 0 || m.length != s.length) {
            throw new IllegalArgumentException("normalize needs one mean and one std per channel, got " + Arrays.toString(m)
                    + " and " + Arrays.toString(s));
        }
        for (double v : s) {
            if (!(v > 0) || Double.isInfinite(v)) throw new IllegalArgumentException("normalize std must be finite and > 0, got " + v);
        }
        return (batch, random) -> {
            long[] shape = batch.shape();
            long channels = shape.length < 2 ? 1 : shape[1];
            if (m.length != 1 && m.length != channels) {
                throw new IllegalArgumentException("normalize has " + m.length + " channel values for a batch of shape "
                        + Arrays.toString(shape));
            }
            long[] perChannel = new long[shape.length];
            Arrays.fill(perChannel, 1);
            if (shape.length >= 2) perChannel[1] = m.length;
            Tensor means = Tensor.of(m, perChannel).to(batch.dtype()).to(batch.device());
            Tensor stds = Tensor.of(s, perChannel).to(batch.dtype()).to(batch.device());
            return batch.sub(means).div(stds);
        };
    }
}
