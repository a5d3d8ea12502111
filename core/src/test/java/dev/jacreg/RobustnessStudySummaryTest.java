package dev.jacreg;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * bench/drivers/robustness-study-summary.py on a hand-made results folder (three seeds, two models): its means,
 * 95 % t intervals and differences paired by seed equal the ones computed here from the same accuracies, its
 * PyTorch cross-check table marks exactly the radii more than 1 point apart, its APGD-CE/PGD time per iteration comes
 * from the throughput lines, and every sanity-check flag of the runs reaches summary.md.
 */
class RobustnessStudySummaryTest {
    private static final Path PROJECT = Path.of(System.getProperty("jacreg.project", "..")).toAbsolutePath().normalize();
    private static final String[] MODELS = {"jacobian", "pgd-at"};
    private static final String[] EPSILONS = {"0", "0.1", "0.3"};
    /** accuracy[model][seed][epsilon]; pgd-at's differences from the penalty vary by seed. */
    private static final double[][][] AUTOATTACK = {
            {{0.98, 0.40, 0.02}, {0.96, 0.30, 0.00}, {0.98, 0.44, 0.04}},
            {{0.96, 0.70, 0.10}, {0.98, 0.76, 0.02}, {0.94, 0.58, 0.06}}};
    /** Student's t, 0.975 quantile, 2 degrees of freedom (three replicates). */
    private static final double T_2 = 4.303;

    @TempDir
    Path dir;

