package dev.jacreg;

import dev.jacreg.bindings.jacreg_h;
import dev.jacreg.internal.NativeCall;

import java.lang.ref.Reference;
import java.util.Arrays;

/**
 * Neural-network operations on tensors; the layer classes in {@code dev.jacreg.nn} are built on these. Most are
 * one-liners over {@link Ops} (generated from the shim's op table) that add argument checks with clear messages.
 */
public final class Functional {
    private Functional() {}

    /**
     * x·Wᵀ + b; bias may be null.
     *
     * @param input N×…×D_in
     * @param weight D_out×D_in
     * @param bias D_out, or null
     * @return N×…×D_out, in the current scope
     */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        return Ops.linear(input, weight, bias);
    }

    /**
     * 2-D convolution of an N×C×H×W input; bias may be null.
     *
     * @param input N×C_in×H×W
     * @param weight C_out×C_in×kH×kW
     * @param bias C_out, or null
     * @param stride the step between windows, both directions, &gt;= 1
     * @param padding zeros added on every side, &gt;= 0
     * @return N×C_out×H'×W', in the current scope
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(input, weight, bias, stride, stride, padding, padding);
    }

    /**
     * 2-D convolution with a stride and padding of their own for height and width.
     *
     * @param input N×C_in×H×W
     * @param weight C_out×C_in×kH×kW
     * @param bias C_out, or null
     * @param strideH the vertical step between windows, &gt;= 1
     * @param strideW the horizontal step between windows, &gt;= 1
     * @param paddingH zero rows added above and below, &gt;= 0
     * @param paddingW zero columns added left and right, &gt;= 0
     * @return N×C_out×H'×W', in the current scope
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int strideH, int strideW, int paddingH,
                                int paddingW) {
        NativeCall call = Torch.call();
        try {
            return Tensor.wrap(call.handle(jacreg_h.jr_nn_conv2d(Tensor.handleOf(input, "input"),
                    Tensor.handleOf(weight, "weight"), Tensor.handleOrNull(bias), strideH, strideW, paddingH, paddingW,
                    call.error())));
        } finally {
            Reference.reachabilityFence(input);
            Reference.reachabilityFence(weight);
            Reference.reachabilityFence(bias);
        }
    }

    /**
     * Batch normalisation over N×C×... inputs. In training mode it normalises with the batch's
     * statistics and updates the running ones in place: running = (1 − momentum)·running + momentum·batch
     * (the variance term uses the unbiased batch variance, as PyTorch does). Any of weight, bias,
     * runningMean, runningVar may be null.
     *
     * @param input N×C×…
     * @param weight the scale γ, C, or null for 1
     * @param bias the shift β, C, or null for 0
     * @param runningMean the running mean, C, updated in place in training mode (or null)
     * @param runningVar the running variance, C, updated in place in training mode (or null)
     * @param training true to normalise with the batch's statistics, false with the running ones
     * @param momentum the weight of the batch in the running statistics' update
     * @param eps added to the variance before its square root
     * @return the normalised input, of its shape, in the current scope
     */
    public static Tensor batchNorm(Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                                   boolean training, double momentum, double eps) {
        if (training) checkBatchStatistics(input);
        NativeCall call = Torch.call();
        try {
            return Tensor.wrap(call.handle(jacreg_h.jr_nn_batch_norm(Tensor.handleOf(input, "input"),
                    Tensor.handleOrNull(weight), Tensor.handleOrNull(bias), Tensor.handleOrNull(runningMean),
                    Tensor.handleOrNull(runningVar), training ? 1 : 0, momentum, eps, call.error())));
        } finally {  // keep every tensor whose handle the call used alive until it returned
            Reference.reachabilityFence(input);
            Reference.reachabilityFence(weight);
            Reference.reachabilityFence(bias);
            Reference.reachabilityFence(runningMean);
            Reference.reachabilityFence(runningVar);
        }
    }

    // libtorch 1.13's batch_norm accepts one value per channel in training mode and turns the running
    // variance into NaN (its unbiased variance divides by n - 1 = 0); PyTorch's Python layer refuses it.
    private static void checkBatchStatistics(Tensor input) {
        long[] shape = input.shape();
        if (shape.length < 2) {
            throw new IllegalArgumentException("batch norm needs an N×C×... input, got shape " + Arrays.toString(shape));
        }
        long perChannel = 1;
        for (int d = 0; d < shape.length; d++) if (d != 1) perChannel *= shape[d];
        if (perChannel < 2) {
            throw new IllegalArgumentException("batch norm in training mode needs more than one value per channel, got input shape "
                    + Arrays.toString(shape) + " (" + perChannel + " value per channel): the batch variance is undefined");
        }
    }

    /**
     * max(x, 0) elementwise.
     *
     * @param input any tensor
     * @return a new tensor of its shape
     */
    public static Tensor relu(Tensor input) {
        return Ops.relu(input);
    }

    /**
     * exp(x) / Σ exp(x) along a dimension.
     *
     * @param input any floating-point tensor
     * @param dim the dimension normalised over (1 for the classes of a B×C output)
     * @return a new tensor of its shape, each slice along dim summing to 1
     */
    public static Tensor softmax(Tensor input, long dim) {
        return Ops.softmax(input, dim);
    }

    /**
     * log softmax along a dimension, computed stably (x − max − log Σ exp(x − max)).
     *
     * @param input any floating-point tensor
     * @param dim the dimension normalised over
     * @return a new tensor of its shape
     */
    public static Tensor logSoftmax(Tensor input, long dim) {
        return Ops.logSoftmax(input, dim);
    }

    /**
     * int64 labels → int64 one-hot rows.
     *
     * @param labels int64 class indices, N, each in [0, numClasses)
     * @param numClasses the number of columns C
     * @return N×C, 1 in each label's column and 0 elsewhere
     */
    public static Tensor oneHot(Tensor labels, long numClasses) {
        return Ops.oneHot(labels, numClasses);
    }

    /**
     * 2-D max pooling of an N×C×H×W (or C×H×W) input with a square window: each output is the largest value of its
     * kernel×kernel window, windows {@code stride} apart, the input padded with −∞ by {@code padding} on each side.
     *
     * @param input N×C×H×W or C×H×W
     * @param kernel the window's side, &gt;= 1
     * @param stride the step between windows, &gt;= 1
     * @param padding the −∞ padding on each side, at most kernel / 2
     * @return the pooled tensor, in the current scope
     */
    public static Tensor maxPool2d(Tensor input, int kernel, int stride, int padding) {
        return maxPool2d(input, new long[]{kernel, kernel}, new long[]{stride, stride}, new long[]{padding, padding});
    }

    /**
     * {@link #maxPool2d(Tensor, int, int, int)} with (height, width) pairs.
     *
     * @param input N×C×H×W or C×H×W
     * @param kernel the window's (height, width)
     * @param stride the steps between windows (vertical, horizontal)
     * @param padding the −∞ padding (rows above and below, columns left and right)
     * @return the pooled tensor, in the current scope
     */
    public static Tensor maxPool2d(Tensor input, long[] kernel, long[] stride, long[] padding) {
        checkPair("kernel", kernel, 1);
        checkPair("stride", stride, 1);
        checkPair("padding", padding, 0);
        for (int d = 0; d < 2; d++) {
            if (2 * padding[d] > kernel[d]) {
                throw new IllegalArgumentException("max pooling padding " + Arrays.toString(padding)
                        + " must be at most half the kernel " + Arrays.toString(kernel));
            }
        }
        return Ops.maxPool2d(input, kernel, stride, padding);
    }

    private static void checkPair(String name, long[] values, long min) {
        java.util.Objects.requireNonNull(values, name);
        if (values.length != 2 || values[0] < min || values[1] < min) {
            throw new IllegalArgumentException("max pooling " + name + " must be two values >= " + min + ", got "
                    + Arrays.toString(values));
        }
    }

    /**
     * Dropout: in training mode each element is zeroed with probability {@code p} and the survivors are scaled by
     * 1/(1 − p), so the expected value is unchanged; the mask is drawn from libtorch's default generator
     * ({@link Torch#manualSeed}). In evaluation mode ({@code training} false) it returns the input's values.
     *
     * @param input any floating-point tensor
     * @param p the probability of zeroing an element, in [0, 1)
     * @param training true to drop, false to pass the input through
     * @return the result, of the input's shape
     * @throws IllegalArgumentException unless 0 ≤ p &lt; 1
     */
    public static Tensor dropout(Tensor input, double p, boolean training) {
        checkDropout(p);
        return Ops.dropout(input, p, training);
    }

    /**
     * Throws unless 0 ≤ p &lt; 1 (p = 1 would zero everything and divide by zero).
     *
     * @param p the probability to check
     */
    public static void checkDropout(double p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
    }
}
