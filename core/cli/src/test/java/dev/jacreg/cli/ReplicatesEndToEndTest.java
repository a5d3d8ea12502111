package dev.jacreg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.cli.JacregCliTest.Run;
import dev.jacreg.experiment.ReplicateReport;
import dev.jacreg.experiment.ReportWriter;
import dev.jacreg.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code experiment --replicates} end to end on a tiny set (200 training, 100 test images, 1 epoch, 2 noise levels):
 * the tables and report, and determinism — the same seeds give the same numbers whether the replicates run on
 * one thread or two, and a seed run alone gives what it gave as one of several replicates.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicatesEndToEndTest {
    @TempDir
    static Path dir;

    private static Run experiment(String out, String... more) {
        List<String> args = new ArrayList<>(List.of("experiment", "--data", "synthetic:200,100", "--epochs", "1",
                "--noise-levels", "0,0.3", "--out", dir.resolve(out).toString(), "--cache-dir", dir.resolve("cache").toString()));
        args.addAll(List.of(more));
        Run r = JacregCliTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return r;
    }

    private static List<String> lines(String out, String file) throws IOException {
        return Files.readAllLines(dir.resolve(out).resolve(file));
    }

    @Test
    @Order(1)
    void twoReplicatesWriteTablesReportAndSeedFolders() throws IOException {
        Run r = experiment("two", "--replicates", "2", "--jobs", "2");
        assertTrue(r.out().contains("2 replicates"), r.out());

        List<String> acc = lines("two", ReplicateReport.REPLICATES_CSV);
        assertEquals(List.of("seed,noise,accuracy_jacobian,accuracy_reference"), acc.subList(0, 1));
        assertEquals(1 + 2 * 2, acc.size(), acc.toString());
        assertTrue(acc.get(1).matches("0,0,[01]\\.\\d{4},[01]\\.\\d{4}"), acc.get(1));
        assertTrue(acc.get(2).startsWith("0,0.3,"), acc.get(2));
        assertTrue(acc.get(3).startsWith("1,0,") && acc.get(4).startsWith("1,0.3,"), acc.toString());

        List<String> norms = lines("two", ReplicateReport.NORMS_CSV);
        assertEquals("seed,norm_jacobian,norm_reference", norms.get(0));
        assertEquals(3, norms.size(), norms.toString());
        assertTrue(norms.get(1).startsWith("0,") && norms.get(2).startsWith("1,"), norms.toString());
        // Different seeds: different initial weights, batches and directions, so different nets.
        assertNotEquals(norms.get(1).substring(2), norms.get(2).substring(2));

        List<String> summary = lines("two", ReplicateReport.SUMMARY_CSV);
        assertEquals(ReplicateReport.SUMMARY_HEADER, summary.get(0));
        assertEquals(3, summary.size());

        String report = Files.readString(dir.resolve("two").resolve(ReportWriter.REPORT_MD));
        assertTrue(report.contains("2 replicates"), report);
        assertTrue(report.contains("| noise | Jacobian regularization | Reference | difference (points) | jacobian ahead |"),
                report);
        assertTrue(report.contains("| seed | Jacobian regularization | Reference | reference / jacobian |"), report);
        assertTrue(report.contains("](seed-0/report.md)") && report.contains("](accuracy.png)"), report);
        assertTrue(Files.isRegularFile(dir.resolve("two").resolve(ReportWriter.ACCURACY_PNG)));
        for (String seed : List.of("seed-0", "seed-1")) {
            for (String name : ReportWriter.FILES) {
                assertTrue(Files.isRegularFile(dir.resolve("two").resolve(seed).resolve(name)), seed + "/" + name);
            }
        }
        Map<String, String> meta = SafeTensors.read(dir.resolve("two/seed-1/jacobian.safetensors")).metadata();
        assertEquals("1", meta.get("seed"));
        assertEquals("0", meta.get("data_seed"));
    }

    @Test
    @Order(2)
    void oneThreadGivesTheSameNumbersAsTwo() throws IOException {
        experiment("two-serial", "--seeds", "0,1", "--jobs", "1");
        assertEquals(lines("two", ReplicateReport.REPLICATES_CSV), lines("two-serial", ReplicateReport.REPLICATES_CSV));
        assertEquals(lines("two", ReplicateReport.NORMS_CSV), lines("two-serial", ReplicateReport.NORMS_CSV));
        assertEquals(Files.readString(dir.resolve("two/seed-0/training-loss.csv")),
                Files.readString(dir.resolve("two-serial/seed-0/training-loss.csv")));
    }

    @Test
    @Order(3)
    void aSeedAloneGivesWhatItGaveAsAReplicate() throws IOException {
        experiment("alone", "--seed", "1");
        Path out = dir.resolve("alone");
        for (String name : ReportWriter.FILES) assertTrue(Files.isRegularFile(out.resolve(name)), name);
        List<String> acc = lines("alone", ReplicateReport.REPLICATES_CSV);
        List<String> fromReplicates = lines("two", ReplicateReport.REPLICATES_CSV);
        assertEquals(List.of(fromReplicates.get(0), fromReplicates.get(3), fromReplicates.get(4)), acc);
        List<String> norms = lines("alone", ReplicateReport.NORMS_CSV);
        assertEquals(List.of(lines("two", ReplicateReport.NORMS_CSV).get(0), lines("two", ReplicateReport.NORMS_CSV).get(2)),
                norms);
        // The single-run accuracy table holds the same numbers.
        List<String> single = lines("alone", ReportWriter.ACCURACY_CSV);
        assertEquals("0" + acc.get(1).substring(acc.get(1).indexOf(',', 2)), single.get(1));
    }

    @Test
    void badReplicateOptionsAreUsageErrors() {
        for (String[] bad : List.of(new String[]{"--replicates", "0"}, new String[]{"--seeds", "1,1"},
                new String[]{"--replicates", "3", "--seeds", "1,2"}, new String[]{"--jobs", "0", "--replicates", "2"})) {
            List<String> args = new ArrayList<>(List.of("experiment", "--out", dir.resolve("bad").toString()));
            args.addAll(List.of(bad));
            Run r = JacregCliTest.run(args.toArray(String[]::new));
            assertEquals(JacregCli.USAGE_ERROR, r.code(), String.join(" ", bad) + ": " + r.err());
            assertTrue(r.err().contains(bad[0]), r.err());
        }
    }
}
