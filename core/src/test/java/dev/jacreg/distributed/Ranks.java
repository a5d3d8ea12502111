package dev.jacreg.distributed;

import dev.jacreg.ShimFreshness;
import dev.jacreg.TorchException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Runs the ranks of a loopback group as threads of this JVM (each its own ProcessGroup), for the tests, and gives
 * them ports. Rank 0 must bind a port it is told, and another program may take any port between our pick and that
 * bind; so the ports come from below the kernel's ephemeral range (which connect() and bind(0), c10d's and Gloo's
 * own sockets included, never hand out), and a run whose rank 0 found its port in use is repeated on the next one.
 */
final class Ranks {
    /** A hang guard only: every test's collectives time out far sooner. */
    static final long GUARD_SECONDS = 120;
    static final String HOST = "127.0.0.1";

    /** Ports 20000..32767: below Linux's default ephemeral range (32768..60999), above most services'. */
    private static final int FIRST_PORT = 20_000, PORT_COUNT = 12_768;
    /** Sequential from a random start: no two picks of this JVM collide, and two JVMs rarely do. */
    private static final AtomicInteger NEXT = new AtomicInteger(ThreadLocalRandom.current().nextInt(PORT_COUNT));
    static final int ATTEMPTS = 5;

    private Ranks() {}

    /** A port for one attempt; use it through {@link #onFreshPort}, which retries when it turns out taken. */
    static int nextPort() {
        return FIRST_PORT + Math.floorMod(NEXT.getAndIncrement(), PORT_COUNT);
    }

    /** The port {@link #nextPort} will give next (for the test of the retry itself). */
    static int peekPort() {
        return FIRST_PORT + Math.floorMod(NEXT.get(), PORT_COUNT);
    }

    /**
     * attempt's result on a port rank 0 could bind: it is run again on the next port (up to {@link #ATTEMPTS} times)
     * while its result (a Throwable, or a list of ranks' results) or what it throws says the port was in use.
     */
    static <T> T onFreshPort(IntFunction<T> attempt) {
        for (int i = 1; ; i++) {
            T result;
            try {
                result = attempt.apply(nextPort());
            } catch (TorchException e) {
                if (portInUse(e) && i < ATTEMPTS) continue;
                throw e;
            }
            if (!portInUse(result) || i == ATTEMPTS) return result;
        }
    }

    /** Each rank's result, or what it threw (as the Throwable itself), on a fresh port. */
    static List<Object> run(int worldSize, RankBody rank) {
        return onFreshPort(port -> runOnPort(port, worldSize, rank));
    }

    /** One rank's work on the given port. */
    interface RankBody {
        Object run(int rank, int port) throws Exception;
    }

    /**
     * Fails first when the shim is older than its sources (see {@link ShimFreshness}). In a shim built with Gloo,
     * true. In one built without (see {@link ShimBuild}), asserts that joining says at once that this build has no
     * c10d backend, and returns false: the calling test has nothing more to check there.
     */
    static boolean glooBuilt() {
        ShimFreshness.assertFresh();  // an old shim would fail these tests with its old protocol's symptoms
        boolean expected = ShimBuild.expectsGloo();
        assertEquals(expected, ProcessGroup.available(ProcessGroup.Backend.GLOO),
                "Gloo in the shim (" + ShimBuild.describe() + ")");
        if (expected) return true;
        // On a port held here: a join that reached the network would report the port in use instead.
        try (var held = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(HOST))) {
            TorchException e = assertThrows(TorchException.class,
                    () -> ProcessGroup.join(HOST, held.getLocalPort(), 2, 0, Duration.ofSeconds(60)).close());
            assertTrue(e.getMessage().contains("this jacreg build has no c10d backend (built without Gloo headers: "
                    + "install libgloo-dev"), e.getMessage());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        return false;
    }

    /** Whether a result (a Throwable, or a list of ranks' results) says rank 0 found its port taken. */
    static boolean portInUse(Object result) {
        if (result instanceof List<?> list) return list.stream().anyMatch(Ranks::portInUse);
        return result instanceof TorchException e && e.getMessage() != null
                && e.getMessage().toLowerCase().contains("address already in use");
    }

    /** Each rank's result, or what it threw, on the given port (for a test that needs more than one attempt's state). */
    static List<Object> runOnPort(int port, int worldSize, RankBody rank) {
        ExecutorService pool = Executors.newFixedThreadPool(worldSize);
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (int r = 0; r < worldSize; r++) {
                int id = r;
                futures.add(pool.submit(() -> rank.run(id, port)));
            }
            List<Object> results = new ArrayList<>();
            for (Future<Object> f : futures) {
                try {
                    results.add(f.get(GUARD_SECONDS, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    results.add(e.getCause());
                } catch (TimeoutException e) {
                    throw new AssertionError("a rank hung for " + GUARD_SECONDS + " s (port " + port + ")", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    /** A loopback port that refuses connections now (nothing listens), from the tests' own range. */
    static InetSocketAddress refusedAddress() {
        for (int i = 0; i < 100; i++) {
            InetSocketAddress address = new InetSocketAddress(HOST, nextPort());
            try (Socket probe = new Socket()) {
                probe.connect(address, 1000);
            } catch (ConnectException refused) {
                return address;
            } catch (IOException other) {
                // try the next one
            }
        }
        throw new IllegalStateException("no refused loopback port among 100");
    }
}
