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

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Whole penalized training steps on the seed network in float64 (reference Jacobian penalty, SGD with momentum): with
 * the shim's own autograd functions (fused batch-norm double backward, Torch.setBatchNormFused(true); native-kernel
 * create-graph convolution gradients, Torch.setConvCreateGraphNative(true)) the losses, penalties, weights and running
 * statistics after a few steps are those of libtorch's at::batch_norm and at::conv2d.
 */
class ShimAutogradTrainingTest {
    private static final int BATCH = 16, STEPS = 3;
    private static final DigitDataset DATA = SyntheticDigits.generate(BATCH * STEPS, 5);

    record Run(TrainingResult result, Map<String, double[]> state) {}

    private static Run train(boolean shimFunctions) {
        boolean previousBatchNorm = Torch.setBatchNormFused(shimFunctions);
        boolean previousConv = Torch.setConvCreateGraphNative(shimFunctions);
        try (TensorScope scope = TensorScope.open(); DeviceDataset data = new DeviceDataset(DATA, DType.FLOAT64)) {
            Torch.manualSeed(1);
            try (Sequential net = SeedNetwork.create(data.meanImage(), 28, 28, DType.FLOAT64)) {
                TrainingConfig config = TrainingConfig.builder().epochs(1).batchSize(BATCH).learningRate(0.05).seed(9).build();
                TrainingResult result = new Trainer(config, new RegularizedLoss(JacobianPenalty.reference()))
                        .train(net, data, p -> {}, () -> false);
                Map<String, double[]> state = new LinkedHashMap<>();
                for (Map.Entry<String, Tensor> e : net.parameters().entrySet()) state.put(e.getKey(), e.getValue().toDoubleArray());
                for (Map.Entry<String, Tensor> e : net.buffers().entrySet()) state.put(e.getKey(), e.getValue().toDoubleArray());
                return new Run(result, state);
            }
        } finally {
            Torch.setBatchNormFused(previousBatchNorm);
            Torch.setConvCreateGraphNative(previousConv);
        }
    }

    /**
     * max |a−b| / max(max |b|, 1e-3). The floor is for the conv biases: batch norm cancels them, their true gradient is 0,
     * and both paths move them from 0 by rounding noise (~1e-16) only.
     */
    private static double relativeDifference(double[] a, double[] b) {
        double diff = 0, scale = 1e-3;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return diff / scale;
    }

    @Test
    void penalizedStepsMatchLibtorchsOps() {
        Run aten = train(false), fused = train(true);
        assertEquals(STEPS, aten.result().iterations());
        assertEquals(STEPS, fused.result().iterations());
        assertTrue(aten.result().penalties()[0] > 0, "the penalty is active");
        assertEquals(0, relativeDifference(fused.result().losses(), aten.result().losses()), 1e-9, "losses");
        assertEquals(0, relativeDifference(fused.result().penalties(), aten.result().penalties()), 1e-9, "penalties");
        assertEquals(aten.state().keySet(), fused.state().keySet());
        for (String name : aten.state().keySet()) {
            assertEquals(0, relativeDifference(fused.state().get(name), aten.state().get(name)), 1e-9, name);
        }
    }
}
