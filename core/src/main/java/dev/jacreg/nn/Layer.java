package dev.jacreg.nn;

import dev.jacreg.Autograd;
import dev.jacreg.Device;
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

    /** A layer with no state yet; subclasses add theirs with {@link #parameter} and {@link #buffer}. */
    protected Layer() {}

    /**
     * Registers a learnable tensor under {@code name}, taking ownership; returns it.
     *
     * @param name the parameter's name within this layer, e.g. "weight"
     * @param value the initial tensor; the layer closes it
     * @return {@code value}
     */
    protected final Tensor parameter(String name, Tensor value) {
        state.take(value).requiresGrad(true);
        parameters.put(name, value);
        return value;
    }

    /**
     * Registers a non-learnable state tensor under {@code name}, taking ownership; returns it.
     *
     * @param name the buffer's name within this layer, e.g. "running_mean"
     * @param value the initial tensor; the layer closes it
     * @return {@code value}
     */
    protected final Tensor buffer(String name, Tensor value) {
        state.take(value);
        buffers.put(name, value);
        return value;
    }

    /**
     * The parameter or buffer called {@code name} (the current tensor: {@link #to} replaces them).
     *
     * @param name a name given to {@link #parameter} or {@link #buffer}
     * @return the live tensor (owned by the layer: do not close it)
     */
    protected final Tensor state(String name) {
        Tensor t = parameters.get(name);
        if (t == null) t = buffers.get(name);
        if (t == null) throw new IllegalArgumentException(describe() + " has no parameter or buffer '" + name + "'");
        return t;
    }

    /**
     * Moves every parameter and buffer to {@code device} (parameters stay learnable); returns this. The tensors are
     * replaced, so build the optimiser after moving the model: one built before holds the old, closed tensors.
     */
    @Override
    public Layer to(Device device) {
        device.requireAvailable("(" + describe() + ".to)");
        moveTo(parameters, device, true);
        moveTo(buffers, device, false);
        return this;
    }

    private void moveTo(Map<String, Tensor> tensors, Device device, boolean learnable) {
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor old = e.getValue();
            if (old.device().equals(device)) continue;
            Tensor moved;
            try (var off = Autograd.noGrad()) {
                moved = state.take(old.to(device));
            }
            if (learnable) moved.requiresGrad(true);
            e.setValue(moved);
            old.close();
        }
    }

    /** {@return the device of the layer's first parameter or buffer, or null for a layer without state} */
    public Device device() {
        for (Tensor t : parameters.values()) return t.device();
        for (Tensor t : buffers.values()) return t.device();
        return null;
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

    /** {@return whether the layer is in training mode ({@link #setTraining})} */
    public boolean isTraining() {
        return training;
    }

    @Override
    public void close() {
        if (!state.isClosed()) state.close();
    }
}
