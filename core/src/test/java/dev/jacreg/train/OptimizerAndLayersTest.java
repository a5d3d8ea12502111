package dev.jacreg.train;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.data.Noise;
import dev.jacreg.nn.BatchNorm2d;
import dev.jacreg.nn.Conv2d;
import dev.jacreg.nn.Linear;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** SGDM against its formula, batch-norm running statistics against the decay rule, noise, init. */
class OptimizerAndLayersTest {
    @Test
    void twoSgdmStepsFollowMatlabsFormula() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor theta = Tensor.of(new double[]{1.0, -2.0}, 2).releaseFromScope().requiresGrad(true);
            Map<String, Tensor> params = new LinkedHashMap<>();
            params.put("theta", theta);
            double lr = 0.01, m = 0.9;
            try (SgdMomentum sgdm = new SgdMomentum(params, lr, m); theta) {
                // loss = Σ θ³  → grad 3θ²
                double[] t = {1.0, -2.0}, v = {0, 0};
                for (int step = 0; step < 2; step++) {
                    try (TensorScope s = TensorScope.open()) {
                        theta.pow(3.0).sum().backward();
                        sgdm.step();
                    }
                    for (int i = 0; i < 2; i++) {
                        v[i] = m * v[i] - lr * 3 * t[i] * t[i];
                        t[i] = t[i] + v[i];
                    }
                    assertArrayEquals(t, theta.toDoubleArray(), 1e-12, "theta after step " + (step + 1));
                    assertArrayEquals(v, sgdm.velocities().get("theta").toDoubleArray(), 1e-12);
                    assertNull(theta.grad(), "step clears the gradient");
                }
            }
        }
    }

    @Test
    void batchNormLayerFollowsTheDecayRule() {
        try (TensorScope scope = TensorScope.open(); BatchNorm2d bn = new BatchNorm2d(1, 0.1, 1e-5, DType.FLOAT64)) {
            double runningMean = 0, runningVar = 1;
            for (int step = 0; step < 3; step++) {
                double[] values = {1 + step, 2, 4 * step, 7, -1, 3, 0.5, 2 * step};
                bn.forward(Tensor.of(values, 2, 1, 2, 2));
                double mean = java.util.Arrays.stream(values).average().orElseThrow();
                double unbiased = java.util.Arrays.stream(values).map(x -> (x - mean) * (x - mean)).sum() / (values.length - 1);
                runningMean = 0.9 * runningMean + 0.1 * mean;
                runningVar = 0.9 * runningVar + 0.1 * unbiased;
                assertEquals(runningMean, bn.buffers().get("running_mean").item(), 1e-12);
                assertEquals(runningVar, bn.buffers().get("running_var").item(), 1e-12);
            }
            bn.setTraining(false);
            bn.forward(Tensor.of(new double[]{100, 200, 300, 400}, 1, 1, 2, 2));
            assertEquals(runningMean, bn.buffers().get("running_mean").item(), 1e-12, "inference leaves statistics alone");
        }
    }

    @Test
    void glorotUniformHasTheRightBoundAndSpread() {
        try (Conv2d conv = new Conv2d(20, 20, 3, 1, 1, DType.FLOAT64); Linear fc = new Linear(11520, 10, DType.FLOAT64)) {
            double[] w = conv.parameters().get("weight").toDoubleArray();
            double bound = Math.sqrt(6.0 / (20 * 9 + 20 * 9));
            double sumSq = 0;
            for (double x : w) {
                assertTrue(Math.abs(x) <= bound);
                sumSq += x * x;
            }
            assertEquals(bound * bound / 3, sumSq / w.length, 0.1 * bound * bound / 3, "variance of U(-a, a) is a²/3");
            assertArrayEquals(new double[20], conv.parameters().get("bias").toDoubleArray());
            double fcBound = Math.sqrt(6.0 / (11520 + 10));
            for (double x : fc.parameters().get("weight").toDoubleArray()) assertTrue(Math.abs(x) <= fcBound);
        }
    }

    @Test
    void seedNetworkHasTheReferenceShapes() {
        try (TensorScope scope = TensorScope.open();
             Sequential net = SeedNetwork.create(Tensor.zeros(1, 1, 28, 28), 28, 28, DType.FLOAT32)) {
            assertEquals(14, net.parameters().size());
            assertArrayEquals(new long[]{20, 1, 5, 5}, net.parameters().get("conv1.weight").shape());
            assertArrayEquals(new long[]{20, 20, 3, 3}, net.parameters().get("conv3.weight").shape());
            assertArrayEquals(new long[]{10, 11520}, net.parameters().get("fc.weight").shape());
            assertEquals(7, net.buffers().size());  // mean image + 3 × (running mean, running var)
            assertArrayEquals(new long[]{5, 10}, net.forward(Tensor.rand(DType.FLOAT32, 5, 1, 28, 28)).shape());
        }
    }

    @Test
    void noiseReplacesTheRequestedShareWithUniformValues() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor images = Tensor.full(-1, DType.FLOAT64, 200, 1, 28, 28);  // a value noise can never produce
            Torch.manualSeed(1);
            for (double p : new double[]{0.05, 0.3, 0.5}) {
                Tensor noisy = Noise.replacePixels(images, p);
                Tensor replaced = noisy.ne(-1.0).to(DType.FLOAT64);
                double share = replaced.mean().item();
                double se = Math.sqrt(p * (1 - p) / images.numel());
                assertEquals(p, share, 5 * se, "replaced share at p=" + p);
                // replaced values are uniform on [0,1]: mean 1/2
                double meanReplaced = noisy.mul(replaced).sum().item() / replaced.sum().item();
                assertEquals(0.5, meanReplaced, 0.01);
                assertTrue(noisy.max().item() < 1.0);
            }
            Tensor clean = Tensor.rand(DType.FLOAT32, 10, 1, 28, 28);
            assertArrayEquals(clean.toFloatArray(), Noise.replacePixels(clean, 0).toFloatArray());
            assertThrows(IllegalArgumentException.class, () -> Noise.replacePixels(clean, 1.5));
        }
    }
}
