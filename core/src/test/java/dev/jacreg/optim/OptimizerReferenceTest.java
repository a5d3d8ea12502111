package dev.jacreg.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jacreg.DType;
import dev.jacreg.Functional;
import dev.jacreg.PythonTorch;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.io.SafeTensors;
import dev.jacreg.io.SafeTensorsEntry;
import dev.jacreg.io.SafeTensorsFile;
import dev.jacreg.train.Gradients;
import dev.jacreg.train.RegularizedLoss;
import dev.jacreg.train.SgdMomentum;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SGD (momentum, Nesterov, weight decay), Adam and AdamW, with and without gradient clipping and with a changing
 * rate, step by step against PyTorch 1.13's own optimizers ({@code bench/baselines/python/optimizer_reference.py}) on a
 * softmax regression: every parameter after each of 10 steps to 1e-6 (float32) and 1e-12 (float64).
 */
class OptimizerReferenceTest {
    private static final int STEPS = 10;
    private static final int N = 16, D = 5, C = 3;

    @TempDir
    Path dir;

    /** One optimizer setting: its JSON for the script and the same optimizer built here. */
    private record Case(String name, String json, double lr, double lrFactor, double clip,
                        Function<Map<String, Tensor>, Optimizer> build) {}

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        cases.add(sgd("sgd", 0.5, 0, 0, false, 1, 0));
        cases.add(sgd("sgd_momentum_decay", 0.3, 0.9, 0.01, false, 1, 0));
        cases.add(sgd("sgd_nesterov_decay", 0.3, 0.9, 0.05, true, 1, 0));
        cases.add(sgd("sgd_momentum_decaying_rate", 0.3, 0.8, 0, false, 0.7, 0));
        cases.add(sgd("sgd_momentum_clipped", 0.3, 0.9, 0, false, 1, 0.05));
        cases.add(adam("adam", "adam", 0.1, 0, 1, 0, new Adam.Settings(0.1, 0.9, 0.999, 1e-8, 0, false)));
        cases.add(adam("adam_decay_betas", "adam", 0.05, 0.1, 1, 0, new Adam.Settings(0.05, 0.8, 0.99, 1e-6, 0.1, false)));
        cases.add(adam("adamw", "adamw", 0.1, 0.2, 1, 0, new Adam.Settings(0.1, 0.9, 0.999, 1e-8, 0.2, true)));
        cases.add(adam("adamw_decaying_rate_clipped", "adamw", 0.1, 0.01, 0.8, 0.1, Adam.Settings.adamW(0.1)));
        return cases;
    }

    private static Case sgd(String name, double lr, double momentum, double decay, boolean nesterov, double lrFactor,
                            double clip) {
        String json = String.format(Locale.ROOT, "{\"name\":\"%s\",\"kind\":\"sgd\",\"lr\":%s,\"momentum\":%s,"
                + "\"weight_decay\":%s,\"nesterov\":%s,\"lr_factor\":%s,\"clip\":%s,\"steps\":%d}", name, lr, momentum, decay,
                nesterov, lrFactor, clip, STEPS);
        return new Case(name, json, lr, lrFactor, clip, p -> new Sgd(p, lr, momentum, decay, nesterov));
    }

    private static Case adam(String name, String kind, double lr, double decay, double lrFactor, double clip,
                             Adam.Settings settings) {
        String json = String.format(Locale.ROOT, "{\"name\":\"%s\",\"kind\":\"%s\",\"lr\":%s,\"betas\":[%s,%s],\"eps\":%s,"
                + "\"weight_decay\":%s,\"lr_factor\":%s,\"clip\":%s,\"steps\":%d}", name, kind, lr, settings.beta1(),
                settings.beta2(), settings.eps(), decay, lrFactor, clip, STEPS);
        return new Case(name, json, lr, lrFactor, clip, p -> new Adam(p, settings));
    }

    @Test
    void float64TrajectoriesMatchPyTorch() throws Exception {
        matchPyTorch(DType.FLOAT64, 1e-12);
    }

    @Test
    void float32TrajectoriesMatchPyTorch() throws Exception {
        matchPyTorch(DType.FLOAT32, 1e-6);
    }

    private void matchPyTorch(DType dtype, double tolerance) throws Exception {
        PythonTorch.assumeAvailable();
        RandomStream random = RandomStream.seeded(2026);
        Path problem = dir.resolve("problem.safetensors"), reference = dir.resolve("reference.safetensors");
        List<Case> cases = cases();
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = random.normal(dtype, N, D);
            Tensor labels = Tensor.of(random.permutation(N).toLongArray(), N);  // N values; mod C below
            long[] classes = labels.toLongArray();
            for (int i = 0; i < N; i++) classes[i] %= C;
            Tensor weight = random.normal(dtype, C, D).mul(0.5), bias = random.normal(dtype, C).mul(0.1);
            StringBuilder configs = new StringBuilder("[");
            for (Case c : cases) configs.append(configs.length() > 1 ? "," : "").append(c.json());
            SafeTensors.write(problem, List.of(ModelFiles.entry("x", x), SafeTensorsEntry.of("labels", classes, N),
                    ModelFiles.entry("weight", weight), ModelFiles.entry("bias", bias)), Map.of("configs", configs + "]"));

            PythonTorch.run(dir, "optimizer_reference.py", problem.toString(), reference.toString());
            SafeTensorsFile expected = SafeTensors.read(reference);

            Tensor targets = Functional.oneHot(Tensor.of(classes, N), C).to(dtype);
            for (Case c : cases) {
                Map<String, Tensor> parameters = new LinkedHashMap<>();
                parameters.put("weight", weight.clone().detach().requiresGrad(true));
                parameters.put("bias", bias.clone().detach().requiresGrad(true));
                try (Optimizer optimizer = c.build().apply(parameters)) {
                    for (int k = 1; k <= STEPS; k++) {
                        try (TensorScope step = TensorScope.open()) {
                            Tensor logits = Functional.linear(x, parameters.get("weight"), parameters.get("bias"));
                            RegularizedLoss.crossEntropy(logits, targets).backward();
                            List<Tensor> gradients = new ArrayList<>();
                            for (Tensor p : optimizer.parameters()) {
                                gradients.add(p.grad());
                                p.clearGrad();
                            }
                            double norm = Gradients.norm(gradients);
                            String at = c.name() + " step " + k + " (" + dtype + ")";
                            assertEquals(expected.get(c.name() + "." + k + ".norm").toDoubleArray()[0], norm,
                                    1e-6 * Math.max(1, norm), at + ": gradient norm");
                            if (c.clip() > 0) Gradients.clipInPlace(gradients, c.clip(), norm);
                            optimizer.step(gradients, c.lr() * Math.pow(c.lrFactor(), k - 1));
                            for (String name : List.of("weight", "bias")) {
                                assertArrayEquals(ModelFiles.tensorOf(expected.get(c.name() + "." + k + "." + name)).toDoubleArray(),
                                        parameters.get(name).toDoubleArray(), tolerance, at + ": " + name);
                            }
                        }
                    }
                    assertEquals(STEPS, optimizer.steps());
                }
            }
        }
    }

    @Test
    void sgdWithMomentumFollowsTheSgdmTrajectoryAtAConstantRate() {
        // PyTorch's form θ -= lr·b with b = m·b + g, and MATLAB's v = m·v − lr·g, θ += v, agree when lr is constant.
        try (TensorScope scope = TensorScope.open()) {
            Tensor start = Tensor.of(new double[]{1.0, -2.0, 0.5}, 3);
            Map<String, Tensor> a = Map.of("theta", start.clone().detach().requiresGrad(true));
            Map<String, Tensor> b = Map.of("theta", start.clone().detach().requiresGrad(true));
            try (Sgd sgd = new Sgd(a, 0.01, 0.9, 0, false); SgdMomentum sgdm = new SgdMomentum(b, 0.01, 0.9)) {
                for (int k = 0; k < 5; k++) {
                    a.get("theta").pow(3.0).sum().backward();
                    b.get("theta").pow(3.0).sum().backward();
                    sgd.step();
                    sgdm.step();
                    assertArrayEquals(sgdm.parameters().get(0).toDoubleArray(), sgd.parameters().get(0).toDoubleArray(), 1e-12);
                    assertNull(a.get("theta").grad(), "step() clears the gradient");
                }
            }
        }
    }

    @Test
    void settingsOutOfRangeAreRejectedWithTheValue() {
        try (TensorScope scope = TensorScope.open()) {
            Map<String, Tensor> p = Map.of("w", Tensor.zeros(2).requiresGrad(true));
            assertEquals("learning rate must be finite and > 0, got 0.0",
                    assertThrows(IllegalArgumentException.class, () -> new Sgd(p, 0)).getMessage());
            assertEquals("Nesterov momentum needs momentum > 0",
                    assertThrows(IllegalArgumentException.class, () -> new Sgd(p, 0.1, 0, 0, true)).getMessage());
            assertEquals("beta2 must be in [0, 1), got 1.0", assertThrows(IllegalArgumentException.class,
                    () -> Adam.Settings.adam(0.1).withBetas(0.9, 1.0)).getMessage());
            assertEquals("an optimizer needs at least one parameter",
                    assertThrows(IllegalArgumentException.class, () -> new Adam(Map.of(), 0.1)).getMessage());
        }
    }
}
