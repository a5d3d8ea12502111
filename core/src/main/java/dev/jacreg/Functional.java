package dev.jacreg;

import dev.jacreg.bindings.jacreg_h;
import dev.jacreg.internal.NativeCall;

import java.lang.foreign.MemorySegment;

/** Neural-network operations on tensors; the layer classes in {@code dev.jacreg.nn} are built on these. */
public final class Functional {
    private Functional() {}

    /** x·Wᵀ + b; bias may be null. */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        NativeCall call = Torch.call();
        return Tensor.wrap(call.handle(jacreg_h.jr_nn_linear(input.handle(), weight.handle(), optional(bias), call.error())));
    }

    /** 2-D convolution of an N×C×H×W input; bias may be null. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(input, weight, bias, stride, stride, padding, padding);
    }

    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int strideH, int strideW, int paddingH,
                                int paddingW) {
        NativeCall call = Torch.call();
        return Tensor.wrap(call.handle(jacreg_h.jr_nn_conv2d(input.handle(), weight.handle(), optional(bias), strideH,
                strideW, paddingH, paddingW, call.error())));
    }

    /**
     * Batch normalisation over N×C×... inputs. In training mode it normalises with the batch's
     * statistics and updates the running ones in place: running = (1 − momentum)·running + momentum·batch
     * (the variance term uses the unbiased batch variance, as PyTorch does). Any of weight, bias,
     * runningMean, runningVar may be null.
     */
    public static Tensor batchNorm(Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                                   boolean training, double momentum, double eps) {
        NativeCall call = Torch.call();
        return Tensor.wrap(call.handle(jacreg_h.jr_nn_batch_norm(input.handle(), optional(weight), optional(bias),
                optional(runningMean), optional(runningVar), training ? 1 : 0, momentum, eps, call.error())));
    }

    public static Tensor relu(Tensor input) {
        NativeCall call = Torch.call();
        return Tensor.wrap(call.handle(jacreg_h.jr_nn_relu(input.handle(), call.error())));
    }

    public static Tensor softmax(Tensor input, long dim) {
        NativeCall call = Torch.call();
        return Tensor.wrap(call.handle(jacreg_h.jr_nn_softmax(input.handle(), dim, call.error())));
    }

    public static Tensor logSoftmax(Tensor input, long dim) {
        NativeCall call = Torch.call();
        return Tensor.wrap(call.handle(jacreg_h.jr_nn_log_softmax(input.handle(), dim, call.error())));
    }

    /** int64 labels → int64 one-hot rows. */
    public static Tensor oneHot(Tensor labels, long numClasses) {
        NativeCall call = Torch.call();
        return Tensor.wrap(call.handle(jacreg_h.jr_nn_one_hot(labels.handle(), numClasses, call.error())));
    }

    private static MemorySegment optional(Tensor tensor) {
        return tensor == null ? MemorySegment.NULL : tensor.handle();
    }
}
