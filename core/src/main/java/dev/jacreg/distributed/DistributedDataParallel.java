package dev.jacreg.distributed;

import dev.jacreg.Autograd;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Module;
import dev.jacreg.train.DataParallel;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Data-parallel training over a {@link ProcessGroup}, as PyTorch's DistributedDataParallel does it: initial
 * parameters and buffers from rank 0, gradients averaged across ranks after every backward pass (bucketed into few
 * contiguous buffers, 25 MiB each by default, one all-reduce call for them all and the loss values), batch norm with
 * each rank's own batch statistics and rank 0's running statistics broadcast before every step. Pass it to
 * {@link dev.jacreg.train.Trainer#Trainer(dev.jacreg.train.TrainingConfig, dev.jacreg.train.RegularizedLoss,
 * dev.jacreg.RandomStream, DataParallel)}. The group stays the caller's to close.
 */
public final class DistributedDataParallel implements DataParallel {
    /** DDP's default bucket capacity. */
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    private final ProcessGroup group;
    private final long bucketBytes;
    private int lastBucketCount;

    /**
     * Data-parallel training over {@code group} with DDP's bucket capacity, {@link #DEFAULT_BUCKET_BYTES}.
     *
     * @param group the joined process group; it stays the caller's to close
     */
    public DistributedDataParallel(ProcessGroup group) {
        this(group, DEFAULT_BUCKET_BYTES);
    }

    /**
     * Data-parallel training over {@code group} with gradient buckets of at most {@code bucketBytes} each.
     *
     * @param group the joined process group; it stays the caller's to close
     * @param bucketBytes the capacity of one gradient bucket in bytes, &gt;= 1 (a gradient larger than it gets a bucket
     *     of its own)
     */
    public DistributedDataParallel(ProcessGroup group, long bucketBytes) {
        this.group = Objects.requireNonNull(group, "group");
        if (bucketBytes < 1) throw new IllegalArgumentException("bucket capacity must be >= 1 byte, got " + bucketBytes);
        this.bucketBytes = bucketBytes;
    }

    /** {@return the process group the gradients are averaged over} */
    public ProcessGroup group() {
        return group;
    }

    @Override
    public int rank() {
        return group.rank();
    }

    @Override
    public int worldSize() {
        return group.size();
    }

    @Override
    public void synchronize(Module model) {
        List<Tensor> state = new ArrayList<>(model.parameters().values());
        state.addAll(model.buffers().values());
        broadcastFromMaster(state);
    }

    @Override
    public void broadcastBuffers(Module model) {
        if (group.size() > 1) broadcastFromMaster(List.copyOf(model.buffers().values()));
    }

    @Override
    public void average(List<Tensor> gradients, double[] values) {
        try (TensorScope scope = TensorScope.open()) {
            Buckets buckets = new Buckets(gradients, bucketBytes);
            lastBucketCount = buckets.count();
            List<Tensor> flats = buckets.flatten();
            Tensor packedValues = Tensor.of(values, values.length);
            List<Tensor> all = new ArrayList<>(flats);
            all.add(packedValues);
            group.allReduce(all, ProcessGroup.ReduceOp.AVERAGE);
            buckets.unflatten(flats);
            System.arraycopy(packedValues.toDoubleArray(), 0, values, 0, values.length);
        }
    }

    /** {@return how many gradient buffers the last {@link #average} all-reduced (for tests and tuning)} */
    public int lastBucketCount() {
        return lastBucketCount;
    }

    private void broadcastFromMaster(List<Tensor> tensors) {
        if (tensors.isEmpty()) return;
        try (TensorScope scope = TensorScope.open(); var off = Autograd.noGrad()) {
            Buckets buckets = new Buckets(tensors, bucketBytes);
            List<Tensor> flats = buckets.flatten();
            group.broadcast(flats, 0);
            buckets.unflatten(flats);  // in place, outside autograd: parameters are leaves that require grad
        }
    }
}
