package dev.jacreg.nn;

import dev.jacreg.Functional;
import dev.jacreg.Tensor;
import dev.jacreg.TorchException;

/** 2-D max pooling with a square window (no state): {@link Functional#maxPool2d(Tensor, int, int, int)}. */
public final class MaxPool2d implements Activations.Stateless {
    private final int kernel;
    private final int stride;
    private final int padding;

    /**
     * Max pooling over square windows of N×C×H×W inputs.
     *
     * @param kernel the window's side, &gt;= 1
     * @param stride the step between windows, &gt;= 1
     * @param padding implicit −∞ padding on each side, at most kernel / 2
     */
    public MaxPool2d(int kernel, int stride, int padding) {
        if (kernel < 1 || stride < 1 || padding < 0 || 2 * padding > kernel) {
            throw new IllegalArgumentException("bad MaxPool2d(kernel " + kernel + ", stride " + stride + ", padding " + padding
                    + "): needs kernel >= 1, stride >= 1, 0 <= padding <= kernel / 2");
        }
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    /**
     * Non-overlapping windows: stride = kernel, no padding.
     *
     * @param kernel the window's side and the stride, &gt;= 1
     */
    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    @Override
    public Tensor forward(Tensor input) {
        try {
            return Functional.maxPool2d(input, kernel, stride, padding);
        } catch (TorchException e) {
            throw LayerException.badInput(this, "N×C×H×W with H, W >= " + (kernel - 2 * padding), input, e);
        }
    }

    @Override
    public String describe() {
        return "MaxPool2d(kernel " + kernel + ", stride " + stride + ", padding " + padding + ")";
    }
}
