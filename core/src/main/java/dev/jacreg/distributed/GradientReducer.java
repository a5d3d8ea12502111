package dev.jacreg.distributed;

import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.bindings.jacreg_h;
import dev.jacreg.internal.NativeCall;
import dev.jacreg.internal.TensorHandles;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.util.List;

/**
 * The shim's gradient reducer (PyTorch DDP's): hooks on the parameters copy each gradient into its bucket as the
 * backward pass produces it, and a bucket whose gradients are all in starts its asynchronous all-reduce at once (in
 * bucket order; buckets fill in reverse parameter order), so the exchange overlaps the rest of the backward pass.
 * {@link #finish} takes what the hooks did not see, waits, and leaves each gradient's mean over the ranks in place.
 * Values announced to {@link #prepare} (the loss parts and the stop vote) travel in the last bucket's all-reduce, in
 * the gradients' dtype: each collective is a latency-bound chain of Gloo messages and thread hand-overs, so one per
 * step instead of two saves milliseconds (bench/results/distributed/2026-12-08/notes.md).
 */
final class GradientReducer implements AutoCloseable {
    private final List<Tensor> parameters;
    private MemorySegment handle;

    GradientReducer(ProcessGroup group, List<Tensor> parameters, long bucketBytes) {
        this.parameters = List.copyOf(parameters);
        NativeCall call = ProcessGroup.call();
        try (Arena arena = Arena.ofConfined()) {
            handle = call.handle(jacreg_h.jr_grad_reducer_create(group.handle(), TensorHandles.of(arena, this.parameters),
                    this.parameters.size(), bucketBytes, call.error()));
        } finally {
            Reference.reachabilityFence(this.parameters);
        }
    }

    /**
     * Arms the hooks for the next backward pass; every rank calls it before that pass.
     *
     * @param valueCount how many values the next {@link #finish} passes: the last bucket waits for them and carries
     *                   them (one collective per step instead of two; 0 = none announced)
     */
    void prepare(int valueCount) {
        NativeCall call = ProcessGroup.call();
        call.status(jacreg_h.jr_grad_reducer_prepare(handle(), valueCount, call.error()));
    }

    /** Each gradient (in parameter order; null counts as zeros) and each value replaced by its mean over the ranks. */
    void finish(List<Tensor> gradients, double[] values) {
        NativeCall call = ProcessGroup.call();
        try (Arena arena = Arena.ofConfined(); TensorScope scope = TensorScope.open()) {
            Tensor packed = Tensor.of(values, values.length);
            MemorySegment list = arena.allocate(java.lang.foreign.ValueLayout.ADDRESS, Math.max(1, gradients.size()));
            for (int i = 0; i < gradients.size(); i++) {
                list.setAtIndex(java.lang.foreign.ValueLayout.ADDRESS, i, TensorHandles.of(arena, gradients.get(i)));
            }
            call.status(jacreg_h.jr_grad_reducer_finish(handle(), list, gradients.size(), TensorHandles.of(arena, packed),
                    call.error()));
            System.arraycopy(packed.toDoubleArray(), 0, values, 0, values.length);
        } finally {
            Reference.reachabilityFence(gradients);
        }
    }

    /** Seconds spent in {@link #finish} waiting for collectives: the exchange the backward pass did not hide. */
    double waitedSeconds() {
        NativeCall call = ProcessGroup.call();
        return call.value(jacreg_h.jr_grad_reducer_waited_seconds(handle(), call.error()));
    }

    int bucketCount() {
        NativeCall call = ProcessGroup.call();
        return (int) call.status(jacreg_h.jr_grad_reducer_bucket_count(handle(), call.error()));
    }

    /** How many buckets the hooks started during backward passes (the rest started in {@link #finish}). */
    long launchedInBackward() {
        NativeCall call = ProcessGroup.call();
        return call.status(jacreg_h.jr_grad_reducer_launched_in_backward(handle(), call.error()));
    }

    /** Removes the hooks. */
    @Override
    public void close() {
        if (handle == null) return;
        MemorySegment h = handle;
        handle = null;
        jacreg_h.jr_grad_reducer_free(h);
    }

    private MemorySegment handle() {
        if (handle == null) throw new IllegalStateException("gradient reducer is closed");
        return handle;
    }
}
