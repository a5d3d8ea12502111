package dev.jacreg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README and docs/ quote no number that has drifted from its results file, show the CLI's current help texts,
 * and link only to what exists: tools/Docs.java --check, run once on the repository (one JVM for all commands' help
 * texts, taken in-process from picocli). The checker itself is tested on a small made-up tree where the truth is
 * known: a stale table, a broken link and a missing heading must fail it, and writing must fix the table.
 */
class DocsTest {
    private static final Path PROJECT = Path.of(System.getProperty("jacreg.project", "..")).toAbsolutePath().normalize();

    record Run(int exitCode, String output) {}

    static Run docs(Path root, boolean check) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                PROJECT.resolve("tools/Docs.java").toString()));
        if (check) command.add("--check");
        command.add(root.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "tools/Docs.java did not finish");
        return new Run(process.exitValue(), output);
    }

    @Test
    void readmeAndDocsAreCurrentAndTheirLinksResolve() throws Exception {
        Run run = docs(PROJECT, true);
        assertEquals(0, run.exitCode(), "tools/Docs.java --check failed (run 'make docs'):\n" + run.output());
    }

    @Test
    void checkerFindsStaleNumbersAndBrokenLinksAndWritingFixesTheNumbers(@TempDir Path root) throws Exception {
        Path run = root.resolve("bench/results/study/2026-01-02");
        Files.createDirectories(run);
        Files.writeString(root.resolve("bench/results/study/LATEST"), "2026-01-02\n");
        Files.writeString(run.resolve("report.md"), "# r\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\ntext\n\n| c |\n|---|\n| 9 |\n");
        Files.writeString(run.resolve("accuracy-summary.csv"), """
                noise,replicates,mean_jacobian,ci_low_jacobian,ci_high_jacobian,mean_reference,ci_low_reference,ci_high_reference,mean_difference,ci_low_difference,ci_high_difference,jacobian_ahead
                0,3,0.99,0.98,1.0,0.99,0.98,1.0,-0.0004,-0.0051,0.0043,1
                0.3,3,0.9,0.8,1.0,0.8,0.7,0.9,0.1,0.05,0.15,3
                0.5,3,0.6,0.5,0.7,0.4,0.3,0.5,0.2,-0.012,0.412,2
                """);
        Files.writeString(run.resolve("jacobian-norms.csv"), "seed,norm_jacobian,norm_reference\n0,1,2\n1,2,2\n2,3,4\n");
        Files.writeString(root.resolve("README.md"), """
                # T

                <!-- generated: table bench/results/study/LATEST/report.md 2 -->
                | c |
                |---|
                | 8 |
                <!-- /generated -->

                Cell: <!-- generated: csv bench/results/study/LATEST/accuracy-summary.csv 0.3 mean_jacobian %.1f x100 -->90.0<!-- /generated -->.
                <!-- generated: replicate-summary bench/results/study/LATEST --><!-- /generated -->

                [ok](bench/results/study/2026-01-02/report.md), [gone](docs/missing.md), [here](#t), [nowhere](#nope)
                """);

        Run check = docs(root, true);
        assertEquals(1, check.exitCode(), check.output());
        assertTrue(check.output().contains("README.md: <!-- generated: table bench/results/study/LATEST/report.md 2 --> differs"), check.output());
        assertTrue(check.output().contains("link to docs/missing.md does not resolve"), check.output());
        assertTrue(check.output().contains("no heading for #nope"), check.output());
        assertTrue(!check.output().contains("csv bench/results"), "the csv cell was current: " + check.output());
        assertTrue(!check.output().contains("#t"), "#t is a heading: " + check.output());

        docs(root, false);
        String written = Files.readString(root.resolve("README.md"));
        assertTrue(written.contains("<!-- generated: table bench/results/study/LATEST/report.md 2 -->\n| c |\n|---|\n| 9 |\n<!-- /generated -->"), written);
        // Differences in points with their 95 % interval, the last level's "ahead" count, mean norms (2/3 = 0.67).
        assertTrue(written.contains("3 replicates: regularized − reference +0.0 [−0.5, +0.4] points on clean images, "
                + "+10.0 [+5.0, +15.0] at p = 0.3 and +20.0 [−1.2, +41.2] at p = 0.5 (ahead in 2 of 3); the regularized "
                + "net's mean ‖J‖²_F is 0.75× the reference's (smaller in 2 of 3)"), written);

        Files.writeString(root.resolve("README.md"), written.replace(", [gone](docs/missing.md)", "").replace(", [nowhere](#nope)", ""));
        Run fixed = docs(root, true);
        assertEquals(0, fixed.exitCode(), fixed.output());
    }
}
