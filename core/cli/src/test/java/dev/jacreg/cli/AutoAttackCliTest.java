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

    /**
     * The L2 Square attack from the command line: {@code experiment} and {@code evaluate} on its saved nets give the
     * same table, and AutoAttack in L2 runs its Square part, which the black-box sanity check compares with the APGD
     * part.
     */
    @Test
    void l2SquareRunsAloneAndInAutoAttackAndEvaluateReproducesIt() throws IOException {
        JacregCliTest.Run r = JacregCliTest.run(args("l2", "--attacks", "square", "--attack-norm", "l2",
                "--epsilons", "0,1", "--square-queries", "20"));
        assertEquals(0, r.code(), r.err());
        Path exp = dir.resolve("l2"), eval = dir.resolve("l2-eval");
        JacregCliTest.Run e = JacregCliTest.run(new String[]{"evaluate", "--out", eval.toString(),
                "--model", exp.resolve("jacobian.safetensors").toString(),
                "--model", exp.resolve("reference.safetensors").toString(), "--attacks", "square,autoattack",
                "--attack-norm", "l2", "--epsilons", "0,1", "--square-queries", "20", "--apgd-iterations", "3"});
        assertEquals(0, e.code(), e.err());
        List<String> table = Files.readAllLines(exp.resolve("attack-square.csv"));
        assertEquals(3, table.size(), table.toString());
        assertEquals(table, Files.readAllLines(eval.resolve("attack-square.csv")));
        String report = Files.readString(eval.resolve("robustness.md"));
        assertTrue(report.contains("Square (L2, 20 queries, p_init 0.8) is a black box"), "Square's settings");
        assertTrue(report.contains("APGD-T (L2, 3 iterations, 9 targets), FAB-T (L2, 3 iterations, 9 targets) and "
                + "Square (L2, 20 queries"), "in AutoAttack, in the standard order");
        String squarePart = report.lines()
                .filter(l -> l.startsWith("| Reference") && l.contains(" | autoattack: Square part | "))
                .findFirst().orElseThrow(() -> new AssertionError("no Square part row in\n" + report));
        String blackBoxCell = squarePart.split(" \\| ")[4];
        assertTrue(blackBoxCell.startsWith("ok (ε 1:") || blackBoxCell.startsWith("**FLAG**"), squarePart);
    }

    /** FAB-T alone: its table and settings, its iterations from --apgd-iterations, in the report. */
    @Test
    void fabTRunsAlone() throws IOException {
        JacregCliTest.Run r = JacregCliTest.run(args("fab", "--attacks", "fab-t", "--attack-norm", "l2",
                "--epsilons", "0,1", "--apgd-iterations", "3"));
        assertEquals(0, r.code(), r.err());
        Path out = dir.resolve("fab");
        List<String> csv = Files.readAllLines(out.resolve("attack-fab-t.csv"));
        assertEquals(List.of("epsilon,accuracy_jacobian,accuracy_reference"), csv.subList(0, 1));
        assertEquals(3, csv.size(), csv.toString());
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("FAB-T (Croce & Hein 2020, targeted, as in AutoAttack) seeks the smallest L2 "
                + "perturbation"), "FAB-T's settings");
        assertTrue(report.contains("| Reference | fab-t |"), "its sanity checks");
    }

    @Test
    void badAttackOptionsAreUsageErrorsBeforeAnyWork() {
        String[][] bad = {
                args("bad1", "--attacks", "pgd", "--pgd-restarts", "3"),
                args("bad2", "--attacks", "pgd", "--pgd-random-start", "--pgd-restarts", "0"),
                args("bad3", "--attacks", "apgd-ce", "--apgd-iterations", "0"),
                args("bad4", "--attacks", "square", "--square-queries", "1"),
                args("bad5", "--attacks", "autoattack", "--attack-norm", "l2", "--square-queries", "0"),
                args("bad6", "--attacks", "autoattack", "--apgd-iterations", "-2"),
                args("bad7", "--attacks", "fab-t", "--apgd-iterations", "0"),
                args("bad8", "--attacks", "fab-t", "--square-queries", "30"),
        };
        String[] options = {"--pgd-restarts", "--pgd-restarts", "--apgd-iterations", "--square-queries",
                "--square-queries", "--apgd-iterations", "--apgd-iterations", "--square-queries"};
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
