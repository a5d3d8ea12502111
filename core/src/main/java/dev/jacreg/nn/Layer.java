package dev.jacreg.nn;

import dev.jacreg.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Base for leaf layers: keeps named parameters and buffers, takes them out of any scope, frees them. */
public abstract class Layer implements Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private boolean training = true;

    protected final Tensor parameter(String name, Tensor value) {
        value.releaseFromScope().requiresGrad(true);
        parameters.put(name, value);
        return value;
    }

    protected final Tensor buffer(String name, Tensor value) {
        value.releaseFromScope();
        buffers.put(name, value);
        return value;
    }

    @Override
    public Map<String, Tensor> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    @Override
    public Map<String, Tensor> buffers() {
        return Collections.unmodifiableMap(buffers);
    }

    @Override
    public void setTraining(boolean training) {
        this.training = training;
    }

    public boolean isTraining() {
        return training;
    }

    @Override
    public void close() {
        parameters.values().forEach(Tensor::close);
        buffers.values().forEach(Tensor::close);
    }
}
