package dev.jacreg;

import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.Evaluator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 8.2: the gradient mode is the Java thread's, on platform and virtual threads alike. libtorch
 * keeps it per OS thread, so a no-grad block on one virtual thread used to switch it off for every
 * virtual thread that shared the carrier — and, if it unmounted inside the block, keep it off there.
 * The truth checked is libtorch's own: whether an op on a requires-grad leaf recorded autograd.
 */
class GradModeThreadsTest {
    private static final int THREADS = 16;
    private static final int ROUNDS = 50;

    @Test
    void virtualThreadsEachKeepTheirOwnMode() throws Exception {
        assertEquals(0, runMixed(Thread.ofVirtual()::unstarted), "virtual threads saw another thread's gradient mode");
        assertFreshThreadsRecord(Thread.ofVirtual()::unstarted);
    }

    @Test
    void platformThreadsEachKeepTheirOwnMode() throws Exception {
        assertEquals(0, runMixed(Thread.ofPlatform()::unstarted), "platform threads saw another thread's gradient mode");
        assertFreshThreadsRecord(Thread.ofPlatform()::unstarted);
    }

    /** The scenario: the library's own no-grad users (here the Evaluator) on some virtual threads. */
    @Test
    void evaluatingOnVirtualThreadsLeavesOtherVirtualThreadsRecording() throws Exception {
        AtomicInteger wrong = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try (TensorScope scope = TensorScope.open();
                     Sequential net = SeedNetwork.create(Tensor.zeros(1, 1, 6, 6), 6, 6, DType.FLOAT32)) {
                    net.setTraining(false);
                    Tensor images = Tensor.rand(DType.FLOAT32, 8, 1, 6, 6);
                    Tensor labels = Tensor.of(new int[]{0, 1, 2, 3, 4, 5, 6, 7}, 8);
                    for (int round = 0; round < 20; round++) {
                        double accuracy = Evaluator.accuracy(net, images, labels, 3);  // no-grad inside
                        if (!(accuracy >= 0 && accuracy <= 1)) wrong.incrementAndGet();
                        Thread.yield();
                    }
                }
            }));
            threads.add(Thread.ofVirtual().start(() -> {
                for (int round = 0; round < 40; round++) {
                    if (!records()) wrong.incrementAndGet();
                    Thread.yield();
                }
            }));
        }
        for (Thread t : threads) t.join();
        assertEquals(0, wrong.get(), "virtual threads that saw gradient recording off while others evaluated");
        assertFreshThreadsRecord(Thread.ofVirtual()::unstarted);
    }

    @Test
    void blocksNestAndRestoreOnTheirThread() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = Thread.ofVirtual().uncaughtExceptionHandler((thread, e) -> failure.set(e)).start(() -> {
            assertTrue(Autograd.isGradEnabled());
            try (var off = Autograd.noGrad()) {
                assertFalse(records());
                Thread.yield();  // may resume on another carrier: the mode comes along
                try (var on = Autograd.enableGrad()) {
                    assertTrue(records());
                }
                assertFalse(Autograd.isGradEnabled());
            }
            assertTrue(records());
        });
        t.join();
        if (failure.get() != null) throw new AssertionError("on the virtual thread", failure.get());
    }

    @Test
    void closingOnAnotherThreadIsRefused() throws Exception {
        var off = Autograd.noGrad();
        try {
            AtomicInteger refused = new AtomicInteger();
            Thread.ofVirtual().start(() -> {
                try {
                    off.close();
                } catch (WrongThreadException e) {
                    refused.incrementAndGet();
                }
            }).join();
            assertEquals(1, refused.get());
        } finally {
            off.close();
        }
        assertTrue(Autograd.isGradEnabled());
    }

    /** Half the threads work inside no-grad blocks, half outside; all park often. Returns wrong observations. */
    private static int runMixed(Function<Runnable, Thread> factory) throws InterruptedException {
        AtomicInteger wrong = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            boolean noGrad = i % 2 == 0;
            threads.add(factory.apply(() -> {
                awaitQuietly(start);
                try (TensorScope scope = TensorScope.open()) {
                    for (int round = 0; round < ROUNDS; round++) {
                        if (noGrad) {
                            try (var off = Autograd.noGrad()) {
                                LockSupport.parkNanos(10_000);  // unmount inside the block
                                if (records()) wrong.incrementAndGet();
                            }
                        } else {
                            LockSupport.parkNanos(10_000);
                            if (!records()) wrong.incrementAndGet();
                        }
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) t.join();
        return wrong.get();
    }

    /** After every block has closed, new threads of the same kind record autograd. */
    private static void assertFreshThreadsRecord(Function<Runnable, Thread> factory) throws InterruptedException {
        AtomicInteger off = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            threads.add(factory.apply(() -> {
                if (!records() || !Autograd.isGradEnabled()) off.incrementAndGet();
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) t.join();
        assertEquals(0, off.get(), "fresh threads that saw gradient recording off");
    }

    /** Whether an op on a requires-grad leaf, run on this thread now, is recorded by autograd. */
    private static boolean records() {
        try (Tensor leaf = Tensor.ones(2).requiresGrad(true); Tensor y = leaf.mul(3.0)) {
            return y.requiresGrad();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
