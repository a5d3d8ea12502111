package dev.jacreg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.cli.JacregCliTest.Run;
import dev.jacreg.experiment.ReportWriter;
import dev.jacreg.io.SafeTensors;
import dev.jacreg.io.SafeTensorsEntry;
import dev.jacreg.io.SafeTensorsFile;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI end to end on a small synthetic set (1,000 training, 500 test images, 2 epochs): {@code experiment}
 * writes every file, {@code evaluate} on its weights reproduces its accuracy table exactly, and {@code train} gives
 * the same net as the experiment and the same clean accuracy as {@code evaluate}. About 25 s on two cores.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliEndToEndTest {
    private static final String DATA = "synthetic:1000,500";
    /**
     * Measured: 0.740 (regularized) and 0.794 (reference) after 2 epochs of the stabilised default, whose rate drops
     * ×0.1 after epoch 1 of 2 (0.900 and 0.944 with a constant rate); chance is 0.1.
     */
    private static final double MIN_CLEAN_ACCURACY = 0.6;

    @TempDir
    static Path dir;

    private static Path cache() {
        return dir.resolve("cache");
    }

    private static Path experimentOut() {
        return dir.resolve("experiment");
    }

    private static String[] common(String command, Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of(command, "--data", DATA, "--epochs", "2",
                "--out", out.toString(), "--cache-dir", cache().toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    @Order(1)
    void experimentWritesEveryFile() throws IOException {
        long start = System.nanoTime();
        Run r = JacregCliTest.run(common("experiment", experimentOut(), "--noise-levels", "0,0.25,0.5"));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(0, r.code(), r.err());
        System.out.printf("experiment on %s: %.1f s%n%s", DATA, seconds, r.out());
        Path out = experimentOut();
        for (String name : ReportWriter.FILES) assertTrue(Files.isRegularFile(out.resolve(name)), name);
        try (var files = Files.list(out)) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList(),
                    "temporary files left behind");
        }

        List<String> accuracy = Files.readAllLines(out.resolve("accuracy.csv"));
        assertEquals(ReportWriter.ACCURACY_HEADER, accuracy.get(0));
        assertEquals(4, accuracy.size(), accuracy.toString());
        String[] clean = accuracy.get(1).split(",");
        assertEquals("0", clean[0]);
        assertTrue(Double.parseDouble(clean[1]) > MIN_CLEAN_ACCURACY, accuracy.toString());
        assertTrue(Double.parseDouble(clean[2]) > MIN_CLEAN_ACCURACY, accuracy.toString());
        assertTrue(accuracy.get(3).startsWith("0.5,"), accuracy.toString());

        List<String> loss = Files.readAllLines(out.resolve("training-loss.csv"));
        assertEquals(ReportWriter.LOSS_HEADER_WITH_DIAGNOSTICS, loss.get(0));  // experiment records diagnostics by default
        assertEquals(1 + 2 * (1000 / 32), loss.size());
        assertTrue(loss.get(1).matches("1,1,[0-9.e+-]+,[0-9.e+-]+,[0-9.e+-]+,.*"), loss.get(1));
        assertTrue(loss.get(loss.size() - 1).startsWith("62,2,"), loss.get(loss.size() - 1));

        assertImage(out.resolve("accuracy.png"), 900, 600);
        assertImage(out.resolve("training-loss.png"), 900, 600);
        BufferedImage preview = assertImage(out.resolve("noise-preview.png"), 0, 0);
        assertTrue(preview.getWidth() > 400 && preview.getHeight() > 200 && preview.getWidth() > preview.getHeight(),
                preview.getWidth() + "x" + preview.getHeight());
        BufferedImage example = assertImage(out.resolve("example.png"), 0, 0);
        assertTrue(example.getWidth() > 200 && example.getHeight() > 150, example.getWidth() + "x" + example.getHeight());

        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("| noise | Jacobian regularization | Reference | difference (points) |"), report);
        assertTrue(report.contains("| 25 % |") && report.contains("| 50 % |"), report);
        for (String png : List.of("accuracy.png", "training-loss.png", "noise-preview.png", "example.png")) {
            assertTrue(report.contains("](" + png + ")"), png);
        }
        assertTrue(report.contains("‖J‖²_F") && report.contains("median training iteration"), report);
        assertTrue(!report.contains("stopped early"), "a full run is not stopped early");

        Map<String, String> meta = SafeTensors.read(out.resolve("jacobian.safetensors")).metadata();
        assertEquals("jacreg", meta.get("format"));
        assertEquals("1", meta.get("lambda"));
        assertEquals("62", meta.get("iterations"));
        assertEquals("false", meta.get("stopped_early"));
        assertEquals(DATA, meta.get("data"));
        assertEquals("0", SafeTensors.read(out.resolve("reference.safetensors")).metadata().get("lambda"));
    }

    @Test
    @Order(2)
    void evaluateReproducesTheExperimentsTable() throws IOException {
        Path out = dir.resolve("evaluate");
        // Reference first on purpose: evaluate puts the regularized net first, from the metadata.
        Run r = JacregCliTest.run("evaluate", "--model", experimentOut().resolve("reference.safetensors").toString(),
                "--model", experimentOut().resolve("jacobian.safetensors").toString(), "--noise-levels", "0,0.25,0.5",
                "--out", out.toString(), "--cache-dir", cache().toString());
        assertEquals(0, r.code(), r.err());
        // Data and seed come from the weights' metadata; the noisy copies are the experiment's, so every
        // prediction, and with it every accuracy, is the same.
        assertEquals(Files.readAllLines(experimentOut().resolve("accuracy.csv")),
                Files.readAllLines(out.resolve("accuracy.csv")));
        assertImage(out.resolve("accuracy.png"), 900, 600);
    }

    @Test
    @Order(3)
    void trainThenEvaluateGiveTheSameCleanAccuracy() throws IOException {
        Path out = dir.resolve("train");
        Run train = JacregCliTest.run(common("train", out, "--lambda", "0"));
        assertEquals(0, train.code(), train.err());
        Matcher m = Pattern.compile("clean test accuracy: ([0-9.]+)").matcher(train.out());
        assertTrue(m.find(), train.out());
        double inProcess = Double.parseDouble(m.group(1));
        assertTrue(inProcess > MIN_CLEAN_ACCURACY, train.out());
        Path weights = out.resolve("reference.safetensors");
        assertTrue(Files.isRegularFile(weights), weights.toString());
        assertEquals("iteration,epoch,loss_reference", Files.readAllLines(out.resolve("training-loss.csv")).get(0));
        assertImage(out.resolve("training-loss.png"), 900, 600);

        Path evaluated = dir.resolve("train-evaluated");
        Run eval = JacregCliTest.run("evaluate", "--model", weights.toString(), "--noise-levels", "0,0.5",
                "--out", evaluated.toString(), "--cache-dir", cache().toString());
        assertEquals(0, eval.code(), eval.err());
        List<String> csv = Files.readAllLines(evaluated.resolve("accuracy.csv"));
        assertEquals("noise,accuracy", csv.get(0));
        assertEquals(3, csv.size());
        assertEquals(inProcess, Double.parseDouble(csv.get(1).split(",")[1]), 1e-12, csv.toString());

        // Same seed, data and settings: the experiment's reference net, bit for bit.
        Path experimentReference = experimentOut().resolve("reference.safetensors");
        if (Files.exists(experimentReference)) {
            SafeTensorsFile a = SafeTensors.read(experimentReference), b = SafeTensors.read(weights);
            assertEquals(a.tensors().keySet(), b.tensors().keySet());
            for (Map.Entry<String, SafeTensorsEntry> e : a.tensors().entrySet()) {
                assertArrayEquals(e.getValue().toFloatArray(), b.get(e.getKey()).toFloatArray(), e.getKey());
            }
        }
    }

    static BufferedImage assertImage(Path file, int width, int height) throws IOException {
        BufferedImage image = ImageIO.read(file.toFile());
        assertTrue(image != null, file + " does not decode as an image");
        if (width > 0) assertEquals(width + "x" + height, image.getWidth() + "x" + image.getHeight(), file.toString());
        return image;
    }
}
