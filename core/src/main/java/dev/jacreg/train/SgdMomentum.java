package dev.jacreg.train;

import dev.jacreg.Autograd;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.optim.Optimizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SGD with momentum in MATLAB's form (sgdmupdate): vel ← m·vel − lr·grad, θ ← θ + vel, with vel
 * starting at 0. Each step consumes and clears the parameters' accumulated gradients. With weight decay wd the
 * gradient becomes grad + wd·θ first, on every parameter, as PyTorch's {@code SGD(weight_decay=wd)} does (after any
 * gradient clipping, which sees the loss's gradient only); for a constant rate this is PyTorch's update exactly.
 */
public final class SgdMomentum implements Optimizer {
    private final TensorScope state = TensorScope.detached();  // the velocities, outside any scope
    private final List<Tensor> parameters;
    private final Map<String, Tensor> velocities = new LinkedHashMap<>();
    private final List<Tensor> velocityList = new ArrayList<>();
    private final double learningRate;
    private final double momentum;
    private final double weightDecay;
    private long steps;

    /**
     * Without weight decay.
     *
     * @param parameters the tensors to update by name, updated in place
     * @param learningRate the base step size, &gt; 0
     * @param momentum m in [0, 1)
     */
    public SgdMomentum(Map<String, Tensor> parameters, double learningRate, double momentum) {
        this(parameters, learningRate, momentum, 0);
    }

    /**
     * SGDM with weight decay.
     *
     * @param parameters the tensors to update by name, updated in place
     * @param learningRate the base step size, &gt; 0
     * @param momentum m in [0, 1)
     * @param weightDecay L2 coefficient wd added to the gradient as wd·θ; 0 = none
     */
    public SgdMomentum(Map<String, Tensor> parameters, double learningRate, double momentum, double weightDecay) {
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weight decay must be finite and >= 0, got " + weightDecay);
        }
        this.weightDecay = weightDecay;
        if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        this.parameters = List.copyOf(parameters.values());
        this.learningRate = learningRate;
        this.momentum = momentum;
        parameters.forEach((name, p) -> {
            try (TensorScope scope = TensorScope.open()) {
                Tensor velocity = state.take(Tensor.zeros(p.dtype(), p.shape()).to(p.device()));
                velocities.put(name, velocity);
                velocityList.add(velocity);
            }
        });
    }

    /** Applies one update from the gradients of the last backward pass, then clears them. */
    @Override
    public void step() {
        List<Tensor> gradients = new ArrayList<>(parameters.size());
        try {
            for (Tensor parameter : parameters) gradients.add(parameter.grad());
            step(gradients, learningRate);
        } finally {
            for (Tensor g : gradients) if (g != null) g.close();
            parameters.forEach(Tensor::clearGrad);
        }
    }

    /**
     * Applies one update from the given gradients (one per parameter, in {@link #SgdMomentum} order; null leaves that
     * parameter and its velocity as they are) with the given learning rate, e.g. from a schedule. The parameters'
     * accumulated gradients are not read.
     */
    @Override
    public void step(List<Tensor> gradients, double rate) {
        if (gradients.size() != parameters.size()) {
            throw new IllegalArgumentException("got " + gradients.size() + " gradients for " + parameters.size() + " parameters");
        }
        try (var off = Autograd.noGrad()) {
            for (int i = 0; i < parameters.size(); i++) {
                Tensor grad = gradients.get(i);
                if (grad == null) continue;  // a parameter the loss does not reach keeps its value
                Tensor velocity = velocityList.get(i);
                Tensor parameter = parameters.get(i);
                velocity.mulInPlace(momentum).addInPlace(grad, -rate);
                if (weightDecay > 0) velocity.addInPlace(parameter, -rate * weightDecay);
                parameter.addInPlace(velocity, 1.0);
            }
        }
        steps++;
    }

    /** The parameters this optimiser updates, in the order {@link #step(List, double)} expects gradients. */
    @Override
    public List<Tensor> parameters() {
        return parameters;
    }

    /** {@return the velocity of each parameter, by the parameter's name} */
    public Map<String, Tensor> velocities() {
        return Collections.unmodifiableMap(velocities);
    }

    /** The velocities, named "velocity." + the parameter's name. */
    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> named = new LinkedHashMap<>();
        velocities.forEach((name, velocity) -> named.put("velocity." + name, velocity));
        return Collections.unmodifiableMap(named);
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public void restoreSteps(long steps) {
        if (steps < 0) throw new IllegalArgumentException("step count must be >= 0, got " + steps);
        this.steps = steps;
    }

    @Override
    public double learningRate() {
        return learningRate;
    }

    /** {@return the momentum m} */
    public double momentum() {
        return momentum;
    }

    /** {@return the weight-decay coefficient wd (0 = none)} */
    public double weightDecay() {
        return weightDecay;
    }

    @Override
    public void close() {
        if (!state.isClosed()) state.close();
    }
}
