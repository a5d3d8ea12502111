package dev.jacreg.optim;

import dev.jacreg.Tensor;

import java.util.List;
import java.util.Map;

/**
 * What every optimizer here does alike: its parameters, named state tensors and step count live in one
 * {@link OptimizerState}, which this class exposes and closes; subclasses add only the update rule.
 */
abstract class StatefulOptimizer implements Optimizer {
    /** The parameters, the state tensors and the step count. */
    protected final OptimizerState state;

    StatefulOptimizer(Map<String, Tensor> parameters) {
        this.state = new OptimizerState(parameters);
    }

    @Override
    public List<Tensor> parameters() {
        return state.parameters();
    }

    @Override
    public Map<String, Tensor> state() {
        return state.state();
    }

    @Override
    public long steps() {
        return state.steps();
    }

    @Override
    public void restoreSteps(long steps) {
        state.restoreSteps(steps);
    }

    @Override
    public void close() {
        state.close();
    }
}
