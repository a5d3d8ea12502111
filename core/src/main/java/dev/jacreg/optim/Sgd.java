package dev.jacreg.optim;

import dev.jacreg.Autograd;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;

import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent in PyTorch's form ({@code torch.optim.SGD}, dampening 0): with weight decay wd the
 * gradient becomes d = g + wd·θ; with momentum m the buffer b ← m·b + d (b starts at 0, so the first step sets b = d,
 * as PyTorch's clone does) and d becomes b, or d + m·b with Nesterov; then θ ← θ − lr·d.
 *
 * <p>For a constant rate this is the same trajectory as MATLAB's form ({@code dev.jacreg.train.SgdMomentum}); when the
 * rate changes they differ, because here the rate multiplies the buffer on use rather than on accumulation.
 */
public final class Sgd extends StatefulOptimizer {
    private final List<Tensor> buffers;  // empty without momentum
    private final double learningRate;
    private final double momentum;
    private final double weightDecay;
    private final boolean nesterov;

    /**
     * Plain SGD: no momentum, no weight decay.
     *
     * @param parameters the tensors to update by name (usually {@code model.parameters()}), updated in place
     * @param learningRate the base step size, &gt; 0
     */
    public Sgd(Map<String, Tensor> parameters, double learningRate) {
        this(parameters, learningRate, 0, 0, false);
    }

    /**
     * SGD with every setting.
     *
     * @param parameters the tensors to update by name (usually {@code model.parameters()}), updated in place; with
     *     momentum, a buffer is allocated beside each
     * @param learningRate the base step size, &gt; 0
     * @param momentum    m in [0, 1); 0 = none
     * @param weightDecay L2 coefficient wd added to the gradient as wd·θ; 0 = none
     * @param nesterov    Nesterov momentum (needs m &gt; 0)
     */
    public Sgd(Map<String, Tensor> parameters, double learningRate, double momentum, double weightDecay, boolean nesterov) {
        super(parameters);
        OptimizerState.checkRate("learning rate", learningRate);
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        OptimizerState.checkNonNegative("weight decay", weightDecay);
        if (nesterov && momentum == 0) throw new IllegalArgumentException("Nesterov momentum needs momentum > 0");
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        this.buffers = momentum > 0 ? state.zerosLikeParameters("momentum_buffer") : List.of();
    }

    @Override
    public void step(List<Tensor> gradients, double rate) {
        state.checkGradients(gradients);
        List<Tensor> parameters = state.parameters();
        try (TensorScope scope = TensorScope.open(); var off = Autograd.noGrad()) {
            for (int i = 0; i < parameters.size(); i++) {
                Tensor grad = gradients.get(i);
                if (grad == null) continue;  // a parameter the loss does not reach keeps its value
                Tensor parameter = parameters.get(i);
                Tensor direction = weightDecay > 0 ? grad.add(parameter.mul(weightDecay)) : grad;
                if (momentum > 0) {
                    Tensor buffer = buffers.get(i).mulInPlace(momentum).addInPlace(direction, 1.0);
                    direction = nesterov ? direction.add(buffer.mul(momentum)) : buffer;
                }
                parameter.addInPlace(direction, -rate);
            }
        }
        state.countStep();
    }

    @Override
    public double learningRate() {
        return learningRate;
    }

    /** {@return the momentum m (0 = none)} */
    public double momentum() {
        return momentum;
    }

    /** {@return the weight-decay coefficient wd (0 = none)} */
    public double weightDecay() {
        return weightDecay;
    }

    /** {@return whether the momentum is Nesterov's} */
    public boolean nesterov() {
        return nesterov;
    }

}
