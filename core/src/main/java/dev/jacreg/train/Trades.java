package dev.jacreg.train;

import dev.jacreg.Autograd;
import dev.jacreg.Functional;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.attack.Norm;
import dev.jacreg.nn.Module;

/**
 * TRADES (Zhang et al. 2019): CE(f(x), y) + β·KL(softmax f(x) ‖ softmax f(x')), the KL averaged over the batch, where
 * x' maximizes that KL in the L∞ ε-ball (clipped to [0, 1]) by {@code steps} signed-gradient steps of {@code stepSize}
 * from x + 0.001·N(0, 1), as in the paper's code. The attack runs in inference mode and treats f(x) as a constant;
 * the loss is then computed in training mode with x' fixed.
 */
public final class Trades implements RobustObjective {
    /** The paper's start: a tiny Gaussian step off the clean image (the KL's gradient is 0 at x' = x). */
    static final double START_SCALE = 0.001;

    private final double beta;
    private final double epsilon;
    private final int steps;
    private final double stepSize;
    private final RandomStream random;

    /**
     * TRADES with its inner attack's settings.
     *
     * @param beta the weight β of the KL term, &gt;= 0
     * @param epsilon the inner attack's L∞ radius, &gt; 0
     * @param steps its steps, &gt;= 1
     * @param stepSize its step size, &gt; 0
     * @param random where its starts are drawn from
     */
    public Trades(double beta, double epsilon, int steps, double stepSize, RandomStream random) {
        if (!(beta >= 0) || Double.isInfinite(beta)) throw new IllegalArgumentException("TRADES β must be finite and >= 0, got " + beta);
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) throw new IllegalArgumentException("TRADES ε must be finite and > 0, got " + epsilon);
        if (steps < 1) throw new IllegalArgumentException("TRADES needs at least 1 attack step, got " + steps);
        if (!(stepSize > 0) || Double.isInfinite(stepSize)) throw new IllegalArgumentException("TRADES step size must be > 0, got " + stepSize);
        this.beta = beta;
        this.epsilon = epsilon;
        this.steps = steps;
        this.stepSize = stepSize;
        this.random = java.util.Objects.requireNonNull(random, "random");
    }

    /** {@return the weight β of the KL term} */
    public double beta() {
        return beta;
    }

    @Override
    public RegularizedLoss.Parts compute(Module model, Tensor images, Tensor oneHotTargets) {
        Tensor adversarial;
        model.setTraining(false);
        try (TensorScope scope = TensorScope.open()) {
            Tensor clean = images.detach();
            Tensor target;
            try (var off = Autograd.noGrad()) {
                target = model.forward(clean);
            }
            Tensor x = clean.add(random.normal(clean.dtype(), clean.shape()).mul(START_SCALE));
            for (int i = 0; i < steps; i++) {
                try (TensorScope step = TensorScope.open(); var on = Autograd.enableGrad()) {
                    Tensor input = x.detach().requiresGrad(true);
                    Tensor kl = klDivergence(target, model.forward(input)).mul(images.size(0));  // summed: per-image gradients
                    Tensor g = Autograd.grad(kl, input, false);
                    Tensor sign = g.gt(0).to(g.dtype()).sub(g.lt(0).to(g.dtype()));
                    Tensor moved = x.add(sign.mul(stepSize));
                    Tensor low = clean.sub(epsilon), high = clean.add(epsilon);
                    moved = Tensor.where(moved.lt(low), low, Tensor.where(moved.gt(high), high, moved));
                    Tensor zero = Tensor.scalar(0, moved.dtype()), one = Tensor.scalar(1, moved.dtype());
                    x = step.keep(Tensor.where(moved.lt(zero), zero, Tensor.where(moved.gt(one), one, moved)));
                }
            }
            adversarial = scope.keep(x.detach());
        } finally {
            model.setTraining(true);
        }
        return lossAt(model, images, adversarial, oneHotTargets);
    }

    /**
     * The objective with the adversarial copies given: CE at the clean batch + β·KL(clean ‖ adversarial).
     *
     * @param model the model, in training mode
     * @param images the clean batch
     * @param adversarial its adversarial copies
     * @param oneHotTargets B×C one-hot rows in the images' dtype
     * @return the parts, crossEntropy and total both the objective
     */
    public RegularizedLoss.Parts lossAt(Module model, Tensor images, Tensor adversarial, Tensor oneHotTargets) {
        Tensor logits = model.forward(images);
        Tensor crossEntropy = RegularizedLoss.crossEntropy(logits, oneHotTargets);
        Tensor total = crossEntropy.add(klDivergence(logits, model.forward(adversarial)).mul(beta));
        return new RegularizedLoss.Parts(logits, Functional.softmax(logits, 1), total, null, total);
    }

    /**
     * (1/B)·Σᵢ Σ_k pᵢₖ (log pᵢₖ − log qᵢₖ) with p = softmax(pLogits), q = softmax(qLogits), through log-softmax so that
     * no probability that underflows to 0 is ever logged.
     */
    static Tensor klDivergence(Tensor pLogits, Tensor qLogits) {
        Tensor logP = Functional.logSoftmax(pLogits, 1);
        return logP.exp().mul(logP.sub(Functional.logSoftmax(qLogits, 1))).sum().mul(1.0 / pLogits.size(0));
    }

    @Override
    public Trades drawingFrom(RandomStream random) {
        return new Trades(beta, epsilon, steps, stepSize, random);
    }

    @Override
    public String describe() {
        return "TRADES: cross-entropy + β·KL(f(x) ‖ f(x')), β = " + beta + ", x' by " + steps + " signed steps of "
                + stepSize + " in the " + Norm.LINF.symbol() + " ball of ε = " + epsilon;
    }
}
