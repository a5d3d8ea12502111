package dev.jacreg.distributed;

import dev.jacreg.cli.JacregCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A worker whose master does not listen (yet): it says once that it waits, gives up after the short master wait and
 * not the rendezvous timeout, and a master that starts late is found. An address that cannot work fails at once.
 */
class RefusedMasterTest {
    /** Far above every window used here, far below the --dist-timeout given: a run that waits for that one hangs. */
    static final Duration GUARD = Duration.ofSeconds(Ranks.GUARD_SECONDS);

    @Test
    void aRefusedMasterFailsAfterTheWindowWithOneWaitingLine() {
        InetSocketAddress address = refusedAddress();
        List<String> lines = new CopyOnWriteArrayList<>();
        ConnectException e = assertTimeoutPreemptively(GUARD, () -> assertThrows(ConnectException.class,
                () -> MasterAddress.awaitListening(address, Duration.ofMillis(1500), lines::add)));
        String where = "127.0.0.1:" + address.getPort();
        assertEquals("nothing accepted a connection at " + where + " within 1.5 s (connection refused)", e.getMessage());
        assertEquals(List.of("waiting for the master at " + where + ": connection refused; retrying for up to 1.5 s"), lines);
    }

    @Test
    void aMasterThatStartsWhileTheWorkerWaitsIsFound() throws Exception {
        InetSocketAddress address = refusedAddress();
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

    @Test
    void theCliWorkerGivesUpAfterMasterWaitNotTheDistTimeout(@TempDir Path out) {
        InetSocketAddress address = refusedAddress();
        String master = "127.0.0.1:" + address.getPort();
        String[] err = new String[1];
        int code = assertTimeoutPreemptively(GUARD, () -> CliRun.run(err, "train", "--data", "synthetic:64,32", "--epochs", "1",
                "--out", out.resolve("run").toString(), "--world-size", "2", "--rank", "1", "--master", master,
                "--master-wait", "1", "--dist-timeout", "3600"));
        assertEquals(JacregCli.RUNTIME_ERROR, code, err[0]);
        assertTrue(err[0].contains("rank 1 of 2: waiting for the master at " + master + ": connection refused"), err[0]);
        assertTrue(err[0].contains("jacreg train: error: --master " + master + ": nothing accepted a connection at "
                + master + " within 1 s (connection refused); is rank 0 running there?"), err[0]);
        assertFalse(err[0].contains("\tat "), "no stack trace: " + err[0]);
        assertFalse(Files.exists(out.resolve("run")), "the empty output folder is removed again");
    }

    @Test
    void theCliRejectsAnUnresolvableMasterAndABadWaitBeforeAnyWork() {
        String[] err = new String[1];
        assertEquals(JacregCli.USAGE_ERROR, CliRun.run(err, "train", "--world-size", "2", "--rank", "1",
                "--master", "no-such-host.invalid:29500"));
        assertTrue(err[0].contains("--master no-such-host.invalid:29500: master host 'no-such-host.invalid' cannot be "
                + "resolved"), err[0]);
        assertEquals(JacregCli.USAGE_ERROR, CliRun.run(err, "train", "--world-size", "2", "--rank", "1",
                "--master", "127.0.0.1:29500", "--master-wait", "0"));
        assertTrue(err[0].contains("--master-wait must be a number of seconds in (0, 86400], got 0.0"), err[0]);
    }

    /** A loopback port that refuses connections now (nothing listens), from the tests' own range. */
    private static InetSocketAddress refusedAddress() {
        for (int i = 0; i < 100; i++) {
            InetSocketAddress address = new InetSocketAddress(Ranks.HOST, Ranks.nextPort());
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
