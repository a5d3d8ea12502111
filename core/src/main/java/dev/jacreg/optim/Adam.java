package dev.jacreg.optim;

import dev.jacreg.Autograd;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;

import java.util.List;
import java.util.Map;

/**
 * Adam and AdamW with PyTorch 1.13's semantics ({@code torch.optim.Adam}, {@code torch.optim.AdamW}, amsgrad off).
 * At step t (1-based), with gradient g:
 * <pre>
 *   Adam:  g ← g + wd·θ                       AdamW: θ ← θ·(1 − lr·wd)
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   θ ← θ − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
 * </pre>
 * m and v start at 0. The count t is shared by all parameters (PyTorch keeps one per parameter; they agree
 * unless a parameter gets no gradient on some step).
 */
public final class Adam extends StatefulOptimizer {
    /**
     * Adam's settings.
     *
     * @param learningRate         base rate lr
     * @param beta1                decay β1 of the first moment, in [0, 1)
     * @param beta2                decay β2 of the second moment, in [0, 1)
     * @param eps                  ε added to the denominator, &gt;= 0
     * @param weightDecay          wd, &gt;= 0 (0 = none)
     * @param decoupledWeightDecay true: AdamW's decay of the weights; false: Adam's L2 term added to the gradient
     */
    public record Settings(double learningRate, double beta1, double beta2, double eps, double weightDecay,
                           boolean decoupledWeightDecay) {
        /** Checks every value. */
        public Settings {
            OptimizerState.checkRate("learning rate", learningRate);
            if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
            if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
            OptimizerState.checkNonNegative("eps", eps);
            OptimizerState.checkNonNegative("weight decay", weightDecay);
        }

        /**
         * PyTorch's Adam defaults: β = (0.9, 0.999), ε = 1e-8, no weight decay.
         *
         * @param learningRate the base step size α, &gt; 0
         * @return the settings of torch.optim.Adam(lr=learningRate)
         */
        public static Settings adam(double learningRate) {
            return new Settings(learningRate, 0.9, 0.999, 1e-8, 0, false);
        }

        /**
         * PyTorch's AdamW defaults: β = (0.9, 0.999), ε = 1e-8, weight decay 0.01.
         *
         * @param learningRate the base step size α, &gt; 0
         * @return the settings of torch.optim.AdamW(lr=learningRate), decay decoupled from the gradient
         */
        public static Settings adamW(double learningRate) {
            return new Settings(learningRate, 0.9, 0.999, 1e-8, 0.01, true);
        }

        /**
         * These settings with other decay rates.
         *
         * @param beta1 the decay of the first-moment (mean) estimate, in [0, 1)
         * @param beta2 the decay of the second-moment (uncentred variance) estimate, in [0, 1)
         * @return a copy with the new betas
         */
        public Settings withBetas(double beta1, double beta2) {
            return new Settings(learningRate, beta1, beta2, eps, weightDecay, decoupledWeightDecay);
        }

        /**
         * These settings with another ε.
         *
         * @param eps the term added to the denominator √v̂ + ε for stability, &gt;= 0
         * @return a copy with the new ε
         */
        public Settings withEps(double eps) {
            return new Settings(learningRate, beta1, beta2, eps, weightDecay, decoupledWeightDecay);
        }

        /**
         * These settings with another weight decay (of the same kind).
         *
         * @param weightDecay the coefficient: added to the gradient as wd·θ for Adam, applied as θ ← θ(1 − α·wd) for
         *     AdamW; 0 = none
         * @return a copy with the new weight decay
         */
        public Settings withWeightDecay(double weightDecay) {
            return new Settings(learningRate, beta1, beta2, eps, weightDecay, decoupledWeightDecay);
        }
    }

    private final Settings settings;
    private final List<Tensor> firstMoments;
    private final List<Tensor> secondMoments;

    /**
     * Adam with PyTorch's defaults at the given rate.
     *
     * @param parameters the tensors to update by name (usually {@code model.parameters()}), updated in place; the
     *     optimizer allocates its moment tensors beside them
     * @param learningRate the base step size α, &gt; 0
     */
    public Adam(Map<String, Tensor> parameters, double learningRate) {
        this(parameters, Settings.adam(learningRate));
    }

    /**
     * Adam or AdamW, as the settings say.
     *
     * @param parameters the tensors to update by name (usually {@code model.parameters()}), updated in place
     * @param settings the rate, betas, ε and weight decay, from {@link Settings#adam} or {@link Settings#adamW}
     */
    public Adam(Map<String, Tensor> parameters, Settings settings) {
        super(parameters);
        this.settings = java.util.Objects.requireNonNull(settings, "settings");
        // PyTorch's state names, so a checkpoint reads like a torch optimizer's state_dict.
        this.firstMoments = state.zerosLikeParameters("exp_avg");
        this.secondMoments = state.zerosLikeParameters("exp_avg_sq");
    }

    @Override
    public void step(List<Tensor> gradients, double rate) {
        state.checkGradients(gradients);
        long t = state.countStep();
        double beta1 = settings.beta1(), beta2 = settings.beta2(), wd = settings.weightDecay();
        double stepSize = rate / (1 - Math.pow(beta1, t));
        double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
        List<Tensor> parameters = state.parameters();
        try (TensorScope scope = TensorScope.open(); var off = Autograd.noGrad()) {
            for (int i = 0; i < parameters.size(); i++) {
                Tensor grad = gradients.get(i);
                if (grad == null) continue;  // a parameter the loss does not reach keeps its value and moments
                Tensor parameter = parameters.get(i);
                if (wd > 0 && settings.decoupledWeightDecay()) parameter.mulInPlace(1 - rate * wd);
                if (wd > 0 && !settings.decoupledWeightDecay()) grad = grad.add(parameter.mul(wd));
                Tensor m = firstMoments.get(i).mulInPlace(beta1).addInPlace(grad, 1 - beta1);
                Tensor v = secondMoments.get(i).mulInPlace(beta2).addInPlace(grad.square(), 1 - beta2);
                Tensor denominator = v.sqrt().div(biasCorrection2Sqrt).add(settings.eps());
                parameter.addInPlace(m.div(denominator), -stepSize);
            }
        }
    }

    /** {@return the settings this optimiser was built with} */
    public Settings settings() {
        return settings;
    }

    @Override
    public double learningRate() {
        return settings.learningRate();
    }

}
