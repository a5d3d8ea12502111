package dev.jacreg;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 8.1: tensors dropped outside any scope are freed by the Cleaner; a tensor must stay reachable
 * while its handle is inside a native call, or the Cleaner frees it mid-call (a JVM crash, or garbage).
 * Runs the reproducer — unscoped {@code full(...).mul(2).sum().item()} — on platform and
 * virtual threads while another thread forces a GC every 2 ms. A crash fails the run (the forked JVM
 * dies); a wrong value fails the assertion. The normal run lasts {@code jacreg.soak.seconds} (default
 * 12 s); {@code mvn -Psoak} / {@code make soak} runs it for 10 minutes.
 */
class CleanerRaceTest {
    private static final long SIZE = 300;

    @Test
    void droppedTemporariesSurviveForcedGcDuringNativeCalls() throws Exception {
        long seconds = Long.getLong("jacreg.soak.seconds", 12);
        LiveCounts.settle();
        long javaBefore = Tensor.liveCount();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong iterations = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();

        Thread gc = Thread.ofPlatform().daemon().name("forced-gc").start(() -> {
            while (!stop.get()) {
                System.gc();
                sleepMillis(2);
            }
        });
        Runnable work = () -> {
            try {
                java.util.SplittableRandom random = new java.util.SplittableRandom();
                while (!stop.get() && System.nanoTime() < deadline) {
                    // A different fill each time: a freed input whose memory was reused by another thread shows up
                    // as a wrong sum even where reading it does not crash. All values are exact in double.
                    double fill = random.nextInt(1, 1000);
                    double value = Tensor.full(fill, DType.FLOAT64, SIZE, SIZE).mul(2.0).sum().item();  // no scope
                    if (value != 2.0 * fill * SIZE * SIZE) throw new AssertionError("sum was " + value + " for fill " + fill);
                    double shaped = Tensor.ones(DType.FLOAT64, 4, 5).reshape(20).add(Tensor.ones(DType.FLOAT64, 20)).max().item();
                    if (shaped != 2.0) throw new AssertionError("max was " + shaped);
                    iterations.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        };
        List<Thread> workers = new ArrayList<>();
        workers.add(Thread.ofPlatform().name("race-platform").start(work));
        workers.add(Thread.ofVirtual().name("race-virtual").start(work));
        for (Thread worker : workers) worker.join();
        stop.set(true);
        gc.join();

        System.out.printf("CleanerRaceTest: %d iterations in %d s with forced GC every 2 ms%n", iterations.get(), seconds);
        if (failure.get() != null) throw new AssertionError("a worker failed", failure.get());
        assertTrue(iterations.get() > 0, "no iteration ran");
        // Everything dropped is the Cleaner's: once collected, the live count is back where it was.
        awaitCount(javaBefore);
        LiveCounts.settle();
        assertEquals(javaBefore, Tensor.liveCount(), "Java-side live tensors once the Cleaner is done");
    }

    private static void awaitCount(long expected) throws InterruptedException {
        for (int i = 0; i < 200 && Tensor.liveCount() > expected; i++) {
            System.gc();
            Thread.sleep(50);
        }
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
