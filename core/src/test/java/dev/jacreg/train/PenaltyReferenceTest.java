package dev.jacreg.train;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.Functional;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.io.SafeTensors;
import dev.jacreg.io.SafeTensorsFile;
import dev.jacreg.nn.Sequential;
import dev.jacreg.nn.SeedNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The seed network's loss, penalty and every parameter gradient against the independent PyTorch
 * reference {@code penalty-reference.safetensors} (float64, a test resource beside this class, made by
 * bench/baselines/python/make_reference.py), read through jacreg's own safetensors reader.
 */
class PenaltyReferenceTest {
    static SafeTensorsFile reference;

    @BeforeAll
    static void load() throws IOException {
        reference = SafeTensors.read(PenaltyReference.path());
    }

    static Tensor ref(String name) {
        return ModelFiles.tensorOf(reference.tensors().get(name));
    }

    static double[] expected(String name) {
        return reference.tensors().get(name).toDoubleArray();
    }

    /** The seed network in float64 with the reference's parameters. */
    static Sequential referenceModel() {
        Sequential model = SeedNetwork.create(ref("input.mean"), 28, 28, DType.FLOAT64);
        try (var off = Autograd.noGrad()) {
            for (Map.Entry<String, Tensor> p : model.parameters().entrySet()) p.getValue().copyFrom(ref("param." + p.getKey()));
        }
        return model;
    }

    static void assertClose(double[] expected, double[] actual, double relative, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double scale = 0, diff = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
        }
        // Convolution biases feeding batch norm have an exactly-zero gradient; both sides hold rounding
        // noise (~1e-14) there, so a small absolute floor applies.
        assertTrue(diff <= Math.max(relative * scale, 1e-12), what + ": max diff " + diff + " vs scale " + scale);
    }

    @Test
    void lossPenaltyAndGradientsMatchPyTorch() {
        try (TensorScope scope = TensorScope.open(); Sequential model = referenceModel()) {
            model.setTraining(true);
            RegularizedLoss loss = new RegularizedLoss(JacobianPenalty.reference());
            RegularizedLoss.Parts parts = loss.compute(model, ref("input.x"), ref("input.targets_onehot"),
                    List.of(ref("input.projection_v")));

            assertClose(expected("expected.logits"), parts.logits().toDoubleArray(), 1e-9, "logits");
            assertClose(expected("expected.softmax"), parts.softmax().toDoubleArray(), 1e-9, "softmax");
            assertClose(expected("expected.cross_entropy"), new double[]{parts.crossEntropy().item()}, 1e-9, "cross-entropy");
            assertClose(expected("expected.penalty_r"), new double[]{parts.penalty().item()}, 1e-9, "penalty R");
            assertClose(expected("expected.total_loss"), new double[]{parts.total().item()}, 1e-9, "total loss");

            parts.total().backward();
            int checked = 0;
            for (Map.Entry<String, Tensor> p : model.parameters().entrySet()) {
                Tensor grad = p.getValue().grad();
                assertNotNull(grad, p.getKey() + " has no gradient");
                assertClose(expected("expected.grad." + p.getKey()), grad.toDoubleArray(), 1e-9, "grad " + p.getKey());
                checked++;
            }
            assertEquals(14, checked, "every learnable of the seed network");
        }
    }

    @Test
    void inputGradientMatchesPyTorch() {
        try (TensorScope scope = TensorScope.open(); Sequential model = referenceModel()) {
            model.setTraining(true);
            Tensor x = ref("input.x").requiresGrad(true);
            Tensor z = Functional.softmax(model.forward(x), 1);
            Tensor g = Autograd.grad(z.mul(ref("input.projection_v")).sum(), x, false);
            assertClose(expected("expected.input_grad_g"), g.toDoubleArray(), 1e-9, "G = ds/dX");
        }
    }

    @Test
    void exactFrobeniusNormInInferenceModeMatchesPyTorchPerSample() {
        double[] expected = expected("expected.frobenius_sq_eval_per_sample");
        try (TensorScope scope = TensorScope.open(); Sequential model = referenceModel()) {
            model.setTraining(false);  // running mean 0, variance 1 as built
            Tensor images = ref("input.x");
            for (int i = 0; i < expected.length; i++) {
                Tensor x = images.narrow(0, i, 1).detach().requiresGrad(true);
                Tensor z = Functional.softmax(model.forward(x), 1);
                double actual = JacobianPenalty.exactSquaredNorm(x, z, false).item();
                assertEquals(expected[i], actual, 1e-9 * Math.abs(expected[i]), "sample " + i);
            }
            // and the chunked evaluator's mean over the batch
            double mean = java.util.Arrays.stream(expected).average().orElseThrow();
            assertEquals(mean, Evaluator.meanSquaredJacobianNorm(model, images, JacobianPenalty.Target.SOFTMAX, 3),
                    1e-9 * mean);
        }
    }
}
