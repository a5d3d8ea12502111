package dev.jacreg.optim;

import dev.jacreg.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Updates a model's parameters from their gradients. An optimiser is built over named parameters (a module's
 * {@code parameters()}), keeps its own state tensors (momentum buffers, moment estimates) outside any scope and frees
 * them on {@link #close()}. The learning rate of each step is passed in, so any {@code LearningRateSchedule} can drive
 * it; {@link #step()} uses the base rate.
 *
 * <p>For checkpoints, {@link #state()} names every state tensor and {@link #steps()} counts the updates applied: copying
 * the tensors' values back and restoring the count with {@link #restoreSteps} makes the next update exactly the one an
 * uninterrupted run would apply.
 */
public interface Optimizer extends AutoCloseable {
    /** {@return the parameters this optimiser updates, in the order {@link #step(List, double)} expects gradients} */
    List<Tensor> parameters();

    /** {@return the base learning rate, used by {@link #step()}} */
    double learningRate();

    /**
     * Applies one update from the given gradients (one per parameter, in {@link #parameters()} order; null leaves that
     * parameter and its state as they are) with the given learning rate. The parameters' accumulated gradients are not
     * read.
     *
     * @param gradients one gradient per parameter, each of its parameter's shape, dtype and device, or null to skip it
     * @param rate the learning rate of this step (a schedule's value; the optimizer's own rate is only its base)
     */
    void step(List<Tensor> gradients, double rate);

    /** Applies one update at the base rate from the gradients of the last backward pass, then clears them. */
    default void step() {
        List<Tensor> parameters = parameters();
        List<Tensor> gradients = new ArrayList<>(parameters.size());
        try {
            for (Tensor parameter : parameters) gradients.add(parameter.grad());
            step(gradients, learningRate());
        } finally {
            for (Tensor g : gradients) if (g != null) g.close();
            parameters.forEach(Tensor::clearGrad);
        }
    }

    /** {@return every state tensor by a stable name (e.g. "exp_avg.fc.weight"); the live tensors, not copies} */
    Map<String, Tensor> state();

    /** {@return number of updates applied so far (Adam's bias correction depends on it)} */
    long steps();

    /**
     * Sets the update count, when resuming from a checkpoint whose {@link #state()} was copied back.
     *
     * @param steps the number of updates already applied, as {@link #steps()} returned when the state was saved
     */
    void restoreSteps(long steps);

    /** Frees the state tensors (not the parameters). */
    @Override
    void close();
}
