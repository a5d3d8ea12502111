package dev.jacreg.nn;

import dev.jacreg.Device;
import dev.jacreg.Tensor;

import java.util.Map;

/**
 * A differentiable function with named state. Parameters are the learnables an optimiser updates;
 * buffers are the rest of the state a saved model needs (batch-norm running statistics, the mean
 * image). A module owns its tensors (they belong to no {@link dev.jacreg.TensorScope}) and frees them
 * on {@link #close()}.
 */
public interface Module extends AutoCloseable {
    /**
     * Output for a batch; new tensors go to the caller's current scope.
     *
     * @param input a batch, first dimension the examples, on the module's device
     * @return the output for the batch; new tensors go to the caller's current scope
     */
    Tensor forward(Tensor input);

    /** {@return learnable tensors by dotted name, in a stable order} */
    Map<String, Tensor> parameters();

    /** {@return non-learnable state by dotted name} */
    default Map<String, Tensor> buffers() {
        return Map.of();
    }

    /**
     * Training mode (batch statistics, running statistics updated) or inference mode.
     *
     * @param training true for training mode, false for inference mode
     */
    default void setTraining(boolean training) {}

    /**
     * Moves the module's parameters and buffers to {@code device} and returns it. Stateless modules need no move; a
     * stateful module that cannot move says so. Build the optimiser after moving.
     *
     * @param device where the state goes
     * @return this module, moved
     */
    default Module to(Device device) {
        java.util.Objects.requireNonNull(device, "device");
        if (parameters().isEmpty() && buffers().isEmpty()) return this;
        throw new UnsupportedOperationException(describe() + " cannot move its state to " + device);
    }

    /** {@return the number of learnable values: the sum of the parameters' element counts} */
    default long parameterCount() {
        long count = 0;
        for (Tensor parameter : parameters().values()) count += parameter.numel();
        return count;
    }

    /**
     * {@return one line naming the kind of module and its settings, e.g. "Linear(320 → 10)", for summaries and errors}
     */
    default String describe() {
        String name = getClass().getSimpleName();
        return name.isEmpty() || getClass().isSynthetic() || name.contains("$$Lambda") ? "module" : name;
    }

    @Override
    void close();
}
