package dev.jacreg.cli;

import dev.jacreg.experiment.ExperimentListener;
import dev.jacreg.train.TrainingProgress;
import dev.jacreg.train.TrainingResult;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Ctrl-C handling for long runs: while a net is training, the first SIGINT asks training to stop after the
 * current iteration (the run then evaluates and saves what was trained, and exits 130); at any other time
 * (loading, evaluation, the report), or a second time, it ends the process at once (exit 130). Saying "stopping"
 * and then running on through a long evaluation would be a lie.
 *
 * <p>SIGTERM (e.g. from {@code kill} or {@code timeout}) ends the process at once with exit 143 (128 + 15). Whenever
 * the process ends at once, the cleanups registered with {@link #onQuit} run first (an --out folder this run created
 * and left empty is removed, ranks started by --nproc are stopped and their logs deleted), then {@link ProcessExit}
 * ends it without running libtorch's exit handlers, which could crash the JVM while a thread is inside libtorch.
 *
 * <p>Uses {@code sun.misc.Signal} (jdk.unsupported, accessible on the class path). Where that is unavailable a
 * shutdown hook sets the same flag and holds the JVM's exit until the run has written its results, or five
 * minutes at most.
 */
public final class StopSignal implements BooleanSupplier {
    private static final long HOOK_WAIT_MINUTES = 5;

    private final List<Runnable> cleanups = new CopyOnWriteArrayList<>();

    private final AtomicInteger presses = new AtomicInteger();
    private volatile boolean training;
    private volatile boolean childrenHandleInterrupt;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final PrintStream err;

    private StopSignal(PrintStream err) {
        this.err = err;
    }

    /** A flag that is never raised by a signal, e.g. for tests; {@link #request()} still raises it. */
    public static StopSignal manual(PrintStream err) {
        return new StopSignal(err);
    }

    /** Installs the SIGINT handler (or the shutdown-hook fallback) for this process. */
    public static StopSignal install(PrintStream err) {
        StopSignal stop = new StopSignal(err);
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), signal -> stop.press());
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> stop.quit("terminated", JacregCli.TERMINATED));
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            Thread hook = new Thread(() -> {
                stop.presses.incrementAndGet();
                try {
                    stop.finished.await(HOOK_WAIT_MINUTES, TimeUnit.MINUTES);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }, "jacreg-stop");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        return stop;
    }

    @Override
    public boolean getAsBoolean() {
        return presses.get() > 0;
    }

    /** Raises the flag as a first Ctrl-C would. */
    public void request() {
        presses.compareAndSet(0, 1);
    }

    /** Whether a net is training now, i.e. a first Ctrl-C can stop the run gracefully. */
    public void training(boolean active) {
        training = active;
    }

    /** True while a first Ctrl-C would stop training gracefully; false when it would quit at once. */
    boolean stopsGracefully() {
        return training && presses.get() == 0;
    }

    /**
     * A listener that tells {@code stop} (when it is a StopSignal) when training runs, around {@code display}; calls
     * must come one at a time ({@link ExperimentListener#synchronizedView}, as the experiment makes them).
     */
    static ExperimentListener tracking(ExperimentListener display, BooleanSupplier stop) {
        if (!(stop instanceof StopSignal signal)) return display;
        return new ExperimentListener() {
            /** Nets training now: several train at once, and training runs until the last has ended. */
            private final java.util.Set<String> active = new java.util.HashSet<>();

            @Override
            public void phase(String description) {
                display.phase(description);
            }

            @Override
            public void iteration(String net, TrainingProgress progress) {
                active.add(net);
                signal.training(true);  // from the first finished iteration on, the trainer polls the flag
                display.iteration(net, progress);
            }

            @Override
            public void trainingEnded(String net, TrainingResult result) {
                active.remove(net);
                signal.training(!active.isEmpty());
                display.trainingEnded(net, result);
            }
        };
    }

    /** Undoes an {@link #onQuit} registration. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Runs {@code cleanup} if the process is ended at once by a signal while the registration is open; a no-op where
     * {@code stop} is not a StopSignal (tests, embedding).
     */
    static Registration onQuit(BooleanSupplier stop, Runnable cleanup) {
        if (!(stop instanceof StopSignal signal)) return () -> {};
        signal.cleanups.add(cleanup);
        return () -> signal.cleanups.remove(cleanup);
    }

    /**
     * As {@link #onQuit}, for a process that waits for child processes on the same terminal (--nproc): while open, a
     * first Ctrl-C is left to the children, which get it too and stop gracefully themselves; a second one, or
     * SIGTERM, runs {@code cleanup} and quits.
     */
    static Registration whileChildrenRun(BooleanSupplier stop, Runnable cleanup) {
        if (!(stop instanceof StopSignal signal)) return () -> {};
        Registration quit = onQuit(stop, cleanup);
        signal.childrenHandleInterrupt = true;
        return () -> {
            signal.childrenHandleInterrupt = false;
            quit.close();
        };
    }

    /** The run has written its results; a waiting shutdown hook may let the JVM exit. */
    public void finished() {
        finished.countDown();
    }

    private void press() {
        if (presses.incrementAndGet() == 1 && childrenHandleInterrupt) return;  // the children say what they do
        if (presses.get() == 1 && training) {
            err.println();
            err.println("jacreg: stopping after the current iteration; what was trained is evaluated and saved. "
                    + "Press Ctrl-C again to quit at once.");
        } else {
            quit("interrupted", JacregCli.STOPPED);
        }
        err.flush();
    }

    /** Says why, runs the registered cleanups (newest first) and ends the process with {@code code}. */
    private void quit(String why, int code) {
        err.println();
        err.println("jacreg: " + why);
        err.flush();
        List<Runnable> registered = List.copyOf(cleanups);
        for (int i = registered.size() - 1; i >= 0; i--) {
            try {
                registered.get(i).run();
            } catch (RuntimeException e) {
                // best effort: the process ends regardless
            }
        }
        ProcessExit.now(code);
    }
}
