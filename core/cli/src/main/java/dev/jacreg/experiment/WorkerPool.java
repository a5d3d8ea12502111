package dev.jacreg.experiment;

import dev.jacreg.Torch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Platform threads for the independent pieces of an experiment (the models' training runs, the evaluation sweeps):
 * {@code jobs} tasks at a time, each with {@code threadsEach} libtorch intra-op threads, so {@code jobs} cores stay busy.
 * Platform threads because libtorch keeps the gradient mode per OS thread. The intra-op thread count is set on the
 * worker before every task: libtorch 1.13's {@code at::set_num_threads} calls {@code omp_set_num_threads}, which
 * sets the count of the calling thread only (OpenMP keeps it per thread), and stores a process-wide default that a
 * thread's first parallel region adopts; setting it on each worker, to the same value, makes both agree.
 *
 * <p>The workers share one queue, ordered by group and then by submission: a free worker takes the waiting task of
 * the smallest group ({@link #group}), so several runs can share the workers — every worker busy while any task
 * waits — and the earlier runs still finish first (replicates give seed k group k).
 *
 * <p>{@link #inline()} runs the tasks one after the other on the calling thread with its thread count untouched:
 * the sequential behaviour. Results must not depend on which: every task draws only from its own random streams.
 */
public final class WorkerPool implements AutoCloseable {
    private final ThreadPoolExecutor executor;
    private final AtomicLong submitted;  // shared by a pool and its group views: the queue's tie-breaker
    private final int jobs;
    private final int threadsEach;
    private final int group;
    private final boolean owner;  // a group view leaves closing to the pool it came from

    private WorkerPool(ThreadPoolExecutor executor, AtomicLong submitted, int jobs, int threadsEach, int group,
                       boolean owner) {
        this.executor = executor;
        this.submitted = submitted;
        this.jobs = jobs;
        this.threadsEach = threadsEach;
        this.group = group;
        this.owner = owner;
    }

    /** {@code jobs} worker threads with {@code threadsEach} libtorch threads each; its tasks are of group 0. */
    public static WorkerPool of(int jobs, int threadsEach) {
        if (jobs < 1) throw new IllegalArgumentException("jobs must be >= 1, got " + jobs);
        if (threadsEach < 1) throw new IllegalArgumentException("threads per job must be >= 1, got " + threadsEach);
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(jobs, jobs, 0, TimeUnit.SECONDS,
                new PriorityBlockingQueue<>(), task -> Thread.ofPlatform()
                .name("jacreg-worker-" + count.incrementAndGet()).daemon(true).unstarted(task));
        executor.prestartAllCoreThreads();  // else the first tasks would skip the queue's order
        return new WorkerPool(executor, new AtomicLong(), jobs, threadsEach, 0, true);
    }

    /** No threads: tasks run on the caller, in order. */
    public static WorkerPool inline() {
        return new WorkerPool(null, null, 1, 0, 0, false);
    }

    /**
     * The same workers, for tasks of {@code group}: waiting tasks of a smaller group start first, those of one group
     * in the order they were submitted. Closing the view does nothing; {@link #inline()} gives itself.
     */
    public WorkerPool group(int group) {
        if (group < 0) throw new IllegalArgumentException("group must be >= 0, got " + group);
        if (executor == null) return this;
        return new WorkerPool(executor, submitted, jobs, threadsEach, group, false);
    }

    public int jobs() {
        return jobs;
    }

    /** libtorch intra-op threads a task gets: the workers' count, or the calling thread's for {@link #inline()}. */
    public int threadsPerTask() {
        return executor == null ? Torch.numThreads() : threadsEach;
    }

    /**
     * Queues one task for the workers (it runs with their libtorch thread count, after the waiting tasks of smaller
     * groups and of its own group) and returns at once; a worker task may submit more (it must not wait for them: the
     * pool may have no free worker). {@link #inline()} runs the task now, on the calling thread, and returns its
     * finished future.
     */
    public <T> Future<T> submit(Callable<T> task) {
        if (executor == null) {
            FutureTask<T> now = new FutureTask<>(task);
            now.run();
            return now;
        }
        Queued<T> queued = new Queued<>(() -> {
            Torch.setNumThreads(threadsEach);
            return task.call();
        }, group, submitted.getAndIncrement());
        executor.execute(queued);
        return queued;
    }

    /** A task in the workers' queue: smaller group first, then first submitted. */
    private static final class Queued<T> extends FutureTask<T> implements Comparable<Queued<?>> {
        private final int group;
        private final long order;

        Queued(Callable<T> task, int group, long order) {
            super(task);
            this.group = group;
            this.order = order;
        }

        @Override
        public int compareTo(Queued<?> other) {
            return group != other.group ? Integer.compare(group, other.group) : Long.compare(order, other.order);
        }
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

    /**
     * Cancels the tasks still waiting and waits for the running ones to end, so that nothing they use is freed under
     * them after this returns. A group view leaves this to its pool.
     */
    @Override
    public void close() {
        if (!owner) return;
        executor.shutdown();
        List<Runnable> waiting = new ArrayList<>();
        executor.getQueue().drainTo(waiting);
        for (Runnable task : waiting) ((Future<?>) task).cancel(false);
        boolean interrupted = false;
        while (true) {
            try {
                if (executor.awaitTermination(1, TimeUnit.MINUTES)) break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
