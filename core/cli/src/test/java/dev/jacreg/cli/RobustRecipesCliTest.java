package dev.jacreg.cli;

import dev.jacreg.cli.JacregCliTest.Run;
import dev.jacreg.experiment.ReportWriter;
import dev.jacreg.experiment.RobustSettings;
import dev.jacreg.experiment.RunSetting;
import dev.jacreg.experiment.WeightsMetadata;
import dev.jacreg.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code experiment --models pgd-at,trades --robust-epsilon 0.05 --robust-steps 3 --trades-beta 2} end to end on a tiny
 * set: the report's Settings table shows the three values, each net's weights file records them (and reads them back),
 * and each recipe's loss, as recorded, is built from them.
 */
class RobustRecipesCliTest {
    @TempDir
    static Path dir;

    @Test
    void theRobustSettingsReachTheNetsTheReportAndTheWeightsMetadata() throws IOException {
        Path out = dir.resolve("robust");
        Run r = JacregCliTest.run("experiment", "--models", "pgd-at,trades", "--robust-epsilon", "0.05",
                "--robust-steps", "3", "--trades-beta", "2", "--data", "synthetic:200,100", "--epochs", "1",
                "--noise-levels", "0,0.3", "--no-diagnostics", "--jobs", "2", "--out", out.toString(),
                "--cache-dir", dir.resolve("cache").toString());
        assertEquals(0, r.code(), r.err());

        String report = Files.readString(out.resolve(ReportWriter.REPORT_MD));
        assertTrue(report.contains("| " + RunSetting.ROBUST_EPSILON.description() + " | 0.05 |"), report);
        assertTrue(report.contains("| " + RunSetting.ROBUST_STEPS.description() + " | 3, each of 2.5·ε/3 |"), report);
        assertTrue(report.contains("| " + RunSetting.TRADES_BETA.description() + " | 2 |"), report);

        RobustSettings given = new RobustSettings(0.05, 3, 2);
        for (String net : new String[]{"pgd-at", "trades"}) {
            Map<String, String> metadata = SafeTensors.read(out.resolve(net + ReportWriter.WEIGHTS_SUFFIX)).metadata();
            assertEquals("0.05", metadata.get("robust_epsilon"), net);
            assertEquals("3", metadata.get("robust_steps"), net);
            assertEquals("2", metadata.get("trades_beta"), net);
            assertEquals(given, WeightsMetadata.parse(metadata).settings().robust(), net);
            assertTrue(metadata.get("loss").contains("ε = 0.05"), metadata.get("loss"));
        }
        String pgdAt = SafeTensors.read(out.resolve("pgd-at" + ReportWriter.WEIGHTS_SUFFIX)).metadata().get("loss");
        assertTrue(pgdAt.contains("3 steps"), pgdAt);
        String trades = SafeTensors.read(out.resolve("trades" + ReportWriter.WEIGHTS_SUFFIX)).metadata().get("loss");
        assertTrue(trades.contains("β = 2.0") && trades.contains("by 3 signed steps"), trades);
    }
}
