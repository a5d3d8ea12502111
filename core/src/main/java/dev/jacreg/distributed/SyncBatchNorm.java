package dev.jacreg.distributed;

import dev.jacreg.Tensor;
import dev.jacreg.bindings.jacreg_h;
import dev.jacreg.internal.NativeCall;
import dev.jacreg.internal.TensorHandles;
import dev.jacreg.nn.BatchStatistics;

import java.lang.foreign.Arena;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.Objects;

/**
 * Batch statistics of all ranks' batches together, as torch.nn.SyncBatchNorm: a training-mode pass normalises with
 * the mean and variance of the union of the ranks' batches (one all-reduce per layer), and its backward, double
 * backward included, sums the statistics' gradients over the ranks, so W ranks × B/W images compute what one process
 * computes with B. Running statistics are updated with the global values. Install it on a model's batch-norm layers
 * with {@link DistributedDataParallel#withSyncBatchNorm}; every rank must then run the same passes in the same order.
 */
public final class SyncBatchNorm implements BatchStatistics {
    private final ProcessGroup group;

    /**
     * Statistics over the ranks of {@code group}.
     *
     * @param group the process group whose ranks' batches are combined
     */
    public SyncBatchNorm(ProcessGroup group) {
        this.group = Objects.requireNonNull(group, "group");
    }

    @Override
    public Tensor normalize(Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                            double momentum, double eps) {
        long[] shape = input.shape();
        if (shape.length < 2) {
            throw new IllegalArgumentException("batch norm needs an N×C×... input, got shape " + Arrays.toString(shape));
        }
        Objects.requireNonNull(input, "input");
        NativeCall call = ProcessGroup.call();
        try (Arena arena = Arena.ofConfined()) {
            return TensorHandles.wrap(call.handle(jacreg_h.jr_nn_sync_batch_norm(group.handle(), TensorHandles.of(arena, input),
                    TensorHandles.of(arena, weight), TensorHandles.of(arena, bias), TensorHandles.of(arena, runningMean),
                    TensorHandles.of(arena, runningVar), momentum, eps, call.error())));
        } finally {  // keep every tensor whose handle the call used alive until it returned
            Reference.reachabilityFence(input);
            Reference.reachabilityFence(weight);
            Reference.reachabilityFence(bias);
            Reference.reachabilityFence(runningMean);
            Reference.reachabilityFence(runningVar);
        }
    }

    @Override
    public String toString() {
        return "SyncBatchNorm[" + group + "]";
    }
}
