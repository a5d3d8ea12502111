package dev.jacreg.cli;

import dev.jacreg.distributed.MasterPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * --nproc picks rank 0's port before rank 0 can bind it. Another program that takes the port in between costs a
 * relaunch on a new port, not the run.
 */
class LauncherPortRaceTest {
    @Test
    void aPortTakenBeforeRankZeroBindsItIsReplacedByAnother(@TempDir Path out) throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        // Another program listening (and accepting connections into its backlog, so rank 1 gets through to it) on the
        // port the launcher is handed first, as if it had bound it right after the pick.
        try (ServerSocket other = new ServerSocket(0, 50, loopback)) {
            int taken = other.getLocalPort();
            List<Integer> handed = new ArrayList<>();
            LocalLauncher.PortSource ports = () -> {
                int port = handed.isEmpty() ? taken : MasterPorts.pick();
                handed.add(port);
                return port;
            };
            List<String> args = LocalLauncher.withOut(List.of("train", "--nproc", "2", "--data", "synthetic:64,32",
                    "--epochs", "1", "--batch-size", "32", "--dist-timeout", "120"), out);
            ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
            int code = new LocalLauncher(2, args, new PrintStream(errBytes, true, StandardCharsets.UTF_8), ports)
                    .run(() -> false);
            String err = errBytes.toString(StandardCharsets.UTF_8);

            assertEquals(JacregCli.OK, code, err);
            assertEquals(2, handed.size(), handed.toString());
            assertEquals(taken, handed.get(0));
            assertTrue(err.contains("starting 2 ranks on 127.0.0.1:" + taken + "\n"), err);
            assertTrue(err.contains("port " + taken + " was taken by another program before rank 0 could listen there; "
                    + "starting the ranks again on another port (attempt 2 of " + LocalLauncher.PORT_ATTEMPTS + ")"), err);
            assertTrue(err.contains("starting 2 ranks on 127.0.0.1:" + handed.get(1) + "\n"), err);
            assertFalse(err.contains("failed (exit"), err);
            assertTrue(Files.size(out.resolve("jacobian.safetensors")) > 100, "rank 0 wrote the weights");
        }
    }
}
