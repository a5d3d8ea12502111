package dev.jacreg.optim;

import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The bookkeeping every optimiser here shares: its parameters in order, the per-parameter state tensors (zeros
 * shaped like their parameter, on its device, held by a detached owner), their names for checkpoints, the step count
 * and the check that a gradient list fits.
 */
final class OptimizerState implements AutoCloseable {
    private final TensorScope owner = TensorScope.detached();
    private final List<String> names;
    private final List<Tensor> parameters;
    private final Map<String, Tensor> state = new LinkedHashMap<>();
    private long steps;

    OptimizerState(Map<String, Tensor> parameters) {
        Objects.requireNonNull(parameters, "parameters");
        if (parameters.isEmpty()) throw new IllegalArgumentException("an optimizer needs at least one parameter");
        this.names = List.copyOf(parameters.keySet());
        this.parameters = List.copyOf(parameters.values());
    }

    /** One zero tensor per parameter, named "kind.parameterName", in parameter order. */
    List<Tensor> zerosLikeParameters(String kind) {
        List<Tensor> tensors = new ArrayList<>(parameters.size());
        for (int i = 0; i < parameters.size(); i++) {
            Tensor p = parameters.get(i);
            try (TensorScope scope = TensorScope.open()) {
                Tensor zeros = owner.take(Tensor.zeros(p.dtype(), p.shape()).to(p.device()));
                state.put(kind + "." + names.get(i), zeros);
                tensors.add(zeros);
            }
        }
        return tensors;
    }

    List<Tensor> parameters() {
        return parameters;
    }

    Map<String, Tensor> state() {
        return Collections.unmodifiableMap(state);
    }

    /** Throws unless there is one gradient (or null) per parameter. */
    void checkGradients(List<Tensor> gradients) {
        if (gradients.size() != parameters.size()) {
            throw new IllegalArgumentException("got " + gradients.size() + " gradients for " + parameters.size() + " parameters");
        }
    }

    /** Counts one more update and returns the new count (1 for the first). */
    long countStep() {
        return ++steps;
    }

    long steps() {
        return steps;
    }

    void restoreSteps(long steps) {
        if (steps < 0) throw new IllegalArgumentException("step count must be >= 0, got " + steps);
        this.steps = steps;
    }

    static void checkRate(String what, double rate) {
        if (!(rate > 0) || Double.isInfinite(rate)) throw new IllegalArgumentException(what + " must be finite and > 0, got " + rate);
    }

    static void checkNonNegative(String what, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(what + " must be finite and >= 0, got " + value);
        }
    }

    @Override
    public void close() {
        if (!owner.isClosed()) owner.close();
    }
}
