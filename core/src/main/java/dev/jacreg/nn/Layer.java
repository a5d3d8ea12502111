package dev.jacreg.nn;

import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Base for leaf layers: keeps named parameters and buffers in a detached owner (so they belong to no scope,
 * whichever scope was current when they were made) and frees them on {@link #close()}.
 */
public abstract class Layer implements Module {
    private final TensorScope state = TensorScope.detached();
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private boolean training = true;

    protected final Tensor parameter(String name, Tensor value) {
        state.take(value).requiresGrad(true);
        parameters.put(name, value);
        return value;
    }

    protected final Tensor buffer(String name, Tensor value) {
        state.take(value);
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
        if (!state.isClosed()) state.close();
    }
}
