package dev.jacreg.experiment;

import dev.jacreg.Torch;
import dev.jacreg.data.DigitDataset;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;

/**
 * Runs the experiment once per training seed, the replicates concurrently on a fixed pool of platform threads
 * (libtorch keeps the gradient mode per OS thread, so virtual threads would not do). Every replicate trains
 * on the same data (loaded once, with the config's data seed) and draws everything else from its own
 * {@link ExperimentRandom} streams, so its result depends only on its seed, not on the pool size or the
 * scheduling. Each worker uses one libtorch intra-op thread, so {@code jobs} replicates keep {@code jobs}
 * cores busy.
 *
 * <p>A stop request stops the running replicates' training (their partly trained nets are still evaluated,
 * as in a single run) and skips those not yet started.
 */
public final class Replicates {
    /** One finished replicate. */
    public record Run(long seed, ExperimentResult result) {}

    /** What each replicate's trained nets are for (saving them, say); called on the worker thread, then they are closed. */
    @FunctionalInterface
    public interface Finished {
        void accept(long seed, Experiment.Outcome outcome) throws IOException;
    }

    /**
     * @param runs         the finished replicates, in the order of the seeds (skipped ones left out)
     * @param jobs         threads used
     * @param totalSeconds wall time, data loading included
     */
    public record Outcome(List<Run> runs, List<Long> skipped, int jobs, double totalSeconds) {}

    private final ExperimentConfig config;
    private final List<ModelRecipe> models;
    private final List<Long> seeds;
    private final int jobs;
    private final int threadsEach;
    private final LongFunction<ExperimentListener> listeners;
    private final BooleanSupplier stopRequested;

    /**
     * @param config        the settings; its training seed is replaced by each of {@code seeds}
     * @param jobs          most replicates at a time (the pool has min(jobs, seeds) threads)
     * @param threadsEach   libtorch intra-op threads of each worker (1 keeps one core per replicate)
     * @param listeners     the listener of each replicate, by seed; called on that replicate's worker thread
     */
    public Replicates(ExperimentConfig config, List<Long> seeds, int jobs, int threadsEach,
                      LongFunction<ExperimentListener> listeners, BooleanSupplier stopRequested) {
        this(config, ModelCatalog.parse(ModelCatalog.DEFAULT, config.penalty()), seeds, jobs, threadsEach, listeners,
                stopRequested);
    }

    /**
     * As above with the given models: each replicate trains them all; their training runs and evaluations go to one
     * pool of {@code jobs} workers shared by the replicates, so at most {@code jobs} of them compute at a time.
     */
    public Replicates(ExperimentConfig config, List<ModelRecipe> models, List<Long> seeds, int jobs, int threadsEach,
                      LongFunction<ExperimentListener> listeners, BooleanSupplier stopRequested) {
        this.models = List.copyOf(models);
        if (seeds.isEmpty()) throw new IllegalArgumentException("at least one seed is needed");
        if (seeds.stream().distinct().count() != seeds.size()) throw new IllegalArgumentException("seeds repeat: " + seeds);
        if (jobs < 1) throw new IllegalArgumentException("jobs must be >= 1, got " + jobs);
        this.config = config;
        this.seeds = List.copyOf(seeds);
        this.jobs = Math.min(jobs, seeds.size());
        if (threadsEach < 1) throw new IllegalArgumentException("threads per replicate must be >= 1, got " + threadsEach);
        this.threadsEach = threadsEach;
        this.listeners = listeners;
        this.stopRequested = stopRequested;
    }

    /** Seeds {@code first, first + 1, …, first + count − 1}. */
    public static List<Long> consecutiveSeeds(long first, int count) {
        if (count < 1) throw new IllegalArgumentException("replicates must be >= 1, got " + count);
        List<Long> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(first + i);
        return out;
    }

    public int jobs() {
        return jobs;
    }

    /**
     * Loads the data, runs every replicate and hands each one's nets to {@code finished} before closing them.
     *
     * @throws IOException when loading fails or {@code finished} fails for some replicate (after all have ended;
     *                     the other replicates' failures are attached as suppressed exceptions)
     */
    public Outcome run(Finished finished) throws IOException, InterruptedException {
        long start = System.nanoTime();
        DigitDataset[] sets = new ExperimentSpec(config).loadData();
        ExecutorService pool = Executors.newFixedThreadPool(jobs, platformThreads());
        try (WorkerPool workers = WorkerPool.of(jobs, threadsEach)) {
            List<Future<Run>> futures = new ArrayList<>();
            for (long seed : seeds) futures.add(pool.submit(() -> runOne(seed, sets, finished, workers)));
            List<Run> runs = new ArrayList<>();
            List<Long> skipped = new ArrayList<>();
            Exception failure = null;
            for (int i = 0; i < futures.size(); i++) {
                try {
                    Run run = futures.get(i).get();
                    if (run != null) runs.add(run);
                    else skipped.add(seeds.get(i));
                } catch (ExecutionException e) {
                    Exception cause = e.getCause() instanceof Exception c ? c : e;
                    if (failure == null) failure = cause;
                    else failure.addSuppressed(cause);
                }
            }
            if (failure instanceof IOException io) throw io;
            if (failure instanceof RuntimeException r) throw r;
            if (failure != null) throw new IOException("a replicate failed: " + failure, failure);
            return new Outcome(runs, skipped, jobs, (System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    /** One replicate on the current worker thread; null when skipped because of a stop request. */
    private Run runOne(long seed, DigitDataset[] sets, Finished finished, WorkerPool workers) throws IOException {
        if (stopRequested.getAsBoolean()) return null;
        Torch.setNumThreads(threadsEach);  // OpenMP keeps its thread count per calling thread: set it on this one
        Experiment experiment = new Experiment(config.withSeed(seed), models, listeners.apply(seed), stopRequested, workers);
        try (Experiment.Outcome outcome = experiment.run(sets)) {
            finished.accept(seed, outcome);
            return new Run(seed, outcome.result());
        }
    }

    private static ThreadFactory platformThreads() {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread t = Thread.ofPlatform().name("jacreg-replicate-" + count.incrementAndGet()).daemon(true).unstarted(task);
            return t;
        };
    }
}
