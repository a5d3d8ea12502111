package dev.jacreg.distributed;

import dev.jacreg.cli.JacregCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The command line's side of RefusedMasterTest and ProcessGroupTest (core): a worker whose master does not listen
 * gives up after --master-wait, not --dist-timeout; an address or wait that cannot work is a usage error before any
 * work; a shim without Gloo is one error line before any training.
 */
class DistributedCliFailureTest {
    /** Far above every window used here, far below the --dist-timeout given: a run that waits for that one hangs. */
    static final Duration GUARD = Duration.ofSeconds(Ranks.GUARD_SECONDS);

    @Test
    void theCliWorkerGivesUpAfterMasterWaitNotTheDistTimeout(@TempDir Path out) {
        InetSocketAddress address = Ranks.refusedAddress();
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

    @Test
    void withoutGlooTheCliSaysSoInOneLineBeforeAnyTraining(@TempDir Path out) {
        if (Ranks.glooBuilt()) return;  // with Gloo there is nothing to refuse (ProcessGroupTest checks the build)
        String[] err = new String[1];
        int code = CliRun.run(err, "train", "--data", "synthetic:64,32", "--epochs", "1", "--out", out.resolve("run").toString(),
                "--world-size", "1", "--rank", "0", "--master", Ranks.HOST + ":" + Ranks.nextPort());
        assertEquals(JacregCli.RUNTIME_ERROR, code, err[0]);
        List<String> errors = err[0].lines().filter(line -> line.contains("error")).toList();
        assertEquals(List.of("jacreg train: error: this jacreg build has no c10d backend (built without Gloo headers: "
                + "install libgloo-dev, or use a libtorch that ships them, and rebuild) (--verbose shows details)"), errors);
        assertFalse(err[0].contains("training"), err[0]);
    }
}
