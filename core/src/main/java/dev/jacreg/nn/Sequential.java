package dev.jacreg.nn;

import dev.jacreg.Device;
import dev.jacreg.Tensor;
import dev.jacreg.TorchException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Named layers applied in order; parameter names are "child.name" (e.g. "conv1.weight"). When a layer cannot take
 * its input, the forward pass names the layer by its path ("block.fc") and what it expected: a {@link LayerException}
 * (a TorchException) when libtorch rejected the input, an IllegalArgumentException when the layer refused an argument
 * (e.g. batch norm in training mode on one value per channel). Build one with {@link #add} or {@link #builder()}:
 * <pre>{@code
 * Sequential mlp = Sequential.builder()
 *         .add("fc1", new Linear(20, 64, DType.FLOAT32)).add("relu1", Activations.relu())
 *         .add("fc2", new Linear(64, 3, DType.FLOAT32))
 *         .build();
 * }</pre>
 */
public final class Sequential implements Module {
    private final Map<String, Module> children = new LinkedHashMap<>();

    /** An empty model; {@link #add} appends layers. */
    public Sequential() {}

    /**
     * Appends a layer; names are unique, non-empty and without dots (the dot separates a parameter's path).
     *
     * @param name the layer's name, the first part of its parameters' dotted names
     * @param child the layer; this Sequential takes ownership and closes it
     * @return this Sequential
     */
    public Sequential add(String name, Module child) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(child, "child");
        if (name.isEmpty() || name.contains(".")) throw new IllegalArgumentException("bad layer name '" + name + "'");
        if (children.putIfAbsent(name, child) != null) throw new IllegalArgumentException("duplicate layer name " + name);
        return this;
    }

    /**
     * {@return a builder; {@link Builder#add(Module)} names layers by position ("0", "1", …) as PyTorch's Sequential
     * does}
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects the layers of a {@link Sequential}. */
    public static final class Builder {
        private final Sequential sequential = new Sequential();
        private boolean built;

        private Builder() {}

        /**
         * Appends a named layer (see {@link Sequential#add}).
         *
         * @param name the layer's name, unique, non-empty, without dots
         * @param layer the layer; the built Sequential takes ownership
         * @return this builder
         */
        public Builder add(String name, Module layer) {
            check();
            sequential.add(name, layer);
            return this;
        }

        /**
         * Appends a layer named by its position: "0" for the first, and so on.
         *
         * @param layer the layer; the built Sequential takes ownership
         * @return this builder
         */
        public Builder add(Module layer) {
            return add(Integer.toString(sequential.children.size()), layer);
        }

        /** {@return the model; the builder cannot be used afterwards} */
        public Sequential build() {
            check();
            if (sequential.children.isEmpty()) throw new IllegalStateException("a Sequential needs at least one layer");
            built = true;
            return sequential;
        }

        private void check() {
            if (built) throw new IllegalStateException("this builder has already built its Sequential");
        }
    }

    /** {@return the layers by name, in order} */
    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor x = input;
        for (Map.Entry<String, Module> child : children.entrySet()) {
            try {
                x = child.getValue().forward(x);
            } catch (TorchException | IllegalArgumentException e) {
                throw LayerException.inLayer(child.getKey(), child.getValue(), e);
            }
        }
        return x;
    }

    @Override
    public Map<String, Tensor> parameters() {
        return prefixed(Module::parameters);
    }

    @Override
    public Map<String, Tensor> buffers() {
        return prefixed(Module::buffers);
    }

    private Map<String, Tensor> prefixed(Function<Module, Map<String, Tensor>> state) {
        Map<String, Tensor> all = new LinkedHashMap<>();
        children.forEach((name, child) -> state.apply(child).forEach((key, value) -> all.put(name + "." + key, value)));
        return Collections.unmodifiableMap(all);
    }

    @Override
    public void setTraining(boolean training) {
        children.values().forEach(child -> child.setTraining(training));
    }

    /** Moves every layer to {@code device} ({@link Module#to}); returns this. Build the optimiser afterwards. */
    @Override
    public Sequential to(Device device) {
        children.values().forEach(child -> child.to(device));
        return this;
    }

    @Override
    public String describe() {
        return "Sequential(" + children.size() + " layers)";
    }

    /**
     * A table of the layers (nested Sequentials indented): name, kind and settings, parameter count; then the total,
     * e.g. for printing before training.
     *
     * @return the table, lines separated by '\n'
     */
    public String summary() {
        StringBuilder table = new StringBuilder();
        table.append(String.format(Locale.ROOT, "%-24s %-44s %12s%n", "layer", "kind", "parameters"));
        appendRows(table, "");
        table.append(String.format(Locale.ROOT, "%-24s %-44s %12d%n", "total", "", parameterCount()));
        return table.toString();
    }

    private void appendRows(StringBuilder table, String indent) {
        children.forEach((name, child) -> {
            table.append(String.format(Locale.ROOT, "%-24s %-44s %12d%n", indent + name, child.describe(), child.parameterCount()));
            if (child instanceof Sequential nested) nested.appendRows(table, indent + "  ");
        });
    }

    @Override
    public void close() {
        children.values().forEach(Module::close);
    }
}
