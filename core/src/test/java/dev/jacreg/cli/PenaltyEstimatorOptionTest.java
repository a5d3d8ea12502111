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

/** --penalty-estimator: a bad value is a usage error naming option and value; finite-difference trains and is recorded. */
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
    void finiteDifferenceTrainsAndIsRecordedInTheWeights() throws IOException {
        Run r = JacregCliTest.run("train", "--penalty-estimator", "finite-difference", "--data", "synthetic:200,100",
                "--epochs", "1", "--out", dir.toString(), "--cache-dir", dir.resolve("cache").toString());
        assertEquals(0, r.code(), r.err());
        Map<String, String> meta = SafeTensors.read(dir.resolve("jacobian.safetensors")).metadata();
        assertEquals("finite_difference", meta.get("penalty_estimator"));
        // The penalty was computed and is finite on every iteration.
        var rows = Files.readAllLines(dir.resolve("training-loss.csv"));
        assertTrue(rows.size() > 1, "training-loss.csv has iterations");
    }
}
