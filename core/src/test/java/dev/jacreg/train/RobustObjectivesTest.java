package dev.jacreg.train;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.Functional;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.attack.Norm;
import dev.jacreg.attack.Pgd;
import dev.jacreg.nn.Activations;
import dev.jacreg.nn.Linear;
import dev.jacreg.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.ToDoubleBiFunction;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The robust recipes' losses on a linear softmax classifier z = Wx + b (float64): each value against its closed form
 * in plain Java doubles, and each gradient in W and b (autograd, through the double backprop of the input-gradient
 * penalty) against central finite differences of that closed form.
 */
class RobustObjectivesTest {
    private static final int D = 6, C = 4, B = 5;

    private record Case(Sequential model, Linear linear, double[][] x, int[] y, Tensor images, Tensor oneHot) {}

    private static Case linearCase(long seed) {
        Linear linear = new Linear(D, C, DType.FLOAT64, RandomStream.seeded(seed));
        Sequential model = new Sequential().add("flatten", Activations.flatten()).add("fc", linear);
        SplittableRandom random = new SplittableRandom(seed);
        double[][] x = new double[B][D];
        double[] flat = new double[B * D];
        int[] y = new int[B];
        for (int i = 0; i < B; i++) {
            y[i] = random.nextInt(C);
            for (int j = 0; j < D; j++) flat[i * D + j] = x[i][j] = random.nextDouble();
        }
        Tensor oneHot = Functional.oneHot(Tensor.of(y, B).to(DType.INT64), C).to(DType.FLOAT64);
        return new Case(model, linear, x, y, Tensor.of(flat, B, 1, 2, 3), oneHot);
    }

    private static double[] logits(double[] w, double[] b, double[] x) {
        double[] z = b.clone();
        for (int k = 0; k < C; k++) for (int j = 0; j < D; j++) z[k] += w[k * D + j] * x[j];
        return z;
    }

