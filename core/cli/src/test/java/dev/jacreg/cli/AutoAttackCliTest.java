package dev.jacreg.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * --attacks autoattack end to end on a tiny run (200 training, 100 test images, 1 epoch, small budgets): its table, the
 * version's settings and the sanity-check table reach the report and the terminal; the new attack options are usage
 * errors, one line naming the option, before any work.
 */
class AutoAttackCliTest {
    @TempDir
    static Path dir;

    private static String[] args(String out, String... more) {
        List<String> all = new java.util.ArrayList<>(List.of("experiment", "--out", dir.resolve(out).toString(),
                "--cache-dir", dir.resolve("cache").toString(), "--data", "synthetic:200,100", "--epochs", "1"));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void autoattackWritesItsTableSettingsAndSanityChecks() throws IOException {
        JacregCliTest.Run r = JacregCliTest.run(args("exp", "--attacks", "autoattack", "--epsilons", "0,0.1",
                "--apgd-iterations", "3", "--square-queries", "20"));
        assertEquals(0, r.code(), r.err());
        Path out = dir.resolve("exp");
        List<String> csv = Files.readAllLines(out.resolve("attack-autoattack.csv"));
        assertEquals("epsilon,accuracy_jacobian,accuracy_reference", csv.get(0));
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("AutoAttack (Croce & Hein 2020) as the per-image worst case"), "the version's settings");
        int sanity = report.indexOf("### Sanity checks of the attacks");
        assertTrue(sanity > 0 && sanity < report.indexOf("## Settings"), "the sanity table before the settings");
        for (String model : List.of("| Jacobian regularization | autoattack |", "| Reference | autoattack |",
                "| Reference | autoattack: Square part |")) {
            assertTrue(report.contains(model), model);
        }
        assertTrue(r.out().contains("Sanity checks of the attacks"), r.out());
    }

    @Test
    void badAttackOptionsAreUsageErrorsBeforeAnyWork() {
        String[][] bad = {
                args("bad1", "--attacks", "pgd", "--pgd-restarts", "3"),
                args("bad2", "--attacks", "pgd", "--pgd-random-start", "--pgd-restarts", "0"),
                args("bad3", "--attacks", "apgd-ce", "--apgd-iterations", "0"),
                args("bad4", "--attacks", "square", "--square-queries", "1"),
                args("bad5", "--attacks", "square", "--attack-norm", "l2"),
                args("bad6", "--attacks", "autoattack", "--apgd-iterations", "-2"),
        };
        String[] options = {"--pgd-restarts", "--pgd-restarts", "--apgd-iterations", "--square-queries", "square",
                "--apgd-iterations"};
        for (int i = 0; i < bad.length; i++) {
            String[] a = bad[i];
            JacregCliTest.Run r = JacregCliTest.run(a);
            assertEquals(JacregCli.USAGE_ERROR, r.code(), String.join(" ", a) + "\n" + r.err());
            assertTrue(r.err().contains(options[i]), "names " + options[i] + ": " + r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
            assertFalse(Files.exists(Path.of(a[2])), "refused before any work: " + String.join(" ", a));
        }
    }
}
