package dev.jacreg.train;

import dev.jacreg.DType;
import dev.jacreg.Functional;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.nn.Activations;
import dev.jacreg.nn.Linear;
import dev.jacreg.nn.Module;
import dev.jacreg.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the baselines of {@code --models} change in training, each against an independent truth: noise augmentation
 * perturbs every training batch at the promised rate (statistics of the batches the model really sees), Gaussian
 * augmentation adds noise of the promised size and clips, weight decay changes the SGDM update exactly as the
 * closed form, and the exact penalty equals the exact Frobenius norm computed per sample by the evaluator.
 */
class ModelRecipeTrainingTest {
    private static final int SIDE = 8, PIXELS = SIDE * SIDE;

    /** A module that records every batch it is given, around a linear classifier. */
    private static final class Recording implements Module {
        final Sequential inner;
        final List<float[]> batches = new ArrayList<>();

        Recording(long seed, DType dtype) {
            inner = new Sequential().add("flatten", Activations.flatten())
                    .add("fc", new Linear(PIXELS, 10, dtype, RandomStream.seeded(seed)));
        }

        @Override
        public Tensor forward(Tensor input) {
            batches.add(input.to(DType.FLOAT32).toFloatArray());
            return inner.forward(input);
        }

        @Override
        public Map<String, Tensor> parameters() {
            return inner.parameters();
        }

