package dev.jacreg.train;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.data.SyntheticDigits;
import dev.jacreg.experiment.DiagnosticsColumns;
import dev.jacreg.experiment.ReportWriter;
import dev.jacreg.nn.BatchNorm2d;
import dev.jacreg.nn.Module;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The diagnostics columns of training-loss.csv on a tiny run, and bn*_min_var against variances computed here. */
class DiagnosticsTest {
    private static final int BATCH = 32;
    /** One batch per epoch holding every image: the variances do not depend on the shuffle. */
    private static final DigitDataset DATA = SyntheticDigits.generate(BATCH, 6);

    @TempDir
    Path dir;

    /** Each batch-norm layer's input for the whole data set, through a twin of the initial net in training mode. */
    private static Map<String, Double> batchNormInputVariances(DeviceDataset data) {
        Map<String, Double> out = new HashMap<>();
        try (TensorScope scope = TensorScope.open()) {
            Torch.manualSeed(5);
            try (Sequential twin = SeedNetwork.create(data.meanImage(), 28, 28, DType.FLOAT32)) {
                twin.setTraining(true);
                Tensor x = data.images();
                for (Map.Entry<String, Module> child : twin.children().entrySet()) {
                    if (child.getValue() instanceof BatchNorm2d) out.put(child.getKey(), BatchVarianceRecordingTest.minChannelVariance(x));
                    x = child.getValue().forward(x);
                }
            }
        }
        return out;
    }

    @Test
    void everyColumnIsThereWithFiniteValuesAndTheBatchVariancesAreRight() throws IOException {
        List<TrainingResult> runs = new ArrayList<>();
        Map<String, Double> expectedVariance;
        try (TensorScope scope = TensorScope.open(); DeviceDataset data = new DeviceDataset(DATA, DType.FLOAT32)) {
            expectedVariance = batchNormInputVariances(data);
            for (RegularizedLoss loss : List.of(new RegularizedLoss(JacobianPenalty.reference()), RegularizedLoss.plain())) {
                Torch.manualSeed(5);
                try (Sequential net = SeedNetwork.create(data.meanImage(), 28, 28, DType.FLOAT32)) {
                    TrainingConfig config = TrainingConfig.builder().epochs(3).batchSize(BATCH).seed(2).diagnostics(true)
                            .schedule(LearningRateSchedule.parse("cosine")).gradientSplitInterval(2).build();
                    runs.add(new Trainer(config, loss).train(net, data, p -> {}, () -> false));
                }
            }
        }
        Path csv = dir.resolve("training-loss.csv");
        ReportWriter.writeTrainingLossCsv(csv, List.of(
                new ReportWriter.NetLoss("jacobian", ReportWriter.JACOBIAN_LABEL, runs.get(0), true),
                new ReportWriter.NetLoss("reference", ReportWriter.REFERENCE_LABEL, runs.get(1), false)), 1);
        List<String> lines = Files.readAllLines(csv);
        assertEquals(ReportWriter.LOSS_HEADER_WITH_DIAGNOSTICS, lines.get(0));
        List<String> header = List.of(lines.get(0).split(",", -1));
        for (String metric : List.of("cross_entropy", "grad_norm_ce", "grad_norm_penalty", "grad_norm_total", "param_norm",
                "bn1_min_var", "bn2_min_var", "bn3_min_var", "mean_max_prob", "mean_logit_norm", "lr", "lambda")) {
            assertTrue(header.contains(metric + "_jacobian") && header.contains(metric + "_reference"), metric);
        }
        assertEquals(4, lines.size());
        List<String[]> rows = new ArrayList<>();
        for (String line : lines.subList(1, 4)) rows.add(line.split(",", -1));
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            assertEquals(header.size(), row.length);
            for (int c = 0; c < header.size(); c++) {
                if (header.get(c).equals("grad_norm_penalty_reference")) {
                    assertEquals("", row[c], "no penalty gradient without a penalty");
                } else if (r == 1 && List.of("grad_norm_ce_jacobian", "grad_norm_penalty_jacobian").contains(header.get(c))) {
                    // Split interval 2: iterations 0 and 2 split the penalized net's gradient, iteration 1 does not.
                    assertEquals("", row[c], header.get(c) + " between splits");
                } else {
                    assertTrue(Double.isFinite(Double.parseDouble(row[c])), header.get(c) + " = '" + row[c] + "'");
                }
            }
        }
        double[] first = new double[header.size()];
        for (int c = 0; c < header.size(); c++) first[c] = rows.get(0)[c].isEmpty() ? Double.NaN : Double.parseDouble(rows.get(0)[c]);
        // The first iteration sees the initial weights on the whole data set: its batch variances are those above.
        for (String bn : List.of("bn1", "bn2", "bn3")) {
            double expected = expectedVariance.get(bn);
            assertEquals(expected, first[header.indexOf(bn + "_min_var_jacobian")], 1e-5 * expected, bn);
            assertEquals(expected, first[header.indexOf(bn + "_min_var_reference")], 1e-5 * expected, bn);
        }
        // Self-consistency of the values the step used.
        IterationDiagnostics d = runs.get(0).diagnostics().get(0);
        assertEquals(runs.get(0).losses()[0], d.crossEntropy() + d.lambda() / 2 * d.penalty(), 1e-5 * runs.get(0).losses()[0]);
        assertEquals(0.01, d.learningRate(), 1e-12);
        assertEquals(0.01 * (1 + Math.cos(Math.PI / 3)) / 2, runs.get(0).diagnostics().get(1).learningRate(), 1e-12);
        assertTrue(d.meanMaxProbability() >= 0.1 && d.meanMaxProbability() <= 1, "mean max probability " + d.meanMaxProbability());
        assertEquals(1.0, d.lambda());
        assertEquals(0.0, runs.get(1).diagnostics().get(0).lambda());
        assertEquals(List.of("bn1", "bn2", "bn3"), List.copyOf(d.batchNormMinVariance().keySet()));
        assertEquals(DiagnosticsColumns.metrics(List.of("bn1", "bn2", "bn3")).size() * 2 + 5, header.size());
    }
}
