package dev.jacreg.distributed;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/** Runs the ranks of a loopback group as threads of this JVM (each its own ProcessGroup), for the tests. */
final class Ranks {
    /** A hang guard only: every test's collectives time out far sooner. */
    static final long GUARD_SECONDS = 120;

    private Ranks() {}

    /** A port that was free a moment ago (the OS's pick, so tests never collide on a fixed one). */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    /** Each rank's result, or what it threw (as the Throwable itself). */
    static List<Object> run(int worldSize, IntFunction<Object> rank) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(worldSize);
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (int r = 0; r < worldSize; r++) {
                int id = r;
                futures.add(pool.submit(() -> rank.apply(id)));
            }
            List<Object> results = new ArrayList<>();
            for (Future<Object> f : futures) {
                try {
                    results.add(f.get(GUARD_SECONDS, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    results.add(e.getCause());
                } catch (TimeoutException e) {
                    throw new AssertionError("a rank hung for " + GUARD_SECONDS + " s", e);
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
