package dev.jacreg.nn;

import dev.jacreg.Tensor;

/**
 * Zero-centring input layer: subtracts a fixed mean image (the training set's per-pixel mean) inside
 * the model, so gradients are taken with respect to the raw image.
 */
public final class SubtractMean extends Layer {
    /** Name of the mean-image buffer. */
    public static final String MEAN = "mean";

    /**
     * Copies the mean, which must broadcast against the inputs (e.g. 1×1×28×28).
     *
     * @param mean the mean to subtract (the caller keeps its own tensor)
     */
    public SubtractMean(Tensor mean) {
        try (Tensor detached = mean.detach()) {  // closed here, so no handle is left to the Cleaner outside a scope
            buffer(MEAN, detached.clone());
        }
    }

    @Override
    public String describe() {
        return "SubtractMean";
    }

    @Override
    public Tensor forward(Tensor input) {
        return input.sub(state(MEAN));
    }
}
