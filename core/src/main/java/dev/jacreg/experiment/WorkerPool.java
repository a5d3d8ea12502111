package dev.jacreg.experiment;

import dev.jacreg.Torch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Platform threads for the independent pieces of an experiment (the models' training runs, the evaluation sweeps):
 * {@code jobs} tasks at a time, each with {@code threadsEach} libtorch intra-op threads, so {@code jobs} cores stay busy.
 * Platform threads because libtorch keeps the gradient mode per OS thread. The intra-op thread count is set on the
 * worker before every task: libtorch 1.13's {@code at::set_num_threads} calls {@code omp_set_num_threads}, which
 * sets the count of the calling thread only (OpenMP keeps it per thread), and stores a process-wide default that a
 * thread's first parallel region adopts; setting it on each worker, to the same value, makes both agree.
 *
 * <p>{@link #inline()} runs the tasks one after the other on the calling thread with its thread count untouched:
 * the sequential behaviour. Results must not depend on which: every task draws only from its own random streams.
 */
public final class WorkerPool implements AutoCloseable {
    private final ExecutorService executor;
    private final int jobs;
    private final int threadsEach;

    private WorkerPool(ExecutorService executor, int jobs, int threadsEach) {
        this.executor = executor;
        this.jobs = jobs;
        this.threadsEach = threadsEach;
    }

    /** {@code jobs} worker threads with {@code threadsEach} libtorch threads each. */
    public static WorkerPool of(int jobs, int threadsEach) {
        if (jobs < 1) throw new IllegalArgumentException("jobs must be >= 1, got " + jobs);
        if (threadsEach < 1) throw new IllegalArgumentException("threads per job must be >= 1, got " + threadsEach);
        AtomicInteger count = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(jobs, task -> Thread.ofPlatform()
                .name("jacreg-worker-" + count.incrementAndGet()).daemon(true).unstarted(task));
        return new WorkerPool(executor, jobs, threadsEach);
    }

    /** No threads: tasks run on the caller, in order. */
    public static WorkerPool inline() {
        return new WorkerPool(null, 1, 0);
    }

    public int jobs() {
        return jobs;
    }

    /** libtorch intra-op threads a task gets: the workers' count, or the calling thread's for {@link #inline()}. */
    public int threadsPerTask() {
        return executor == null ? Torch.numThreads() : threadsEach;
    }

    /**
     * Runs every task and returns their results in the order of the tasks, after all have ended. When some fail, the
     * first failure in task order is thrown (an unchecked one as it is) with the others suppressed.
     */
    public <T> List<T> invokeAll(List<? extends Callable<T>> tasks) throws Exception {
        List<T> results = new ArrayList<>(tasks.size());
        Exception failure = null;
        if (executor == null) {
            for (Callable<T> task : tasks) {
                try {
                    results.add(task.call());
                } catch (Exception e) {
                    if (failure == null) failure = e;
                    else failure.addSuppressed(e);
                    results.add(null);
                }
            }
        } else {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(executor.submit(() -> {
                    Torch.setNumThreads(threadsEach);
                    return task.call();
                }));
            }
            for (Future<T> f : futures) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof Error error) throw error;
                    Exception ex = cause instanceof Exception c ? c : e;
                    if (failure == null) failure = ex;
                    else failure.addSuppressed(ex);
                    results.add(null);
                }
            }
        }
        if (failure != null) throw failure;
        return results;
    }

    /** As {@link #invokeAll}, for tasks that throw only unchecked exceptions. */
    public <T> List<T> invokeAllUnchecked(List<? extends Callable<T>> tasks) {
        try {
            return invokeAll(tasks);
        } catch (RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for workers", e);
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (executor != null) executor.shutdownNow();
    }
}
