package dev.jacreg.distributed;

import dev.jacreg.Tensor;
import dev.jacreg.Torch;
import dev.jacreg.bindings.jacreg_h;
import dev.jacreg.internal.NativeCall;
import dev.jacreg.internal.TensorHandles;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One rank's membership of a c10d process group (libtorch's torch.distributed engine): a TCPStore rendezvous at the
 * master's host:port (rank 0 listens there), then Gloo over TCP for CPU tensors, or NCCL for CUDA tensors where the
 * libtorch has CUDA. Like an Arena, its lifetime is deterministic: {@link #close()} leaves the group at once (no
 * collective, so it is safe after a peer was lost) and every later use throws {@link IllegalStateException}.
 *
 * <p>Collectives are synchronous and in place; every rank must issue the same ones, on tensors of the same shapes, in
 * the same order. Each blocking step gives up after the timeout given at {@link #join}: a rendezvous that does not
 * complete, a peer that died or stopped calling, a port already in use or ranks started with different world sizes
 * all end as a {@link dev.jacreg.TorchException} whose message names the rank, the step and the cause — never a hang.
 * A group may be used by one thread at a time; several groups (one per thread, each its own rank) may live in one JVM.
 */
public final class ProcessGroup implements AutoCloseable {
    /** The c10d backend: Gloo for CPU tensors, NCCL for CUDA tensors. */
    public enum Backend {
        /** Gloo over TCP, for CPU tensors. */
        GLOO,
        /** NCCL, for CUDA tensors (needs a CUDA build of libtorch and a GPU). */
        NCCL;

        int code() {
            return this == GLOO ? jacreg_h.JR_BACKEND_GLOO() : jacreg_h.JR_BACKEND_NCCL();
        }
    }

    /** How {@link #allReduce} combines the ranks' tensors. */
    public enum ReduceOp {
        /** The elementwise sum over the ranks. */
        SUM,
        /** The elementwise sum divided by the world size. */
        AVERAGE
    }

    private final int rank;
    private final int size;
    private MemorySegment handle;

    private ProcessGroup(MemorySegment handle, int rank, int size) {
        this.handle = handle;
        this.rank = rank;
        this.size = size;
    }

    /**
     * Joins over Gloo (CPU tensors).
     *
     * @param host the master's (rank 0's) address
     * @param port where rank 0 listens
     * @param worldSize the number of ranks, &gt;= 1
     * @param rank this process's rank, in [0, worldSize)
     * @param timeout how long any step (the rendezvous, each collective) may wait for the others
     * @return the joined group; close it when done
     */
    public static ProcessGroup join(String host, int port, int worldSize, int rank, Duration timeout) {
        return join(host, port, worldSize, rank, timeout, Backend.GLOO);
    }

    /**
     * Joins the group, blocking until all worldSize ranks have joined. Every rank checks that the others were started
     * with the same world size, so a mismatch is named on each side, whichever rank arrives first. A worker that may
     * start long before its master can call {@link MasterAddress#awaitListening} first, to fail fast when nothing
     * listens there; here a refused connection is retried for the whole timeout.
     *
     * @param host    the master's (rank 0's) address; a loopback address keeps all traffic on loopback
     * @param port    where rank 0 listens (it must be free there)
     * @param worldSize the number of ranks, &gt;= 1
     * @param rank this process's rank, in [0, worldSize)
     * @param timeout how long any step (the rendezvous, each collective) may wait for the others
     * @param backend Gloo for CPU tensors, NCCL for CUDA tensors
     * @return the joined group; close it when done
     * @throws IllegalArgumentException for a bad argument, including a host that cannot be resolved
     * @throws dev.jacreg.TorchException when joining fails, and at once when this jacreg build has no such backend
     *                                   (a shim built without Gloo headers says so)
     */
    public static ProcessGroup join(String host, int port, int worldSize, int rank, Duration timeout, Backend backend) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(backend, "backend");
        if (host.isBlank()) throw new IllegalArgumentException("master host is empty");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("master port must be in 1..65535, got " + port);
        if (worldSize < 1) throw new IllegalArgumentException("world size must be >= 1, got " + worldSize);
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank must be in 0.." + (worldSize - 1) + " for world size " + worldSize + ", got " + rank);
        }
        if (timeout.toMillis() < 1) throw new IllegalArgumentException("timeout must be at least 1 ms, got " + timeout);
        MasterAddress.resolve(host, port);  // an unknown host fails now, not after the timeout
        NativeCall call = call();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment group = call.handle(jacreg_h.jr_process_group_create(arena.allocateFrom(host), port, worldSize, rank,
                    timeout.toMillis(), backend.code(), call.error()));
            return new ProcessGroup(group, rank, worldSize);
        }
    }

    /**
     * Whether this shim can create groups of that backend here (NCCL: built against a CUDA libtorch, a GPU visible).
     *
     * @param backend the backend asked about
     * @return true when {@link #join} can use it here
     */
    public static boolean available(Backend backend) {
        NativeCall call = call();
        return call.status(jacreg_h.jr_distributed_backend_available(backend.code(), call.error())) == 1;
    }

    /** {@return this process's rank, in [0, size())} */
    public int rank() {
        return rank;
    }

    /** {@return the world size: the number of ranks in the group} */
    public int size() {
        return size;
    }

    /** {@return whether this is rank 0, the one that writes outputs and whose initial weights all ranks start from} */
    public boolean isMaster() {
        return rank == 0;
    }

    /**
     * Reduces each tensor (contiguous, same shape on every rank) in place: the sum, or the sum over the world size.
     *
     * @param tensors the tensors to reduce, overwritten with the result, in the same order on every rank
     * @param op the sum or the average
     */
    public synchronized void allReduce(List<Tensor> tensors, ReduceOp op) {
        Objects.requireNonNull(op, "op");
        if (checkTensors(tensors)) return;
        NativeCall call = call();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment list = TensorHandles.of(arena, tensors);
            int code = op == ReduceOp.SUM ? jacreg_h.JR_REDUCE_SUM() : jacreg_h.JR_REDUCE_AVERAGE();
            call.status(jacreg_h.jr_process_group_all_reduce(handle(), list, tensors.size(), code, call.error()));
        } finally {
            Reference.reachabilityFence(tensors);
        }
    }

    /**
     * A new tensor: {@code input} summed over the ranks, recorded by autograd. Its backward sums the incoming gradient
     * over the ranks (each rank's input reaches every rank's sum) and is differentiable in turn, so a loss that uses
     * it differentiates twice, as the Jacobian penalty does. Every rank must call it, and run the backward passes
     * through it, in the same order: each is a collective. A backward pass after {@link #close()} fails.
     *
     * @param input this rank's tensor (the same shape and dtype on every rank)
     * @return the sum over the ranks, new, in the caller's scope
     */
    public synchronized Tensor sum(Tensor input) {
        Objects.requireNonNull(input, "input");
        NativeCall call = call();
        try (Arena arena = Arena.ofConfined()) {
            return TensorHandles.wrap(call.handle(jacreg_h.jr_process_group_sum(handle(), TensorHandles.of(arena, input),
                    call.error())));
        } finally {
            Reference.reachabilityFence(input);
        }
    }

    /**
     * Overwrites each tensor in place with root's.
     *
     * @param tensors the tensors, the same shapes and dtypes on every rank
     * @param root    the rank whose values every rank gets
     */
    public synchronized void broadcast(List<Tensor> tensors, int root) {
        if (root < 0 || root >= size) throw new IllegalArgumentException("root rank must be in 0.." + (size - 1) + ", got " + root);
        if (checkTensors(tensors)) return;
        NativeCall call = call();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment list = TensorHandles.of(arena, tensors);
            call.status(jacreg_h.jr_process_group_broadcast(handle(), list, tensors.size(), root, call.error()));
        } finally {
            Reference.reachabilityFence(tensors);
        }
    }

    /** Returns once every rank has called it. */
    public synchronized void barrier() {
        NativeCall call = call();
        call.status(jacreg_h.jr_process_group_barrier(handle(), call.error()));
    }

    /** {@return whether {@link #close()} has run: the group can no longer be used} */
    public synchronized boolean isClosed() {
        return handle == null;
    }

    /** Leaves the group; the others' next collective then fails. Closing twice is harmless. */
    @Override
    public synchronized void close() {
        if (handle == null) return;
        MemorySegment h = handle;
        handle = null;
        jacreg_h.jr_process_group_free(h);
    }

    @Override
    public String toString() {
        return "ProcessGroup[rank " + rank + " of " + size + (handle == null ? ", closed]" : "]");
    }

    /** The native group, for this package's other shim calls; throws once closed. */
    MemorySegment handle() {
        if (handle == null) throw new IllegalStateException("process group (rank " + rank + " of " + size + ") is closed");
        return handle;
    }

    /** True when there is nothing to do. */
    private static boolean checkTensors(List<Tensor> tensors) {
        Objects.requireNonNull(tensors, "tensors");
        for (int i = 0; i < tensors.size(); i++) Objects.requireNonNull(tensors.get(i), "tensors[" + i + "]");
        return tensors.isEmpty();
    }

    static NativeCall call() {
        Torch.libraryPath();  // loads the shim and applies -Djacreg.threads, as every other entry point does
        return NativeCall.current();
    }
}
