package dev.jacreg;

import dev.jacreg.bindings.jacreg_h;
import dev.jacreg.internal.NativeCall;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.util.Arrays;

/** Neural-network operations on tensors; the layer classes in {@code dev.jacreg.nn} are built on these. */
public final class Functional {
    private Functional() {}

    /** x·Wᵀ + b; bias may be null. */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        NativeCall call = Torch.call();
        MemorySegment result = jacreg_h.jr_nn_linear(Tensor.handleOf(input, "input"), Tensor.handleOf(weight, "weight"),
                optional(bias), call.error());
        return Tensor.wrap(call.handle(result), input, weight, bias);
    }

    /** 2-D convolution of an N×C×H×W input; bias may be null. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(input, weight, bias, stride, stride, padding, padding);
    }

    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int strideH, int strideW, int paddingH,
                                int paddingW) {
        NativeCall call = Torch.call();
        MemorySegment result = jacreg_h.jr_nn_conv2d(Tensor.handleOf(input, "input"), Tensor.handleOf(weight, "weight"),
                optional(bias), strideH, strideW, paddingH, paddingW, call.error());
        return Tensor.wrap(call.handle(result), input, weight, bias);
    }

    /**
     * Batch normalisation over N×C×... inputs. In training mode it normalises with the batch's
     * statistics and updates the running ones in place: running = (1 − momentum)·running + momentum·batch
     * (the variance term uses the unbiased batch variance, as PyTorch does). Any of weight, bias,
     * runningMean, runningVar may be null.
     */
    public static Tensor batchNorm(Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                                   boolean training, double momentum, double eps) {
        if (training) checkBatchStatistics(input);
        NativeCall call = Torch.call();
        MemorySegment result = jacreg_h.jr_nn_batch_norm(Tensor.handleOf(input, "input"), optional(weight), optional(bias),
                optional(runningMean), optional(runningVar), training ? 1 : 0, momentum, eps, call.error());
        Reference.reachabilityFence(weight);  // keep every tensor whose handle the call used alive until it returned
        Reference.reachabilityFence(bias);
        Reference.reachabilityFence(runningMean);
        Reference.reachabilityFence(runningVar);
        return Tensor.wrap(call.handle(result), input);
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

    public static Tensor relu(Tensor input) {
        NativeCall call = Torch.call();
        return Tensor.wrap(call.handle(jacreg_h.jr_nn_relu(Tensor.handleOf(input, "input"), call.error())), input);
    }

    public static Tensor softmax(Tensor input, long dim) {
        NativeCall call = Torch.call();
        return Tensor.wrap(call.handle(jacreg_h.jr_nn_softmax(Tensor.handleOf(input, "input"), dim, call.error())), input);
    }

    public static Tensor logSoftmax(Tensor input, long dim) {
        NativeCall call = Torch.call();
        return Tensor.wrap(call.handle(jacreg_h.jr_nn_log_softmax(Tensor.handleOf(input, "input"), dim, call.error())), input);
    }

    /** int64 labels → int64 one-hot rows. */
    public static Tensor oneHot(Tensor labels, long numClasses) {
        NativeCall call = Torch.call();
        return Tensor.wrap(call.handle(jacreg_h.jr_nn_one_hot(Tensor.handleOf(labels, "labels"), numClasses, call.error())), labels);
    }

    private static MemorySegment optional(Tensor tensor) {
        return tensor == null ? MemorySegment.NULL : tensor.handle();
    }
}