        @Override
        public void setTraining(boolean training) {
            inner.setTraining(training);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    /** count images of SIDE×SIDE pixels, every pixel {@code value}, labels cycling 0..9. */
    private static DigitDataset constantImages(int count, float value) {
        float[] pixels = new float[count * PIXELS];
        Arrays.fill(pixels, value);
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = i % 10;
        return new DigitDataset(count, SIDE, SIDE, pixels, labels, new float[count]);
    }

    /** Trains one epoch of batches of 64 and returns the images the model saw, one row per image. */
    private static List<float[]> seenImages(DigitDataset data, Augmentation augmentation, long seed) {
        try (TensorScope scope = TensorScope.open(); DeviceDataset device = new DeviceDataset(data, DType.FLOAT32);
             Recording model = new Recording(1, DType.FLOAT32)) {
            new Trainer(TrainingConfig.builder().epochs(1).batchSize(64).seed(seed).build(), RegularizedLoss.plain(),
                    RandomStream.seeded(seed), augmentation, RandomStream.seeded(seed + 1000), 0).train(model, device, p -> {}, () -> false);
            List<float[]> images = new ArrayList<>();
            for (float[] batch : model.batches) {
                for (int i = 0; i < batch.length / PIXELS; i++) images.add(Arrays.copyOfRange(batch, i * PIXELS, (i + 1) * PIXELS));
            }
            return images;
        }
    }

    @Test
    void noiseAugmentationReplacesPixelsAtARateDrawnUniformlyUpToAHalfPerImage() {
        // Every pixel is exactly 1, and a replacement is uniform on [0, 1), so a pixel below 1 was replaced.
        List<float[]> seen = seenImages(constantImages(1280, 1f), new PixelReplacementAugmentation(0.5), 3);
        assertEquals(1280, seen.size());
        double[] rate = new double[seen.size()];
        double replacedSum = 0;
        long replaced = 0;
        for (int i = 0; i < seen.size(); i++) {
            for (float v : seen.get(i)) {
                if (v < 1) {
                    rate[i]++;
                    replacedSum += v;
                    replaced++;
                }
            }
            rate[i] /= PIXELS;
        }
        // rate = Binomial(64, p)/64 with p ~ U(0, 0.5): mean 1/4, variance 1/48 + E[p(1 − p)]/64 = 0.02344.
        double mean = Arrays.stream(rate).average().orElseThrow();
        double variance = Arrays.stream(rate).map(r -> (r - mean) * (r - mean)).sum() / (rate.length - 1);
        assertEquals(0.25, mean, 0.025, "mean replaced share (5 standard errors)");
        assertEquals(0.02344, variance, 0.005, "the share varies between images as U(0, 0.5) does");
        long below = Arrays.stream(rate).filter(r -> r < 0.125).count();
        assertEquals(0.25, below / (double) rate.length, 0.06, "about a quarter of the images get p < 1/8");
        assertTrue(Arrays.stream(rate).max().orElseThrow() < 0.8, "p never exceeds 0.5");
        assertEquals(0.5, replacedSum / replaced, 0.01, "replacements are uniform on [0, 1)");

        // Fresh every batch and every run of the seed alike; an unaugmented run sees the clean images.
        assertArrayEquals(seen.get(5), seenImages(constantImages(1280, 1f), new PixelReplacementAugmentation(0.5), 3).get(5));
        for (float[] image : seenImages(constantImages(128, 1f), Augmentation.NONE, 3)) {
            for (float v : image) assertEquals(1f, v);
        }
    }

    @Test
    void gaussianAugmentationAddsNoiseOfAPerImageSigmaAndClips() {
        List<float[]> seen = seenImages(constantImages(1280, 0.5f), new GaussianAugmentation(0.1), 4);
        double[] sd = new double[seen.size()];
        for (int i = 0; i < seen.size(); i++) {
            double s = 0;
            for (float v : seen.get(i)) s += (v - 0.5) * (v - 0.5);
            sd[i] = Math.sqrt(s / PIXELS);  // σ of this image (no clipping within 5σ of 0.5)
        }
        assertEquals(0.05, Arrays.stream(sd).average().orElseThrow(), 0.004, "σ ~ U(0, 0.1): mean 0.05");
        assertTrue(Arrays.stream(sd).max().orElseThrow() < 0.13, "σ stays below 0.1 up to sampling error");
        assertTrue(Arrays.stream(sd).min().orElseThrow() < 0.01, "some images get almost no noise");
        for (float[] image : seenImages(constantImages(128, 0.5f), new GaussianAugmentation(10), 4)) {
            for (float v : image) assertTrue(v >= 0 && v <= 1, "clipped to [0, 1]: " + v);
        }
    }

    @Test
    void weightDecayChangesTheSgdmUpdateAsTheClosedForm() {
        double lr = 0.1, m = 0.9, wd = 0.01;
        double[] theta0 = {1.0, -2.0, 0.5}, g = {0.5, -1.0, 0.25};
        try (TensorScope scope = TensorScope.open()) {
            Tensor theta = Tensor.of(theta0.clone(), 3).releaseFromScope();
            try (SgdMomentum sgd = new SgdMomentum(Map.of("theta", theta), lr, m, wd)) {
                sgd.step(List.of(Tensor.of(g, 3)), lr);
                sgd.step(List.of(Tensor.of(g, 3)), lr);
            }
            // PyTorch SGD(weight_decay): d = g + wd·θ; buf = m·buf + d; θ -= lr·buf (MATLAB form: v = m·v − lr·d; θ += v)
            double[] expected = new double[3];
            for (int i = 0; i < 3; i++) {
                double v1 = -lr * (g[i] + wd * theta0[i]);
                double t1 = theta0[i] + v1;
                double v2 = m * v1 - lr * (g[i] + wd * t1);
                expected[i] = t1 + v2;
            }
            assertArrayEquals(expected, theta.toDoubleArray(), 1e-15);
            theta.close();
        }

        // Through the trainer: one step from the same weights on the same batch differs by exactly −lr·wd·θ₀.
        DigitDataset data = constantImages(64, 0.25f);
        double[][] after = new double[2][];
        double[] initial = null;
        for (int run = 0; run < 2; run++) {
            try (TensorScope scope = TensorScope.open(); DeviceDataset device = new DeviceDataset(data, DType.FLOAT64);
                 Recording model = new Recording(7, DType.FLOAT64)) {
                initial = model.parameters().get("fc.weight").toDoubleArray();
                new Trainer(TrainingConfig.builder().epochs(1).batchSize(64).learningRate(lr).momentum(m).build(),
                        RegularizedLoss.plain(), RandomStream.seeded(0), Augmentation.NONE, null, run == 0 ? 0 : wd).train(model, device, p -> {}, () -> false);
                after[run] = model.parameters().get("fc.weight").toDoubleArray();
            }
        }
        for (int i = 0; i < initial.length; i++) {
            assertEquals(-lr * wd * initial[i], after[1][i] - after[0][i], 1e-15, "weight " + i);
        }
    }

    @Test
    void exactPenaltyIsTheExactFrobeniusNormPerSample() {
        try (TensorScope scope = TensorScope.open(); Sequential net = JacobianPenaltyTest.smallNet(9)) {
            net.setTraining(false);  // inference-mode batch norm: samples independent, so per-sample norms add up
            Tensor images = Tensor.of(dev.jacreg.FiniteDifferencesAccess.values(5 * 36, 21, 1.0), 5, 1, 6, 6);
            Tensor targets = Functional.oneHot(Tensor.of(new long[]{0, 1, 2, 3, 0}, 5), 4).to(DType.FLOAT64);
            RegularizedLoss exact = RegularizedLoss.exact(new JacobianPenalty(1, 1, JacobianPenalty.Target.SOFTMAX));
            RegularizedLoss.Parts parts = exact.compute(net, images, targets);
            double penalty = parts.penalty().item();
            double perSample = Evaluator.meanSquaredJacobianNorm(net, images, JacobianPenalty.Target.SOFTMAX, 1);
            assertTrue(penalty > 0);
            assertEquals(perSample, penalty, 1e-12 * perSample);
            assertEquals(parts.crossEntropy().item() + penalty / 2, parts.total().item(), 1e-12);
            parts.total().backward();  // differentiable: the weights get a gradient through the penalty
            assertNotNull(net.parameters().get("fc.weight").grad());
        }
    }
}
