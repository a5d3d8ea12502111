package dev.jacreg.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.io.SafeTensors;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.Evaluator;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.TrainingConfig;
import dev.jacreg.train.TrainingProgress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Experiment} stopped early (as Ctrl-C does) on a tiny synthetic set, and {@link ReportWriter} on the
 * result: everything is still written and marked as stopped early; the saved weights reproduce the trained nets'
 * predictions; a file that cannot be written does not cost the others.
 */
class ExperimentReportTest {
    private static final int TRAIN = 320, TEST = 100, EPOCHS = 2, PER_EPOCH = TRAIN / 32;

    @TempDir
    static Path cache;

    @TempDir
    Path dir;

    private static ExperimentConfig config(Path out) {
        return new ExperimentConfig(TrainingConfig.builder().epochs(EPOCHS).seed(7).build(), JacobianPenalty.reference(),
                new DataSource.Synthetic(TRAIN, TEST, cache), out, new double[]{0, 0.1, 0.3}, 0.15, 50, DType.FLOAT32);
    }

    /** Runs the experiment with a stop request once {@code stopAfter} iterations (both nets together) are done. */
    private static Experiment.Outcome runStoppingAfter(ExperimentConfig config, int stopAfter) throws IOException {
        AtomicInteger iterations = new AtomicInteger();
        ExperimentListener counter = new ExperimentListener() {
            @Override
            public void iteration(String net, TrainingProgress progress) {
                iterations.incrementAndGet();
            }
        };
        return new Experiment(config, counter, () -> iterations.get() >= stopAfter).run();
    }

    @Test
    void stopDuringRegularizedTrainingStillWritesEverything() throws IOException {
        Path out = dir.resolve("out");
        ExperimentConfig config = config(out);
        try (Experiment.Outcome outcome = runStoppingAfter(config, 5)) {
            ExperimentResult r = outcome.result();
            assertEquals(5, r.model(Experiment.JACOBIAN).training().iterations());
            assertTrue(r.model(Experiment.JACOBIAN).training().stoppedEarly());
            assertEquals(0, r.model(Experiment.REFERENCE).training().iterations(), "the reference is not started after a stop");

            List<Path> written = new ReportWriter(out).write(outcome);
            assertEquals(ReportWriter.FILES.size(), written.size());
            for (String name : ReportWriter.FILES) assertTrue(Files.size(out.resolve(name)) > 0, name);

            String report = Files.readString(out.resolve("report.md"));
            assertTrue(report.startsWith("# Jacobian regularization vs. reference under pixel noise (stopped early)"),
                    report.lines().findFirst().orElse(""));
            assertTrue(report.contains("**⚠ Training was stopped early.**")
                    && report.contains("trained 5 of " + EPOCHS * PER_EPOCH + " iterations"), report);

            Map<String, String> jacobian = SafeTensors.read(out.resolve("jacobian.safetensors")).metadata();
            assertEquals("true", jacobian.get("stopped_early"));
            assertEquals("5", jacobian.get("iterations"));
            assertEquals("7", jacobian.get("seed"));
            assertEquals("synthetic:" + TRAIN + "," + TEST, jacobian.get("data"));
            Map<String, String> reference = SafeTensors.read(out.resolve("reference.safetensors")).metadata();
            assertEquals("0", reference.get("iterations"));

            List<String> loss = Files.readAllLines(out.resolve("training-loss.csv"));
            assertEquals(ReportWriter.LOSS_HEADER, loss.get(0));
            assertEquals(6, loss.size(), loss.toString());
            assertTrue(loss.get(5).matches("5,1,[^,]+,[^,]+,"), "reference cell empty: " + loss.get(5));
            assertTrue(ImageIO.read(out.resolve("training-loss.png").toFile()).getWidth() > 0);

            assertWeightsReproducePredictions(outcome, out);
            assertOneFailedFileCostsNoOther(outcome);
        }
    }

