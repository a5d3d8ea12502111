package dev.jacreg.distributed;

import dev.jacreg.Autograd;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.BatchStatistics;
import dev.jacreg.nn.Module;
import dev.jacreg.train.DataParallel;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Data-parallel training over a {@link ProcessGroup}, as PyTorch's DistributedDataParallel does it: initial
 * parameters and buffers from rank 0, gradients averaged across ranks (bucketed into few contiguous buffers, 25 MiB
 * each by default, each bucket's all-reduce started during the backward pass as soon as its gradients are ready, the last one right
 * after it with the step's loss values appended (one collective per step for a net of one bucket), or,
 * {@link #withOverlap without the overlap}, one all-reduce call for all after it), rank 0's buffers
 * (batch-norm running statistics) broadcast before every step that reads them, else once after the last
 * ({@link DataParallel#broadcastBuffers}). Batch norm uses each rank's own batch statistics, as
 * DDP's default, or, {@link #withSyncBatchNorm with the sync}, those of all ranks' batches together ({@link SyncBatchNorm}, as
 * torch.nn.SyncBatchNorm): then W ranks × B/W images take the very step one process takes with B, Jacobian penalty
 * included. Pass it to
 * {@link dev.jacreg.train.Trainer#Trainer(dev.jacreg.train.TrainingConfig, dev.jacreg.train.RegularizedLoss,
 * dev.jacreg.RandomStream, DataParallel)}. The group stays the caller's to close.
 */
public final class DistributedDataParallel implements DataParallel {
    /** DDP's default bucket capacity. */
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    private final ProcessGroup group;
    private final long bucketBytes;
    private final boolean syncBatchNorm;
    private final boolean overlap;
    /** The batch-norm layers {@link #synchronize} switched to synchronized statistics, with what they had before. */
    private final Map<BatchStatistics.Switchable, BatchStatistics> switched = new IdentityHashMap<>();
    private GradientReducer reducer;
    private int lastBucketCount;
    private long exchangeNanos;
    private long startedInBackwardBefore;  // by the reducers of earlier runs
    private int exchanges;

    /**
     * Default buckets, gradients all-reduced during the backward pass, each rank's own batch-norm statistics.
     *
     * @param group the ranks to average over
     */
    public DistributedDataParallel(ProcessGroup group) {
        this(group, DEFAULT_BUCKET_BYTES);
    }

    /**
     * As {@link #DistributedDataParallel(ProcessGroup)} with another bucket capacity (smaller buckets start their
     * exchange earlier in the backward pass, at the cost of more messages).
     *
     * @param group       the ranks to average over
     * @param bucketBytes the gradient buckets' capacity, &gt;= 1
     */
    public DistributedDataParallel(ProcessGroup group, long bucketBytes) {
        this(group, bucketBytes, false, true);
    }

    private DistributedDataParallel(ProcessGroup group, long bucketBytes, boolean syncBatchNorm, boolean overlap) {
        this.group = Objects.requireNonNull(group, "group");
        if (bucketBytes < 1) throw new IllegalArgumentException("bucket capacity must be >= 1 byte, got " + bucketBytes);
        this.bucketBytes = bucketBytes;
        this.syncBatchNorm = syncBatchNorm;
        this.overlap = overlap;
    }

    /**
     * The same, with the model's batch-norm layers ({@link BatchStatistics#layers}) normalising with the statistics of
     * all ranks' batches during training ({@link SyncBatchNorm}) when {@code on}; they get their own statistics back
     * when training ends ({@link #release}).
     *
     * @param on whether to synchronize batch norm
     * @return the new wrapper
     */
    public DistributedDataParallel withSyncBatchNorm(boolean on) {
        return new DistributedDataParallel(group, bucketBytes, on, overlap);
    }

    /**
     * The same, with gradients all-reduced per bucket while the backward pass runs (on, the default: DDP's overlap,
     * {@link GradientReducer}) or all at once after it (off). Both give the same averages up to rounding.
     *
     * @param on whether to overlap
     * @return the new wrapper
     */
    public DistributedDataParallel withOverlap(boolean on) {
        return new DistributedDataParallel(group, bucketBytes, syncBatchNorm, on);
    }

    /** {@return whether batch-norm statistics are those of all ranks' batches (see {@link #withSyncBatchNorm})} */
    public boolean syncsBatchNorm() {
        return syncBatchNorm;
    }

    /** {@return whether gradients are all-reduced during the backward pass (see {@link #withOverlap})} */
    public boolean overlapsBackward() {
        return overlap;
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
        if (group.size() == 1) return;
        if (overlap && reducer == null) reducer = new GradientReducer(group, List.copyOf(model.parameters().values()), bucketBytes);
        if (!syncBatchNorm) return;
        SyncBatchNorm statistics = new SyncBatchNorm(group);
        for (BatchStatistics.Switchable layer : BatchStatistics.layers(model).values()) {
            switched.putIfAbsent(layer, layer.batchStatistics());
            layer.setBatchStatistics(statistics);
        }
    }

    @Override
    public void release(Module model) {
        switched.forEach(BatchStatistics.Switchable::setBatchStatistics);
        switched.clear();
        if (reducer != null) {
            startedInBackwardBefore += reducer.launchedInBackward();
            reducer.close();
            reducer = null;
        }
    }

    @Override
    public void beforeBackward(int valueCount) {
        if (reducer != null) reducer.prepare(valueCount);
    }

    @Override
    public void broadcastBuffers(Module model) {
        if (group.size() > 1) broadcastFromMaster(List.copyOf(model.buffers().values()));
    }

    @Override
    public void average(List<Tensor> gradients, double[] values) {
        long start = System.nanoTime();
        if (reducer != null) {
            reducer.finish(gradients, values);
            lastBucketCount = reducer.bucketCount();
        } else {
            averageAfterBackward(gradients, values);
        }
        exchangeNanos += System.nanoTime() - start;
        exchanges++;
    }

    /**
     * Seconds the steps so far spent in {@link #average}: waiting for the gradient exchange (with the overlap, only
     * for what the backward pass did not hide; without, all of it, packing included).
     *
     * @return the seconds
     */
    public double exchangeSeconds() {
        return exchangeNanos / 1e9;
    }

    /** {@return how many times {@link #average} ran (the steps so far)} */
    public int exchanges() {
        return exchanges;
    }

    /**
     * {@return with the overlap, how many buckets started during backward passes so far (the rest after them: always
     * the last, which waits for the step's values)}
     */
    public long bucketsStartedInBackward() {
        return startedInBackwardBefore + (reducer == null ? 0 : reducer.launchedInBackward());
    }

    private void averageAfterBackward(List<Tensor> gradients, double[] values) {
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

    /** {@return how many gradient buckets the last {@link #average} all-reduced (for tests and tuning)} */
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
