package dev.jacreg.distributed;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A worker whose master does not listen (yet): it says once that it waits, gives up after the short master wait and
 * not the rendezvous timeout, and a master that starts late is found. An address that cannot work fails at once. The
 * command line's side of these is DistributedCliFailureTest's (core/cli).
 */
class RefusedMasterTest {
    /** Far above every window used here, far below the --dist-timeout given: a run that waits for that one hangs. */
    static final Duration GUARD = Duration.ofSeconds(Ranks.GUARD_SECONDS);

    @Test
    void aRefusedMasterFailsAfterTheWindowWithOneWaitingLine() {
        InetSocketAddress address = Ranks.refusedAddress();
        List<String> lines = new CopyOnWriteArrayList<>();
        ConnectException e = assertTimeoutPreemptively(GUARD, () -> assertThrows(ConnectException.class,
                () -> MasterAddress.awaitListening(address, Duration.ofMillis(1500), lines::add)));
        String where = "127.0.0.1:" + address.getPort();
        assertEquals("nothing accepted a connection at " + where + " within 1.5 s (connection refused)", e.getMessage());
        assertEquals(List.of("waiting for the master at " + where + ": connection refused; retrying for up to 1.5 s"), lines);
    }

    @Test
    void aMasterThatStartsWhileTheWorkerWaitsIsFound() throws Exception {
        InetSocketAddress address = Ranks.refusedAddress();
        CountDownLatch waiting = new CountDownLatch(1);
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread master = Thread.ofPlatform().start(() -> {
            try {
                waiting.await();  // the worker has been refused at least once
                try (ServerSocket server = new ServerSocket(address.getPort(), 1, address.getAddress())) {
                    server.accept().close();
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTimeoutPreemptively(GUARD, () -> MasterAddress.awaitListening(address, GUARD, line -> {
            lines.add(line);
            waiting.countDown();
        }));
        master.join(TimeUnit.SECONDS.toMillis(Ranks.GUARD_SECONDS));
        assertEquals(1, lines.size(), lines.toString());  // one line however many refusals
    }

    @Test
    void anAddressThatCannotWorkFailsAtOnce() {
        assertEquals("master host 'no-such-host.invalid' cannot be resolved",
                assertThrows(IllegalArgumentException.class, () -> MasterAddress.resolve("no-such-host.invalid", 29500))
                        .getMessage());
        assertEquals("master port must be in 1..65535, got 0",
                assertThrows(IllegalArgumentException.class, () -> MasterAddress.resolve("127.0.0.1", 0)).getMessage());
        assertEquals("master port must be in 1..65535, got 65536",
                assertThrows(IllegalArgumentException.class, () -> MasterAddress.resolve("127.0.0.1", 65536)).getMessage());
        assertEquals(new InetSocketAddress("127.0.0.1", 7), MasterAddress.resolve("127.0.0.1", 7));
    }
}
