package dev.jacreg.cli;

import dev.jacreg.experiment.SweepReport;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * --attacks and --corruption end to end on a tiny run (200 training, 100 test images, 1 epoch): the experiment's
 * default output is unchanged without them; with them it writes the attack and corruption tables and a report
 * section; with --seeds each replicate gets the single-seed run's tables and the main report their means; evaluate on the saved weights gets the very same numbers (random starts included); bad options are usage errors.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RobustnessCliTest {
    @TempDir
    static Path dir;

    private static String[] args(String command, String out, String... more) {
        List<String> all = new java.util.ArrayList<>(List.of(command, "--out", dir.resolve(out).toString(),
                "--cache-dir", dir.resolve("cache").toString()));
        if (command.equals("experiment")) all.addAll(List.of("--data", "synthetic:200,100", "--epochs", "1"));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    @Order(1)
    void experimentWithAttacksAndCorruptionsWritesTablesAndAReportSection() throws IOException {
        JacregCliTest.Run r = JacregCliTest.run(args("experiment", "exp", "--noise-levels", "0,0.2", "--attacks", "fgsm,pgd",
                "--epsilons", "0,0.05,0.1", "--pgd-steps", "3", "--pgd-random-start", "--corruption", "replace,gaussian,salt-pepper"));
        assertEquals(0, r.code(), r.err());
        Path out = dir.resolve("exp");
        for (String name : List.of("attack-fgsm", "attack-pgd")) {
            List<String> csv = Files.readAllLines(out.resolve(name + ".csv"));
            assertEquals("epsilon,accuracy_jacobian,accuracy_reference", csv.get(0), name);
            assertEquals(4, csv.size(), csv.toString());
            assertTrue(Files.size(out.resolve(name + ".png")) > 1000, name + ".png");
        }
        assertEquals("sigma,accuracy_jacobian,accuracy_reference",
                Files.readAllLines(out.resolve("accuracy-gaussian.csv")).get(0));
        List<String> sp = Files.readAllLines(out.resolve("accuracy-salt-pepper.csv"));
        assertEquals("proportion,accuracy_jacobian,accuracy_reference", sp.get(0));
        assertEquals(List.of("0", "0.2"), sp.subList(1, 3).stream().map(l -> l.split(",")[0]).toList());
        // At ε = 0 the attacks are the clean test set, so their first row equals accuracy.csv's.
        String cleanRow = Files.readAllLines(out.resolve("accuracy.csv")).get(1).substring(1);
        assertEquals(cleanRow, Files.readAllLines(out.resolve("attack-pgd.csv")).get(1).substring(1));
        String report = Files.readString(out.resolve("report.md"));
        int section = report.indexOf("## " + SweepReport.HEADING);
        assertTrue(section > 0 && section < report.indexOf("## Settings"), "section before the settings");
        assertTrue(report.contains("](attack-fgsm.png)") && report.contains("](accuracy-gaussian.png)"));
    }

    @Test
    @Order(2)
    void evaluateOnTheSavedNetsReproducesTheAttackTables() throws IOException {
        Path exp = dir.resolve("exp");
        JacregCliTest.Run r = JacregCliTest.run(args("evaluate", "eval", "--model", exp.resolve("jacobian.safetensors").toString(),
                "--model", exp.resolve("reference.safetensors").toString(), "--attacks", "fgsm,pgd",
                "--epsilons", "0,0.05,0.1", "--pgd-steps", "3", "--pgd-random-start", "--corruption", "gaussian,salt-pepper",
                "--noise-levels", "0,0.2"));
        assertEquals(0, r.code(), r.err());
        Path out = dir.resolve("eval");
        for (String name : List.of("attack-fgsm.csv", "attack-pgd.csv", "accuracy-gaussian.csv", "accuracy-salt-pepper.csv")) {
            assertEquals(Files.readAllLines(exp.resolve(name)), Files.readAllLines(out.resolve(name)), name);
        }
        assertFalse(Files.exists(out.resolve("accuracy.csv")), "replace was not asked for");
        assertTrue(Files.readString(out.resolve(SweepReport.ROBUSTNESS_MD)).startsWith("## " + SweepReport.HEADING));
    }

    @Test
    @Order(3)
    void defaultExperimentWritesNoRobustnessFiles() throws IOException {
        JacregCliTest.Run r = JacregCliTest.run(args("experiment", "plain", "--noise-levels", "0,0.5"));
        assertEquals(0, r.code(), r.err());
        try (var files = Files.list(dir.resolve("plain"))) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("attack-") || n.startsWith("accuracy-")).toList());
        }
        assertFalse(Files.readString(dir.resolve("plain/report.md")).contains("## " + SweepReport.HEADING));
    }

    @Test
    @Order(4)
    void replicatesGetTheSingleSeedTablesAndTheirMeans() throws IOException {
        String[] sweep = {"--noise-levels", "0,0.3", "--attacks", "fgsm", "--epsilons", "0,0.1", "--corruption", "gaussian"};
        JacregCliTest.Run single = JacregCliTest.run(args("experiment", "seed1", concat(sweep, "--seed", "1")));
        assertEquals(0, single.code(), single.err());
        JacregCliTest.Run r = JacregCliTest.run(args("experiment", "reps", concat(sweep, "--seeds", "0,1", "--jobs", "2")));
        assertEquals(0, r.code(), r.err());
        Path reps = dir.resolve("reps");
        for (String name : List.of("attack-fgsm.csv", "accuracy-gaussian.csv")) {
            assertEquals(Files.readAllLines(dir.resolve("seed1").resolve(name)),
                    Files.readAllLines(reps.resolve("seed-1").resolve(name)), "seed 1's " + name);
        }
        // The summary's mean is the mean of the two seeds' rows.
        List<String> s0 = Files.readAllLines(reps.resolve("seed-0/attack-fgsm.csv"));
        List<String> s1 = Files.readAllLines(reps.resolve("seed-1/attack-fgsm.csv"));
        List<String> summary = Files.readAllLines(reps.resolve("attack-fgsm-summary.csv"));
        assertEquals("epsilon,replicates,mean_jacobian,ci_low_jacobian,ci_high_jacobian,mean_reference,ci_low_reference,"
                + "ci_high_reference", summary.get(0));
        for (int i = 1; i <= 2; i++) {
            String[] a = s0.get(i).split(","), b = s1.get(i).split(","), m = summary.get(i).split(",");
            assertEquals("2", m[1]);
            assertEquals((Double.parseDouble(a[1]) + Double.parseDouble(b[1])) / 2, Double.parseDouble(m[2]), 1e-9);
            assertEquals((Double.parseDouble(a[2]) + Double.parseDouble(b[2])) / 2, Double.parseDouble(m[5]), 1e-9);
        }
        assertEquals(5, Files.readAllLines(reps.resolve("accuracy-gaussian-replicates.csv")).size());
        assertTrue(Files.readString(reps.resolve("report.md")).contains("## " + SweepReport.HEADING));
        assertTrue(Files.readString(reps.resolve("seed-0/report.md")).contains("## " + SweepReport.HEADING));
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void badOptionsAreUsageErrorsBeforeAnyWork() {
        String[][] bad = {
                args("experiment", "bad1", "--attacks", "deepfool"),
                args("experiment", "bad2", "--attacks", "fgsm", "--attack-norm", "l3"),
                args("experiment", "bad3", "--attacks", "pgd", "--pgd-steps", "0"),
                args("experiment", "bad4", "--attacks", "fgsm", "--epsilons", "0,-0.1"),
                args("experiment", "bad5", "--corruption", "blur"),
                args("experiment", "bad6", "--corruption", "gaussian", "--noise-levels", "0,-1"),
                args("experiment", "bad7", "--attacks", "fgsm", "--seeds", "0,1", "--epsilons", "NaN"),
        };
        for (String[] a : bad) {
            JacregCliTest.Run r = JacregCliTest.run(a);
            assertEquals(JacregCli.USAGE_ERROR, r.code(), String.join(" ", a) + "\n" + r.err());
            // refused before any work: --out was not even created
            assertFalse(Files.exists(Path.of(a[2])), String.join(" ", a));
        }
    }
}
