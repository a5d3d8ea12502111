package dev.jacreg.distributed;

import dev.jacreg.ShimFreshness;
import dev.jacreg.TorchException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * bind; so the ports come from {@link MasterPorts}' range below the kernel's ephemeral one (which connect() and
 * bind(0), c10d's and Gloo's own sockets included, never hand out), each free when picked, and a run whose rank 0
 * found its port in use is repeated on the next one. Test JVMs running at once (several builds on one machine, a
 * test's child JVM) never pick the same port: each port is claimed with a lock on a file of its own under
 * {@value #LOCK_FOLDER} in the temporary folder, held until this JVM ends. Were two JVMs to share a port, one's rank 1
 * could join the other's rank 0 and both runs would fail in ways that have nothing to do with what they test.
 */
final class Ranks {
    /** A hang guard only: every test's collectives time out far sooner. */
    static final long GUARD_SECONDS = 120;
    static final String HOST = "127.0.0.1";
    static final String LOCK_FOLDER = "jacreg-test-ports";

    private static final int PORT_COUNT = MasterPorts.END - MasterPorts.FIRST;
    /** Sequential from a random start: no two picks of this JVM collide, and the locks keep other JVMs off. */
    private static final AtomicInteger NEXT = new AtomicInteger(ThreadLocalRandom.current().nextInt(PORT_COUNT));
    /** The claimed ports' locks, held (open) until this JVM exits, which releases them. */
    private static final List<FileChannel> CLAIMS = new ArrayList<>();
    /** A port claimed by {@link #peekPort} and not yet handed out, else 0. */
    private static int pending;
    static final int ATTEMPTS = 5;

    private Ranks() {}

    /** A port for one attempt; use it through {@link #onFreshPort}, which retries when it turns out taken. */
    static synchronized int nextPort() {
        if (pending != 0) {
            int port = pending;
            pending = 0;
            return port;
        }
        return claimNext();
    }

    /** The port {@link #nextPort} will give next, claimed already (for the test of the retry itself). */
    static synchronized int peekPort() {
        if (pending == 0) pending = claimNext();
        return pending;
    }

    /** The next port in this JVM's sequence that no other test JVM has claimed and nothing is bound to now. */
    private static int claimNext() {
        for (int i = 0; i < PORT_COUNT; i++) {
            int port = MasterPorts.FIRST + Math.floorMod(NEXT.getAndIncrement(), PORT_COUNT);
            if (claim(port) && !MasterPorts.inUse(port)) return port;
        }
        throw new IllegalStateException("no free port in " + MasterPorts.FIRST + ".." + (MasterPorts.END - 1));
    }

    /** Locks the port's file; false when another JVM holds it. Without a usable lock folder the port is just used. */
    private static boolean claim(int port) {
        Path folder = Path.of(System.getProperty("java.io.tmpdir"), LOCK_FOLDER);
        FileChannel channel;
        try {
            Files.createDirectories(folder);
            channel = FileChannel.open(folder.resolve(Integer.toString(port)), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            return true;  // e.g. a lock folder of another user: the retry on "address in use" still guards
        }
        boolean usable;
        try {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                CLAIMS.add(channel);
                return true;
            }
            usable = false;  // another JVM holds it
        } catch (OverlappingFileLockException e) {
            usable = false;  // this JVM holds it already (the sequence wrapped around)
        } catch (IOException e) {
            usable = true;   // a file system without locks: as without a lock folder
        }
        try {
            channel.close();
        } catch (IOException e) {
            // nothing held
        }
        return usable;
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
