package dev.jacreg.cli;

import dev.jacreg.cli.JacregCliTest.Run;
import dev.jacreg.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * --penalty-estimator, --penalty-every and --penalty-subset: a bad value is a usage error naming option and value; a
 * finite-difference penalty on every second step, and a penalty on a quarter of each batch, train and are recorded.
 */
class PenaltyEstimatorOptionTest {
    @TempDir
    Path dir;

    @Test
    void anUnknownEstimatorIsAUsageErrorBeforeAnyWork() {
        Run r = JacregCliTest.run("train", "--penalty-estimator", "jvp", "--data", "synthetic:200,100", "--out",
                dir.resolve("out").toString(), "--cache-dir", dir.resolve("cache").toString());
        assertEquals(JacregCli.USAGE_ERROR, r.code(), r.err());
        assertTrue(r.err().contains("--penalty-estimator") && r.err().contains("jvp"), r.err());
        assertFalse(Files.exists(dir.resolve("out")), "nothing written");
    }

    @Test
    void aPenaltyIntervalBelowOneIsAUsageError() {
        Run r = JacregCliTest.run("train", "--penalty-every", "0", "--data", "synthetic:200,100", "--out",
                dir.resolve("out").toString(), "--cache-dir", dir.resolve("cache").toString());
        assertEquals(JacregCli.USAGE_ERROR, r.code(), r.err());
        assertTrue(r.err().contains("--penalty-every must be >= 1, got 0"), r.err());
        assertFalse(Files.exists(dir.resolve("out")), "nothing written");
    }

    @Test
    void aPenaltySubsetOutsideZeroToOneIsAUsageError() {
        for (String bad : new String[]{"0", "1.5", "-0.25", "NaN"}) {
            Run r = JacregCliTest.run("train", "--penalty-subset", bad, "--data", "synthetic:200,100", "--out",
                    dir.resolve("out").toString(), "--cache-dir", dir.resolve("cache").toString());
            assertEquals(JacregCli.USAGE_ERROR, r.code(), r.err());
            assertTrue(r.err().contains("--penalty-subset"), r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            assertFalse(Files.exists(dir.resolve("out")), "nothing written");
        }
        Run r = JacregCliTest.run("train", "--lambda", "0", "--penalty-subset", "0.5", "--data", "synthetic:200,100",
                "--out", dir.resolve("out").toString(), "--cache-dir", dir.resolve("cache").toString());
        assertEquals(JacregCli.USAGE_ERROR, r.code(), r.err());
        assertTrue(r.err().contains("--penalty-subset has no effect with --lambda 0"), r.err());
    }

    @Test
    void aPenaltySubsetTrainsAndIsRecordedInTheWeightsAndTheReport() throws IOException {
        Run r = JacregCliTest.run("train", "--penalty-subset", "0.25", "--data", "synthetic:200,100", "--epochs", "1",
                "--out", dir.toString(), "--cache-dir", dir.resolve("cache").toString());
        assertEquals(0, r.code(), r.err());
        Map<String, String> meta = SafeTensors.read(dir.resolve("jacobian.safetensors")).metadata();
        assertEquals("0.25", meta.get("penalty_subset"));
        var rows = Files.readAllLines(dir.resolve("training-loss.csv"));
        int column = java.util.List.of(rows.get(0).split(",")).indexOf("penalty_jacobian");
        assertTrue(column > 0 && rows.size() > 1, rows.get(0));
        for (int i = 1; i < rows.size(); i++) {
            double penalty = Double.parseDouble(rows.get(i).split(",", -1)[column]);
            assertTrue(penalty > 0 && Double.isFinite(penalty), "penalty of iteration " + i + ": " + penalty);
        }
    }

    @Test
    void finiteDifferenceTrainsAndIsRecordedInTheWeights() throws IOException {
        Run r = JacregCliTest.run("train", "--penalty-estimator", "finite-difference", "--penalty-every", "2",
                "--data", "synthetic:200,100", "--epochs", "1", "--out", dir.toString(), "--cache-dir", dir.resolve("cache").toString());
        assertEquals(0, r.code(), r.err());
        Map<String, String> meta = SafeTensors.read(dir.resolve("jacobian.safetensors")).metadata();
        assertEquals("finite_difference", meta.get("penalty_estimator"));
        assertEquals("2", meta.get("penalty_every"));
        // The penalty is recorded on iterations 1, 3, 5, … (0-based 0, 2, 4, …) only.
        var rows = Files.readAllLines(dir.resolve("training-loss.csv"));
        int column = java.util.List.of(rows.get(0).split(",")).indexOf("penalty_jacobian");
        assertTrue(column > 0 && rows.size() > 3, rows.get(0));
        for (int i = 1; i < rows.size(); i++) {
            String cell = rows.get(i).split(",", -1)[column];
            assertEquals(i % 2 == 1, !cell.isEmpty(), "penalty cell of iteration " + i + ": '" + cell + "'");
        }
    }
}
