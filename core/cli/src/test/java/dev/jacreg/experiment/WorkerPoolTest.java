package dev.jacreg.experiment;

import dev.jacreg.Torch;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/** The pool the experiment pipelines its trainings and evaluations on: ordering, nesting, failures, thread counts. */
class WorkerPoolTest {
    @Test
    void aWorkerTaskCanStartMoreTasksWithoutWaitingAndEveryTaskGetsTheWorkersThreadCount() throws Exception {
        try (WorkerPool pool = WorkerPool.of(2, 1)) {
            List<Future<Integer>> inner = new ArrayList<>();
            Future<String> outer = pool.submit(() -> {
                for (int i = 0; i < 5; i++) {
                    int k = i;
                    synchronized (inner) {
                        inner.add(pool.submit(() -> k * Torch.numThreads()));
                    }
                }
                return Thread.currentThread().getName();
            });
            assertTrue(outer.get(30, TimeUnit.SECONDS).startsWith("jacreg-worker-"));
            List<Future<Integer>> started;
            synchronized (inner) {
                started = List.copyOf(inner);
            }
            assertEquals(List.of(0, 1, 2, 3, 4), WorkerPool.awaitAll(started));
        }
    }

    @Test
    void awaitAllThrowsTheFirstFailureInOrderOnlyAfterEveryTaskEnded() throws Exception {
        try (WorkerPool pool = WorkerPool.of(2, 1)) {
            CountDownLatch failedFirst = new CountDownLatch(1);
            AtomicBoolean slowEnded = new AtomicBoolean();
            Future<Integer> slow = pool.submit(() -> {
                assertTrue(failedFirst.await(30, TimeUnit.SECONDS));
                Thread.sleep(200);  // still running when the failure is already known
                slowEnded.set(true);
                return 1;
            });
            Future<Integer> failing = pool.submit(() -> {
                failedFirst.countDown();
                throw new IllegalStateException("second task");
            });
            Future<Integer> alsoFailing = pool.submit(() -> {
                throw new IllegalArgumentException("third task");
            });
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> WorkerPool.awaitAll(List.of(slow, failing, alsoFailing)));
            assertEquals("second task", e.getMessage());
            assertTrue(slowEnded.get(), "awaitAll returned while a task was still running");
            assertEquals(1, e.getSuppressed().length);
            assertEquals("third task", e.getSuppressed()[0].getMessage());
        }
    }

    @Test
    void anErrorIsThrownAsItIsAfterTheOthersEnded() {
        try (WorkerPool pool = WorkerPool.of(2, 1)) {
            Future<Integer> error = pool.submit(() -> {
                throw new AssertionError("boom");
            });
            Future<Integer> fine = pool.submit(() -> 7);
            AssertionError e = assertThrows(AssertionError.class, () -> WorkerPool.awaitAllUnchecked(List.of(error, fine)));
            assertEquals("boom", e.getMessage());
            assertTrue(fine.isDone());
        }
    }

    @Test
    void awaitEndWaitsForEveryTaskEvenWhenInterrupted() throws Exception {
        try (WorkerPool pool = WorkerPool.of(2, 1)) {
            AtomicBoolean slowEnded = new AtomicBoolean();
            Future<Integer> failing = pool.submit(() -> {
                throw new IllegalStateException("failed");
            });
            Future<Integer> slow = pool.submit(() -> {
                Thread.sleep(300);
                slowEnded.set(true);
                return 1;
            });
            Thread.currentThread().interrupt();  // an interrupt must not cut the wait short
            WorkerPool.awaitEnd(List.of(failing, slow));
            assertTrue(Thread.interrupted(), "the interrupt is kept");
            assertTrue(slowEnded.get(), "awaitEnd returned while a task was still running");
        }
    }

    @Test
    void inlineRunsEachTaskAtOnceOnTheCaller() throws Exception {
        WorkerPool inline = WorkerPool.inline();
        List<String> order = new ArrayList<>();
        Future<Integer> first = inline.submit(() -> {
            order.add("first");
            inline.submit(() -> order.add("nested"));  // runs inside, before first returns
            order.add("first again");
            return 1;
        });
        assertTrue(first.isDone());
        order.add("caller");
        Future<Integer> failing = inline.submit(() -> {
            throw new IllegalStateException("inline failure");
        });
        assertTrue(failing.isDone());
        assertEquals(List.of("first", "nested", "first again", "caller"), order);
        assertEquals("inline failure", assertThrows(IllegalStateException.class,
                () -> WorkerPool.awaitAllUnchecked(List.of(first, failing))).getMessage());
        assertEquals(Thread.currentThread().getName(), inline.submit(() -> Thread.currentThread().getName()).get());
    }

    @Test
    void aFreeWorkerTakesTheSmallestGroupFirstThenTheFirstSubmitted() throws Exception {
        try (WorkerPool pool = WorkerPool.of(1, 1)) {
            CountDownLatch release = new CountDownLatch(1);
            Future<Boolean> blocking = pool.submit(() -> release.await(30, TimeUnit.SECONDS));  // the only worker waits
            List<String> order = Collections.synchronizedList(new ArrayList<>());
            List<Future<Boolean>> tasks = new ArrayList<>();
            String[][] submitted = {{"2", "c1"}, {"0", "a1"}, {"1", "b1"}, {"0", "a2"}, {"2", "c2"}, {"1", "b2"}};
            for (String[] t : submitted) tasks.add(pool.group(Integer.parseInt(t[0])).submit(() -> order.add(t[1])));
            release.countDown();
            assertTrue(blocking.get(30, TimeUnit.SECONDS));
            WorkerPool.awaitAll(tasks);
            assertEquals(List.of("a1", "a2", "b1", "b2", "c1", "c2"), order);
        }
    }

    @Test
    void closeCancelsTheWaitingTasksAndWaitsForTheRunningOne() throws Exception {
        WorkerPool pool = WorkerPool.of(1, 1);
        CountDownLatch running = new CountDownLatch(1), release = new CountDownLatch(1);
        AtomicBoolean ended = new AtomicBoolean();
        Future<Integer> first = pool.submit(() -> {
            running.countDown();
            release.await(30, TimeUnit.SECONDS);
            ended.set(true);
            return 1;
        });
        Future<Integer> waiting = pool.group(3).submit(() -> 2);
        assertTrue(running.await(30, TimeUnit.SECONDS));
        pool.group(3).close();  // a group view does not close the pool
        assertFalse(waiting.isDone());
        Thread releaser = Thread.ofPlatform().start(() -> {  // lets the running task end once close has cancelled the other
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!waiting.isCancelled() && System.nanoTime() < deadline) sleepBriefly();
            release.countDown();
        });
        pool.close();
        assertTrue(ended.get(), "close returned while a task was still running");
        assertEquals(1, first.get());
        assertTrue(waiting.isCancelled());
        releaser.join();
    }

    @Test
    void inlineHasNoGroups() {
        WorkerPool inline = WorkerPool.inline();
        assertSame(inline, inline.group(5));
        assertThrows(IllegalArgumentException.class, () -> inline.group(-1));
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
