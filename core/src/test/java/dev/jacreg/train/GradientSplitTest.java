package dev.jacreg.train;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.data.SyntheticDigits;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * With diagnostics on, the step computes the cross-entropy and penalty gradients separately and applies their sum;
 * that must be the gradient the specification's total.backward() gives. One step with lr 1 and momentum 0 moves each parameter
 * by exactly −gradient, so the parameter change is the gradient that was applied (float64 throughout).
 */
class GradientSplitTest {
    private static final int BATCH = 16;
    private static final DigitDataset DATA = SyntheticDigits.generate(BATCH, 3);  // one batch: the step sees every image

    /** −(parameter change) of one training step from the seed-1 initial net, per parameter, flattened. */
    private static List<double[]> appliedGradient(RegularizedLoss loss, boolean diagnostics, List<TrainingResult> out) {
        try (TensorScope scope = TensorScope.open(); DeviceDataset data = new DeviceDataset(DATA, DType.FLOAT64)) {
            Torch.manualSeed(1);
            try (Sequential net = SeedNetwork.create(data.meanImage(), 28, 28, DType.FLOAT64)) {
                List<double[]> before = new ArrayList<>();
                for (Tensor p : net.parameters().values()) before.add(p.toDoubleArray());
                TrainingConfig config = TrainingConfig.builder().epochs(1).batchSize(BATCH).learningRate(1.0).momentum(0.0)
                        .seed(9).diagnostics(diagnostics).build();
                out.add(new Trainer(config, loss).train(net, data, p -> {}, () -> false));
                List<double[]> gradient = new ArrayList<>();
                int i = 0;
                for (Map.Entry<String, Tensor> e : net.parameters().entrySet()) {
                    double[] after = e.getValue().toDoubleArray(), b = before.get(i++);
                    double[] g = new double[after.length];
                    for (int k = 0; k < g.length; k++) g[k] = b[k] - after[k];
                    gradient.add(g);
                }
                return gradient;
            }
        }
    }

    private static double norm(List<double[]> tensors) {
        double sum = 0;
        for (double[] t : tensors) for (double v : t) sum += v * v;
        return Math.sqrt(sum);
    }

    private static List<double[]> minus(List<double[]> a, List<double[]> b) {
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            double[] d = new double[a.get(i).length];
            for (int k = 0; k < d.length; k++) d[k] = a.get(i)[k] - b.get(i)[k];
            out.add(d);
        }
        return out;
    }

    @Test
    void splitGradientsSumToTheGradientOfTotalBackward() {
        RegularizedLoss loss = new RegularizedLoss(new JacobianPenalty(3.0, 1, JacobianPenalty.Target.SOFTMAX));
        List<TrainingResult> runs = new ArrayList<>();
        List<double[]> seed = appliedGradient(loss, false, runs);  // total.backward()
        List<double[]> split = appliedGradient(loss, true, runs);  // the two parts, summed
        List<double[]> crossEntropyOnly = appliedGradient(RegularizedLoss.plain(), false, runs);

        double total = norm(seed);
        assertTrue(total > 0);
        assertEquals(0, norm(minus(split, seed)) / total, 1e-6, "split sum vs total.backward()");
        for (int i = 0; i < seed.size(); i++) {
            // Relative per parameter, except that the conv biases feed batch norm, which cancels them: their true
            // gradient is 0 and both computations give rounding noise, so they are measured against the total.
            double scale = Math.max(norm(List.of(seed.get(i))), 1e-3 * total);
            assertEquals(0, norm(List.of(minus(split, seed).get(i))) / scale, 1e-6, "parameter " + i);
        }

        // The recorded norms are those of the parts: the cross-entropy part is what an unpenalized step applies.
        IterationDiagnostics d = runs.get(1).diagnostics().get(0);
        assertEquals(total, d.gradNormTotal(), 1e-9 * total);
        assertEquals(norm(crossEntropyOnly), d.gradNormCrossEntropy(), 1e-9 * total);
        assertEquals(norm(minus(seed, crossEntropyOnly)), d.gradNormPenalty(), 1e-6 * total);
        assertTrue(runs.get(0).diagnostics().isEmpty(), "no diagnostics unless asked for");
    }
}
