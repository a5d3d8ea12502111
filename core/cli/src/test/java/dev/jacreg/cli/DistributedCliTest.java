package dev.jacreg.cli;

import dev.jacreg.cli.JacregCliTest.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The data-parallel options: bad combinations are usage errors, and --nproc 2 runs two ranks to the end. */
class DistributedCliTest {
    @Test
    void incompleteOrConflictingOptionsAreUsageErrors() {
        Run partial = JacregCliTest.run("train", "--rank", "0", "--epochs", "1");
        assertEquals(JacregCli.USAGE_ERROR, partial.code());
        assertTrue(partial.err().contains("--world-size, --rank and --master go together"), partial.err());

        Run both = JacregCliTest.run("train", "--nproc", "2", "--rank", "0");
        assertEquals(JacregCli.USAGE_ERROR, both.code());
        assertTrue(both.err().contains("--nproc starts the ranks itself"), both.err());

        Run rank = JacregCliTest.run("train", "--world-size", "2", "--rank", "2", "--master", "127.0.0.1:29500");
        assertEquals(JacregCli.USAGE_ERROR, rank.code());
        assertTrue(rank.err().contains("--rank must be in 0..1"), rank.err());

        Run port = JacregCliTest.run("train", "--world-size", "2", "--rank", "0", "--master", "localhost:http");
        assertEquals(JacregCli.USAGE_ERROR, port.code());
        assertTrue(port.err().contains("port must be a number"), port.err());

        Run replicates = JacregCliTest.run("experiment", "--nproc", "2", "--replicates", "3");
        assertEquals(JacregCli.USAGE_ERROR, replicates.code());
        assertTrue(replicates.err().contains("runs one seed"), replicates.err());
    }

    @Test
    void theLauncherPassesEverythingButNproc() {
        assertEquals(List.of("train", "--epochs", "1", "--out", "x"),
                LocalLauncher.withoutNproc(List.of("train", "--nproc", "2", "--epochs", "1", "--nproc=3", "--out", "x")));
    }

    @Test
    void nprocTwoTrainsWithTwoRanksAndRankZeroWrites(@TempDir Path out) {
        Run run = JacregCliTest.run("train", "--nproc", "2", "--data", "synthetic:128,64", "--epochs", "1",
                "--batch-size", "32", "--dist-timeout", "60", "--out", out.toString());
        assertEquals(JacregCli.OK, run.code(), run.err());
        assertTrue(run.err().contains("starting 2 ranks on 127.0.0.1:"), run.err());
        assertTrue(Files.exists(out.resolve("jacobian.safetensors")));
    }
}
