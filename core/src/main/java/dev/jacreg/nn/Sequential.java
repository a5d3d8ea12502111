package dev.jacreg.nn;

import dev.jacreg.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/** Named layers applied in order; parameter names are "child.name" (e.g. "conv1.weight"). */
public final class Sequential implements Module {
    private final Map<String, Module> children = new LinkedHashMap<>();

    public Sequential add(String name, Module child) {
        if (name.isEmpty() || name.contains(".")) throw new IllegalArgumentException("bad layer name '" + name + "'");
        if (children.putIfAbsent(name, child) != null) throw new IllegalArgumentException("duplicate layer name " + name);
        return this;
    }

    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor x = input;
        for (Module child : children.values()) x = child.forward(x);
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

    @Override
    public void close() {
        children.values().forEach(Module::close);
    }
}
