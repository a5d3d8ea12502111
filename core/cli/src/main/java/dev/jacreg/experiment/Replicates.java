package dev.jacreg.experiment;

import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;

/**
 * Runs the experiment once per training seed. The unit of work is one net's training: every seed's nets are queued
 * at the start, in seed order, on one pool of {@code jobs} platform threads (libtorch keeps the gradient mode per OS
 * thread, so virtual threads would not do), so no worker idles while a net waits to be trained. A seed's evaluation
 * tasks start there as soon as each of its nets is trained, and go before the later seeds' waiting nets (the pool
 * runs smaller groups first; seed k is group k), so the seeds finish, and are reported, roughly in order. One thread
 * per seed waits for its nets, hands them to {@link Finished} and closes them; the computing is the workers'.
 *
 * <p>Every replicate trains on the same data (loaded once, with the config's data seed, and shared read-only) and
 * draws everything else from its own {@link ExperimentRandom} streams, so its result depends only on its seed, not on
 * the pool size or the scheduling. Each worker uses {@code threadsEach} libtorch intra-op threads (1: one core each).
 *
 * <p>A stop request stops the nets in training (their partly trained nets are still evaluated, as in a single run)
 * and skips the seeds none of whose nets had begun.
 */
public final class Replicates {
    /** One finished replicate. */
    public record Run(long seed, ExperimentResult result) {}

    /**
     * What each replicate's trained nets are for (saving them, measuring more); called on the seed's own thread, not
     * a worker, then the nets are closed. {@code pool} is the workers, with this seed's place in their queue: work
     * submitted there may be waited for, and goes before later seeds' waiting nets.
     */
    @FunctionalInterface
    public interface Finished {
        void accept(long seed, Experiment.Outcome outcome, WorkerPool pool) throws IOException;
    }

    /**
     * @param runs              the finished replicates, in the order of the seeds (skipped ones left out)
     * @param jobs              worker threads used
     * @param totalSeconds      wall time, data loading included
     * @param peakResidentBytes the process's peak resident memory at the end ({@link PeakMemory}); empty if unknown
     */
    public record Outcome(List<Run> runs, List<Long> skipped, int jobs, double totalSeconds,
                          OptionalLong peakResidentBytes) {}

    private final ExperimentConfig config;
    private final List<ModelRecipe> models;
    private final List<Long> seeds;
    private final int jobs;
    private final int threadsEach;
    private final LongFunction<ExperimentListener> listeners;
    private final BooleanSupplier stopRequested;

    /**
     * @param config        the settings; its training seed is replaced by each of {@code seeds}
     * @param jobs          worker threads: training runs and evaluation tasks at a time
     * @param threadsEach   libtorch intra-op threads of each worker (1 keeps one core per worker)
     * @param listeners     the listener of each replicate, by seed; called on the worker threads
     */
    public Replicates(ExperimentConfig config, List<Long> seeds, int jobs, int threadsEach,
                      LongFunction<ExperimentListener> listeners, BooleanSupplier stopRequested) {
        this(config, ModelCatalog.parse(ModelCatalog.DEFAULT, ModelCatalog.RecipeSettings.of(config)), seeds, jobs, threadsEach,
                listeners, stopRequested);
    }

    /** As above with the given models: each replicate trains them all. */
    public Replicates(ExperimentConfig config, List<ModelRecipe> models, List<Long> seeds, int jobs, int threadsEach,
                      LongFunction<ExperimentListener> listeners, BooleanSupplier stopRequested) {
        this.models = List.copyOf(models);
        if (seeds.isEmpty()) throw new IllegalArgumentException("at least one seed is needed");
        if (seeds.stream().distinct().count() != seeds.size()) throw new IllegalArgumentException("seeds repeat: " + seeds);
        if (jobs < 1) throw new IllegalArgumentException("jobs must be >= 1, got " + jobs);
        this.config = config;
        this.seeds = List.copyOf(seeds);
        this.jobs = jobs;
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
        ExperimentSpec spec = new ExperimentSpec(config);
        DigitDataset[] sets = spec.loadData();
        AtomicBoolean abandoned = new AtomicBoolean();  // a seed could not start: stop the others too
        BooleanSupplier stop = () -> stopRequested.getAsBoolean() || abandoned.get();
        // The pool closes first, once no task uses the data.
        try (DeviceDataset train = spec.onDevice(sets[0]); DeviceDataset test = spec.onDevice(sets[1]);
             WorkerPool workers = WorkerPool.of(jobs, threadsEach)) {
            ExecutorService seedThreads = Executors.newFixedThreadPool(seeds.size(), platformThreads());
            try {
                List<Future<Run>> futures = new ArrayList<>();
                Exception failure = null;
                for (int k = 0; k < seeds.size(); k++) {
                    long seed = seeds.get(k);
                    WorkerPool group = workers.group(k);
                    Experiment.Running running;
                    try {
                        running = new Experiment(config.withSeed(seed), models, listeners.apply(seed), stop, group)
                                .start(sets, train, test);
                    } catch (RuntimeException e) {
                        failure = e;
                        abandoned.set(true);
                        break;
                    }
                    futures.add(seedThreads.submit(() -> finish(seed, running, finished, group)));
                }
                List<Run> runs = new ArrayList<>();
                List<Long> skipped = new ArrayList<>();
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
                return new Outcome(runs, skipped, jobs, (System.nanoTime() - start) / 1e9, PeakMemory.residentBytes());
            } finally {
                seedThreads.shutdown();  // not shutdownNow: an interrupted wait would close nets still in training
            }
        }
    }

    /** One seed's end, on its own thread: null when skipped because of a stop request. */
    private static Run finish(long seed, Experiment.Running running, Finished finished, WorkerPool pool) throws IOException {
        try (Experiment.Outcome outcome = running.finish()) {
            if (outcome == null) return null;
            finished.accept(seed, outcome, pool);
            return new Run(seed, outcome.result());
        }
    }

    private static ThreadFactory platformThreads() {
        AtomicInteger count = new AtomicInteger();
        return task -> Thread.ofPlatform().name("jacreg-replicate-" + count.incrementAndGet()).daemon(true).unstarted(task);
    }
}