    @Test
    void summaryMatchesIndependentStatistics() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(PythonTorch.PYTHON)), "skipped: needs " + PythonTorch.PYTHON);
        Path digits = Files.createDirectories(dir.resolve("digits"));
        Files.writeString(dir.resolve("settings.txt"), "robustness-study: AutoAttack on the first 50 test images\n");
        Files.writeString(digits.resolve("accuracy-replace-replicates.csv"), """
                seed,noise,accuracy_jacobian,accuracy_pgd-at
                0,0,0.99,0.98
                1,0,0.98,0.97
                2,0,0.99,0.99
                """);
        Files.writeString(digits.resolve("models-replicates.csv"), """
                seed,model,training_seconds,median_ms_per_iteration
                0,jacobian,10,5
                1,jacobian,12,6
                2,jacobian,14,7
                0,pgd-at,30,15
                1,pgd-at,30,15
                2,pgd-at,30,15
                """);
        Path attacks = Files.createDirectories(digits.resolve("attacks"));
        for (int m = 0; m < MODELS.length; m++) {
            for (int seed = 0; seed < 3; seed++) {
                Path run = Files.createDirectories(attacks.resolve(seed + "-" + MODELS[m] + "-linf"));
                StringBuilder csv = new StringBuilder("epsilon,accuracy_\n");
                for (int e = 0; e < EPSILONS.length; e++) csv.append(EPSILONS[e]).append(',').append(AUTOATTACK[m][seed][e]).append('\n');
                Files.writeString(run.resolve("attack-autoattack.csv"), csv);
                Files.writeString(run.resolve("robustness.md"), m == 1 && seed == 2
                        ? "Flagged (the numbers above ...):\n\n- pgd-at under autoattack: black box fails, possible gradient masking\n"
                        : "Every model passes every applicable check.\n");
            }
            // The cross-check: Java APGD-CE against PyTorch's, 0.5 point apart for the penalty, 2 points for pgd-at.
            Path check = Files.createDirectories(attacks.resolve("check-" + MODELS[m] + "-linf"));
            Files.writeString(check.resolve("attack-apgd-ce.csv"), "epsilon,accuracy_\n0,0.98\n0.1,0.500\n0.3,0.05\n");
            Files.writeString(attacks.resolve("check-" + MODELS[m] + "-linf.pytorch.json"),
                    "{\"norm\": \"linf\", \"epsilons\": [0, 0.1, 0.3], \"count\": 200, \"apgd-ce\": [0.98, "
                            + (m == 0 ? "0.505" : "0.52") + ", 0.05]}\n");
            // 100 images x 2 radii x 10 iterations: APGD-CE 4 s (2 ms per image-iteration), PGD 2 s (1 ms).
            Files.writeString(attacks.resolve("check-" + MODELS[m] + "-linf.log"), """
                    jacreg: throughput: x under APGD-CE (L∞, 10 iterations): 100 images x 2 radii in 4.0 s, 50.0 images/s
                    jacreg: throughput: x under PGD (L∞, 10 steps, random start): 100 images x 2 radii in 2.0 s, 100.0 images/s
                    """);
        }

        Process p = new ProcessBuilder(PythonTorch.PYTHON, PROJECT.resolve("bench/drivers/robustness-study-summary.py").toString(),
                dir.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String summary = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), summary);

        Map<String, Map<String, String>> rows = csvByFirstColumn(digits.resolve("autoattack-linf-summary.csv"));
        for (int e = 0; e < EPSILONS.length; e++) {
            Map<String, String> row = rows.get(EPSILONS[e]);
            double[] penalty = column(0, e), pgdAt = column(1, e), difference = new double[3];
            for (int s = 0; s < 3; s++) difference[s] = pgdAt[s] - penalty[s];
            assertEquals(mean(pgdAt), Double.parseDouble(row.get("mean_pgd-at")), 1e-4);
            assertEquals(T_2 * sd(pgdAt) / Math.sqrt(3), Double.parseDouble(row.get("ci_half_pgd-at")), 1e-4);
            assertEquals(mean(difference), Double.parseDouble(row.get("difference_pgd-at")), 1e-4);
            assertEquals(T_2 * sd(difference) / Math.sqrt(3), Double.parseDouble(row.get("ci_half_difference_pgd-at")), 1e-4);
            long ahead = Arrays.stream(difference).filter(d -> d > 0).count();
            assertEquals(ahead, Long.parseLong(row.get("ahead_pgd-at")), "epsilon " + EPSILONS[e]);
        }

        Map<String, Map<String, String>> cross = new HashMap<>();
        for (Map<String, String> r : csvRows(digits.resolve("apgd-crosscheck.csv"))) cross.put(r.get("model") + "@" + r.get("epsilon"), r);
        assertEquals("yes", cross.get("jacobian@0.1").get("within_1_point"));
        assertEquals("no", cross.get("pgd-at@0.1").get("within_1_point"));
        assertEquals("yes", cross.get("pgd-at@0.3").get("within_1_point"));
        assertTrue(summary.contains("1 beyond 1 point"), summary);

        assertTrue(summary.contains("APGD-CE costs 2.00 ms per image and iteration, PGD 1.00 ms"), summary);
        assertTrue(summary.contains("a ratio of 2.00"), summary);
        assertTrue(summary.contains("possible gradient masking"), summary);
        assertTrue(summary.contains("1 flags"), summary);
    }

    private static double[] column(int model, int epsilon) {
        return Arrays.stream(AUTOATTACK[model]).mapToDouble(seed -> seed[epsilon]).toArray();
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElseThrow();
    }

    private static double sd(double[] v) {
        double m = mean(v), ss = 0;
        for (double x : v) ss += (x - m) * (x - m);
        return Math.sqrt(ss / (v.length - 1));
    }

    private static List<Map<String, String>> csvRows(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String[] header = lines.get(0).split(",", -1);
        return lines.subList(1, lines.size()).stream().map(l -> {
            String[] cells = l.split(",", -1);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < header.length; i++) row.put(header[i], cells[i]);
            return row;
        }).toList();
    }

    private static Map<String, Map<String, String>> csvByFirstColumn(Path file) throws IOException {
        String first = Files.readAllLines(file).get(0).split(",")[0];
        Map<String, Map<String, String>> byKey = new HashMap<>();
        for (Map<String, String> r : csvRows(file)) byKey.put(r.get(first), r);
        return byKey;
    }
}