    private static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double v : z) max = Math.max(max, v);
        double[] p = new double[z.length];
        for (int k = 0; k < z.length; k++) sum += p[k] = Math.exp(z[k] - max);
        for (int k = 0; k < z.length; k++) p[k] /= sum;
        return p;
    }

    private static double crossEntropy(double[] w, double[] b, double[] x, int y) {
        return -Math.log(softmax(logits(w, b, x))[y]);
    }

    /** The autograd gradient of {@code total} in (W, b), flattened W then b. */
    private static double[] autogradGradient(Case c, Tensor total) {
        Tensor w = c.linear.parameters().get("weight"), b = c.linear.parameters().get("bias");
        var grads = Autograd.grad(total, java.util.List.of(w, b), false);
        double[] gw = grads.get(0).toDoubleArray(), gb = grads.get(1).toDoubleArray();
        double[] g = new double[gw.length + gb.length];
        System.arraycopy(gw, 0, g, 0, gw.length);
        System.arraycopy(gb, 0, g, gw.length, gb.length);
        return g;
    }

    /** Central differences of a closed-form loss(W, b) at the model's weights. */
    private static double[] finiteDifferences(Case c, ToDoubleBiFunction<double[], double[]> loss) {
        double[] w = c.linear.parameters().get("weight").toDoubleArray(), b = c.linear.parameters().get("bias").toDoubleArray();
        double h = 1e-6;
        double[] g = new double[w.length + b.length];
        for (int k = 0; k < g.length; k++) {
            double[] wp = w.clone(), wm = w.clone(), bp = b.clone(), bm = b.clone();
            if (k < w.length) {
                wp[k] += h;
                wm[k] -= h;
            } else {
                bp[k - w.length] += h;
                bm[k - w.length] -= h;
            }
            g[k] = (loss.applyAsDouble(wp, bp) - loss.applyAsDouble(wm, bm)) / (2 * h);
        }
        return g;
    }

    private static double[] weights(Case c) {
        return c.linear.parameters().get("weight").toDoubleArray();
    }

    private static double[] bias(Case c) {
        return c.linear.parameters().get("bias").toDoubleArray();
    }

    /** mean CE + λ·mean ‖Wᵀ(softmax(Wx + b) − onehot(y))‖², the input gradient of CE being closed-form here. */
    private static double inputGradientObjective(double[] w, double[] b, Case c, double lambda) {
        double total = 0;
        for (int i = 0; i < B; i++) {
            double[] p = softmax(logits(w, b, c.x[i]));
            double sq = 0;
            for (int j = 0; j < D; j++) {
                double g = 0;
                for (int k = 0; k < C; k++) g += w[k * D + j] * (p[k] - (k == c.y[i] ? 1 : 0));
                sq += g * g;
            }
            total += -Math.log(p[c.y[i]]) + lambda * sq;
        }
        return total / B;
    }

    @Test
    void inputGradientPenaltyValueAndGradient() {
        for (double lambda : new double[]{0, 0.7, 5}) {
            try (TensorScope scope = TensorScope.open(); var on = Autograd.enableGrad()) {
                Case c = linearCase(3);
                RegularizedLoss.Parts parts = RegularizedLoss.robust(new InputGradientPenalty(lambda))
                        .compute(c.model, c.images, c.oneHot);
                double want = inputGradientObjective(weights(c), bias(c), c, lambda);
                assertEquals(want, parts.total().item(), 1e-12, "value at λ " + lambda);
                assertArrayEquals(finiteDifferences(c, (w, b) -> inputGradientObjective(w, b, c, lambda)),
                        autogradGradient(c, parts.total()), 1e-6, "gradient at λ " + lambda);
                c.model.close();
            }
        }
    }

    private static double[][] rowsOf(Tensor images) {
        double[] flat = images.toDoubleArray();
        double[][] x = new double[B][D];
        for (int i = 0; i < B; i++) System.arraycopy(flat, i * D, x[i], 0, D);
        return x;
    }

    /** mean CE(x) + β·mean KL(softmax(Wx + b) ‖ softmax(Wx' + b)). */
    private static double tradesObjective(double[] w, double[] b, Case c, double[][] adv, double beta) {
        double total = 0;
        for (int i = 0; i < B; i++) {
            double[] p = softmax(logits(w, b, c.x[i])), q = softmax(logits(w, b, adv[i]));
            double kl = 0;
            for (int k = 0; k < C; k++) kl += p[k] * (Math.log(p[k]) - Math.log(q[k]));
            total += -Math.log(p[c.y[i]]) + beta * kl;
        }
        return total / B;
    }

    @Test
    void tradesValueAndGradientWithTheAdversarialCopiesFixed() {
        try (TensorScope scope = TensorScope.open(); var on = Autograd.enableGrad()) {
            Case c = linearCase(4);
            double beta = 6;
            Trades trades = new Trades(beta, 0.1, 3, 0.05, RandomStream.seeded(1));
            Tensor adversarial = c.images.add(RandomStream.seeded(2).uniform(DType.FLOAT64, B, 1, 2, 3).mul(0.2).sub(0.1));
            double[][] adv = rowsOf(adversarial);
            RegularizedLoss.Parts parts = trades.lossAt(c.model, c.images, adversarial, c.oneHot);
            assertEquals(tradesObjective(weights(c), bias(c), c, adv, beta), parts.total().item(), 1e-12);
            assertArrayEquals(finiteDifferences(c, (w, b) -> tradesObjective(w, b, c, adv, beta)),
                    autogradGradient(c, parts.total()), 1e-6);
            // The full objective's inner maximization raises the KL above its value at the clean batch (0).
            double clean = tradesObjective(weights(c), bias(c), c, c.x, beta);
            double full = RegularizedLoss.robust(trades).compute(c.model, c.images, c.oneHot).total().item();
            assertTrue(full > clean + 1e-6, "the attack found no divergence: " + full + " vs " + clean);
            c.model.close();
        }
    }

    @Test
    void adversarialTrainingIsTheCrossEntropyAtThePgdCopies() {
        try (TensorScope scope = TensorScope.open(); var on = Autograd.enableGrad()) {
            Case c = linearCase(5);
            Pgd pgd = new Pgd(Norm.LINF, 4, Double.NaN, true);
            AdversarialTraining at = new AdversarialTraining(pgd, 0.1, RandomStream.seeded(7));
            RegularizedLoss.Parts parts = RegularizedLoss.robust(at).compute(c.model, c.images, c.oneHot);
            // The same attack with the same random stream, run here, gives the copies the loss must have used.
            Tensor adversarial = pgd.perturb(c.model, c.images, Tensor.of(c.y, B).to(DType.INT64), 0.1, RandomStream.seeded(7));
            double[][] adv = rowsOf(adversarial);
            ToDoubleBiFunction<double[], double[]> objective = (w, b) -> {
                double total = 0;
                for (int i = 0; i < B; i++) total += crossEntropy(w, b, adv[i], c.y[i]);
                return total / B;
            };
            assertEquals(objective.applyAsDouble(weights(c), bias(c)), parts.total().item(), 1e-12);
            assertArrayEquals(finiteDifferences(c, objective), autogradGradient(c, parts.total()), 1e-6);
            double cleanLoss = 0;
            for (int i = 0; i < B; i++) cleanLoss += crossEntropy(weights(c), bias(c), c.x[i], c.y[i]) / B;
            assertTrue(parts.total().item() > cleanLoss, "the copies must be adversarial");
            c.model.close();
        }
    }

    /**
     * drawingFrom gives a copy whose draws come from the stream given: its loss is that of the objective built with that
     * stream, bit for bit, and differs from the original's, which draws from another stream.
     */
    @Test
    void aCopyDrawingFromAnotherStreamIsTheObjectiveBuiltWithIt() {
        try (TensorScope scope = TensorScope.open(); var on = Autograd.enableGrad()) {
            Case c = linearCase(6);
            // One short step from the start: with more, both attacks end in the same corner of the ball whatever the start.
            Pgd pgd = new Pgd(Norm.LINF, 1, 0.01, true);
            RegularizedLoss at = RegularizedLoss.robust(new AdversarialTraining(pgd, 0.1, RandomStream.seeded(99)));
            RegularizedLoss trades = RegularizedLoss.robust(new Trades(6, 0.1, 1, 0.001, RandomStream.seeded(99)));
            RegularizedLoss[][] pairs = {
                    {at.drawingFrom(RandomStream.seeded(7)),
                            RegularizedLoss.robust(new AdversarialTraining(pgd, 0.1, RandomStream.seeded(7))), at},
                    {trades.drawingFrom(RandomStream.seeded(7)),
                            RegularizedLoss.robust(new Trades(6, 0.1, 1, 0.001, RandomStream.seeded(7))), trades}};
            for (RegularizedLoss[] p : pairs) {
                double copy = p[0].compute(c.model, c.images, c.oneHot).total().item();
                assertEquals(p[1].compute(c.model, c.images, c.oneHot).total().item(), copy);
                assertNotEquals(p[2].compute(c.model, c.images, c.oneHot).total().item(), copy);
            }
            RegularizedLoss plain = RegularizedLoss.plain(), gradient = RegularizedLoss.robust(new InputGradientPenalty(1));
            assertSame(plain, plain.drawingFrom(RandomStream.seeded(7)), "nothing to draw");
            assertSame(gradient.robustObjective(), gradient.drawingFrom(RandomStream.seeded(7)).robustObjective());
            c.model.close();
        }
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new InputGradientPenalty(-1));
        assertThrows(IllegalArgumentException.class, () -> new Trades(-1, 0.1, 3, 0.05, RandomStream.seeded(1)));
        assertThrows(IllegalArgumentException.class, () -> new Trades(6, 0, 3, 0.05, RandomStream.seeded(1)));
        assertThrows(IllegalArgumentException.class,
                () -> new AdversarialTraining(new Pgd(Norm.LINF, 3, Double.NaN, true), 0, RandomStream.seeded(1)));
    }
}