    @Test
    void stopDuringReferenceTrainingKeepsTheRegularizedNet() throws IOException {
        Path out = dir.resolve("out");
        int full = EPOCHS * PER_EPOCH;
        try (Experiment.Outcome outcome = runStoppingAfter(config(out), full + 3)) {
            ExperimentResult r = outcome.result();
            assertEquals(full, r.model(Experiment.JACOBIAN).training().iterations());
            assertFalse(r.model(Experiment.JACOBIAN).training().stoppedEarly());
            assertEquals(3, r.model(Experiment.REFERENCE).training().iterations());
            assertTrue(r.model(Experiment.REFERENCE).training().stoppedEarly());

            new ReportWriter(out).write(outcome);
            assertEquals("false", SafeTensors.read(out.resolve("jacobian.safetensors")).metadata().get("stopped_early"));
            assertEquals("true", SafeTensors.read(out.resolve("reference.safetensors")).metadata().get("stopped_early"));
            String report = Files.readString(out.resolve("report.md"));
            assertTrue(report.contains("the reference net 3 of " + full), report);
            List<String> loss = Files.readAllLines(out.resolve("training-loss.csv"));
            assertEquals(1 + full, loss.size());
            assertTrue(loss.get(3).matches("3,1,[^,]+,[^,]+,[^,]+"), loss.get(3));
            assertTrue(loss.get(4).matches("4,1,[^,]+,[^,]+,"), loss.get(4));
            List<String> accuracy = Files.readAllLines(out.resolve("accuracy.csv"));
            assertEquals(List.of(ReportWriter.ACCURACY_HEADER), accuracy.subList(0, 1));
            assertEquals(4, accuracy.size());
        }
    }

    @Test
    void stopBeforeTheFirstIterationStillWritesAReport() throws IOException {
        Path out = dir.resolve("out");
        try (Experiment.Outcome outcome = runStoppingAfter(config(out), 0)) {
            assertEquals(0, outcome.result().model(Experiment.JACOBIAN).training().iterations());
            new ReportWriter(out).write(outcome);
            assertEquals(List.of(ReportWriter.LOSS_HEADER), Files.readAllLines(out.resolve("training-loss.csv")));
            assertTrue(ImageIO.read(out.resolve("training-loss.png").toFile()).getWidth() > 0);
            String report = Files.readString(out.resolve("report.md"));
            assertTrue(report.contains("trained 0 of " + EPOCHS * PER_EPOCH + " iterations"), report);
            assertTrue(report.contains("The reference net was not trained at all"), report);
            // The process's peak resident memory, from /proc/self/status where there is one.
            assertTrue(report.contains("| peak resident memory of the process (VmHWM) | "
                    + PeakMemory.describe(outcome.result().environment().peakResidentBytes()) + " |"), report);
            assertEquals(Files.isReadable(PeakMemory.STATUS), outcome.result().environment().peakResidentBytes().isPresent());
            assertEquals("0", SafeTensors.read(out.resolve("jacobian.safetensors")).metadata().get("iterations"));
        }
    }

    /** Fresh networks loaded from the files predict exactly what the trained ones do. */
    private static void assertWeightsReproducePredictions(Experiment.Outcome outcome, Path out) throws IOException {
        DigitDataset test = outcome.result().config().data().load(7)[1];
        try (DeviceDataset data = new DeviceDataset(test, DType.FLOAT32); TensorScope scope = TensorScope.open()) {
            for (String name : List.of(Experiment.JACOBIAN, Experiment.REFERENCE)) {
                Sequential trained = outcome.net(name);
                Tensor mean = Tensor.zeros(DType.FLOAT32, 1, 1, test.height(), test.width());
                try (Sequential fresh = SeedNetwork.create(mean, test.height(), test.width(), DType.FLOAT32)) {
                    ModelFiles.load(fresh, out.resolve(name + ".safetensors"));
                    assertArrayEquals(Evaluator.predict(trained, data.images(), 50).toLongArray(),
                            Evaluator.predict(fresh, data.images(), 50).toLongArray(), name);
                }
            }
        }
    }

    /** A target that cannot be replaced (a non-empty folder in the way) fails that file only. */
    private void assertOneFailedFileCostsNoOther(Experiment.Outcome outcome) throws IOException {
        Path out = dir.resolve("blocked");
        Files.createDirectories(out.resolve("accuracy.png").resolve("occupied"));
        IOException e = assertThrows(IOException.class, () -> new ReportWriter(out).write(outcome));
        assertTrue(e.getMessage().contains("accuracy.png"), e.getMessage());
        assertTrue(e.getMessage().startsWith("could not write 1 of"), e.getMessage());
        for (String name : ReportWriter.FILES) {
            if (!name.equals("accuracy.png")) assertTrue(Files.isRegularFile(out.resolve(name)), name);
        }
        assertTrue(Files.readString(out.resolve("report.md")).contains("Some files could not be written:** accuracy.png"));
        try (var files = Files.list(out)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList());
        }
    }
}
