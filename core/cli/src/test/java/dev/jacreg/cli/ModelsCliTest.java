package dev.jacreg.cli;

import dev.jacreg.cli.JacregCliTest.Run;
import dev.jacreg.experiment.ModelComparison;
import dev.jacreg.experiment.ReplicateReport;
import dev.jacreg.experiment.ReportWriter;
import dev.jacreg.experiment.SweepReport;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code experiment --models} end to end on a tiny set (200 training, 100 test images, 1 epoch): every model gets a
 * column in every sweep (pixel noise, attacks) with a chart, and a row with its recipe, exact Jacobian norm and training
 * time; the pair's own outputs are those of a run without --models; --jobs 1 and 2 write the same numbers; with
 * replicates the paired differences from the reference come with "ahead" counts; models without the pair write a full
 * report with no paired-difference column.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ModelsCliTest {
    @TempDir
    static Path dir;

    private static final String MODELS = "jacobian,reference,noise-augment";

    private static Run experiment(String out, String... more) {
        List<String> args = new ArrayList<>(List.of("experiment", "--data", "synthetic:200,100", "--epochs", "1",
                "--noise-levels", "0,0.3", "--no-diagnostics", "--out", dir.resolve(out).toString(),
                "--cache-dir", dir.resolve("cache").toString()));
        args.addAll(List.of(more));
        Run r = JacregCliTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return r;
    }

    /** A CSV row's cells; commas inside double quotes do not split. */
    private static String[] cells(String row) {
        return row.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)");
    }

    private static List<String> lines(String out, String file) throws IOException {
        return Files.readAllLines(dir.resolve(out).resolve(file));
    }

    @Test
    @Order(1)
    void threeModelsWithAttacksWriteEveryTableChartAndTheModelsSection() throws IOException {
        Run r = experiment("three", "--models", MODELS, "--attacks", "fgsm,pgd", "--epsilons", "0,0.1", "--pgd-steps", "2",
                "--jobs", "2");
        Path out = dir.resolve("three");
        for (String name : List.of("accuracy-replace", "attack-fgsm", "attack-pgd")) {
            List<String> csv = lines("three", name + ".csv");
            assertTrue(csv.get(0).endsWith(",accuracy_jacobian,accuracy_reference,accuracy_noise-augment"), csv.get(0));
            assertEquals(3, csv.size(), name);
            assertTrue(Files.size(out.resolve(name + ".png")) > 1000, name + ".png");
        }
        // Every model's pixel-noise numbers are the same in the models table and in accuracy.csv.
        assertEquals(lines("three", "accuracy-replace.csv"), lines("three", ReportWriter.ACCURACY_CSV));
        List<String> models = lines("three", ModelComparison.MODELS_CSV);
        assertEquals(4, models.size(), models.toString());
        assertTrue(models.get(3).startsWith("noise-augment,\"cross-entropy\",\"pixel replacement, p ~ U(0, 0.5) per image\",0,"),
                models.get(3));
        for (String row : models.subList(1, 4)) {
            String[] cells = cells(row);
            assertTrue(Double.parseDouble(cells[4]) > 0, "exact Jacobian norm: " + row);
            assertTrue(Double.parseDouble(cells[5]) > 0, "training time: " + row);
        }
        assertTrue(Files.size(out.resolve("noise-augment.safetensors")) > 1000);
        String report = Files.readString(out.resolve(ReportWriter.REPORT_MD));
        int section = report.indexOf("## " + ModelComparison.HEADING);
        assertTrue(section > 0 && section < report.indexOf("## " + SweepReport.HEADING), "models section before the sweeps");
        assertTrue(report.contains("| Noise augmentation |") && report.contains("](accuracy-replace.png)"));
        assertTrue(r.out().contains("noise-augment"), r.out());
    }

    @Test
    @Order(2)
    void theModelsDoNotChangeThePairsNumbersAndOneJobGivesTheSameAsTwo() throws IOException {
        experiment("three-serial", "--models", MODELS, "--attacks", "fgsm,pgd", "--epsilons", "0,0.1", "--pgd-steps", "2",
                "--jobs", "1");
        for (String file : List.of("accuracy-replace.csv", "attack-fgsm.csv", "attack-pgd.csv", ReportWriter.ACCURACY_CSV,
                ReplicateReport.NORMS_CSV, ReportWriter.LOSS_CSV)) {
            assertEquals(lines("three", file), lines("three-serial", file), file);
        }
        List<String> a = lines("three", ModelComparison.MODELS_CSV), b = lines("three-serial", ModelComparison.MODELS_CSV);
        for (int i = 0; i < a.size(); i++) {  // all but the timings (columns 5 and 6)
            List<String> x = new ArrayList<>(List.of(cells(a.get(i)))), y = new ArrayList<>(List.of(cells(b.get(i))));
            x.subList(5, 7).clear();
            y.subList(5, 7).clear();
            assertEquals(x, y);
        }
        experiment("pair", "--jobs", "2");
        // The third model's columns come last: without them, the pair's own files.
        for (String file : List.of(ReportWriter.ACCURACY_CSV, ReportWriter.LOSS_CSV)) {
            assertEquals(lines("pair", file), lines("three", file).stream().map(l -> l.replaceAll(",[^,]*$", "")).toList(),
                    file);
        }
        assertFalse(Files.exists(dir.resolve("pair").resolve(ModelComparison.MODELS_CSV)), "the pair alone: no models table");
    }

    @Test
    @Order(3)
    void replicatesSummariseEveryModelWithPairedDifferencesFromTheReference() throws IOException {
        experiment("reps", "--models", "jacobian,reference,weight-decay", "--seeds", "0,1", "--jobs", "2");
        List<String> diff = lines("reps", "accuracy-replace-difference.csv");
        assertEquals("noise,replicates,mean_difference_jacobian,ci_low_difference_jacobian,ci_high_difference_jacobian,"
                + "ahead_jacobian,mean_difference_weight-decay,ci_low_difference_weight-decay,"
                + "ci_high_difference_weight-decay,ahead_weight-decay", diff.get(0));
        assertEquals(3, diff.size());
        List<String> summary = lines("reps", ModelComparison.MODELS_SUMMARY_CSV);
        assertEquals(4, summary.size(), summary.toString());
        assertTrue(summary.get(3).startsWith("weight-decay,2,"), summary.get(3));
        assertEquals(1 + 2 * 3, lines("reps", ModelComparison.MODELS_REPLICATES_CSV).size());
        String report = Files.readString(dir.resolve("reps").resolve(ReportWriter.REPORT_MD));
        assertTrue(report.contains("Weight decay − reference | ahead"), report);
        assertTrue(report.contains("## " + ModelComparison.HEADING));
        // Seed 0 of the replicates is the single run of seed 0.
        experiment("seed0", "--models", "jacobian,reference,weight-decay", "--seed", "0", "--jobs", "1");
        assertEquals(lines("seed0", "accuracy-replace.csv"), lines("reps", "seed-0/accuracy-replace.csv"));
    }

    @Test
    @Order(4)
    void modelsWithoutThePairWriteAFullReportWithoutPairedDifferences() throws IOException {
        experiment("no-pair", "--models", "noise-augment,weight-decay");
        Path out = dir.resolve("no-pair");
        for (String name : ReportWriter.files(List.of("noise-augment", "weight-decay"))) {
            assertTrue(Files.size(out.resolve(name)) > 0, name);
        }
        assertFalse(Files.exists(out.resolve("jacobian.safetensors")));
        assertEquals("noise,accuracy_noise-augment,accuracy_weight-decay", lines("no-pair", ReportWriter.ACCURACY_CSV).get(0));
        assertEquals("seed,norm_noise-augment,norm_weight-decay", lines("no-pair", ReplicateReport.NORMS_CSV).get(0));
        assertEquals("iteration,epoch,loss_noise-augment,loss_weight-decay", lines("no-pair", ReportWriter.LOSS_CSV).get(0));
        String report = Files.readString(out.resolve(ReportWriter.REPORT_MD));
        assertTrue(report.startsWith("# Noise augmentation vs. weight decay under pixel noise\n"), report);
        assertTrue(report.contains("| noise | Noise augmentation | Weight decay |\n"), "no difference column: " + report);
        assertFalse(report.contains("difference"), report);
        for (String heading : List.of("## Accuracy under pixel noise", "## Jacobian norm", "## Training",
                "## A single test image", "## Timings", "## Settings", "## Environment", "## " + ModelComparison.HEADING)) {
            assertTrue(report.contains(heading + "\n"), heading);
        }
        // Two models: two weight files, and the models' own accuracy table agrees with accuracy.csv.
        assertEquals(lines("no-pair", "accuracy-replace.csv"), lines("no-pair", ReportWriter.ACCURACY_CSV));
    }
}
