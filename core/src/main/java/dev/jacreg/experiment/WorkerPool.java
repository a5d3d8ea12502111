package dev.jacreg.experiment;

import dev.jacreg.Torch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
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
     * Starts one task on a worker, with the workers' libtorch thread count, and returns at once; a worker task may
     * submit more (it must not wait for them: the pool may have no free worker). {@link #inline()} runs the task now,
     * on the calling thread, and returns its finished future.
     */
    public <T> Future<T> submit(Callable<T> task) {
        if (executor == null) {
            FutureTask<T> now = new FutureTask<>(task);
            now.run();
            return now;
        }
        return executor.submit(() -> {
            Torch.setNumThreads(threadsEach);
            return task.call();
        });
    }

    /**
     * Runs every task and returns their results in the order of the tasks, after all have ended. When some fail, the
     * first failure in task order is thrown (an unchecked one as it is) with the others suppressed.
     */
    public <T> List<T> invokeAll(List<? extends Callable<T>> tasks) throws Exception {
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> task : tasks) futures.add(submit(task));
        return awaitAll(futures);
    }

    /**
     * Waits until every future has ended and returns their results in order. When some failed, the first failure in
     * that order is thrown (an unchecked one or an {@link Error} as it is) with the others suppressed — only after all
     * have ended, so no task still uses what the caller frees next.
     */
    public static <T> List<T> awaitAll(List<Future<T>> futures) throws Exception {
        List<T> results = new ArrayList<>(futures.size());
        Throwable failure = null;
        for (Future<T> f : futures) {
            try {
                results.add(f.get());
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() instanceof Exception || e.getCause() instanceof Error ? e.getCause() : e;
                if (failure == null) failure = cause;
                else failure.addSuppressed(cause);
                results.add(null);
            }
        }
        if (failure instanceof Error error) throw error;
        if (failure != null) throw (Exception) failure;
        return results;
    }

    /**
     * Waits until every future has ended, whatever its outcome and even when interrupted meanwhile (the interrupt is
     * kept for later): for clean-up paths that free what the tasks use.
     */
    public static void awaitEnd(List<? extends Future<?>> futures) {
        boolean interrupted = false;
        for (Future<?> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException | java.util.concurrent.CancellationException e) {
                    break;  // ended; its failure is someone else's to report
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /** As {@link #invokeAll}, for tasks that throw only unchecked exceptions. */
    public <T> List<T> invokeAllUnchecked(List<? extends Callable<T>> tasks) {
        return unchecked(() -> invokeAll(tasks));
    }

    /** As {@link #awaitAll}, for tasks that throw only unchecked exceptions. */
    public static <T> List<T> awaitAllUnchecked(List<Future<T>> futures) {
        return unchecked(() -> awaitAll(futures));
    }

    private static <T> T unchecked(Callable<T> waiting) {
        try {
            return waiting.call();
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
