package dev.jacreg.train;

import dev.jacreg.Autograd;
import dev.jacreg.Tensor;
import dev.jacreg.nn.Module;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Copies of a model's buffers (batch norm's running statistics) that can be put back: for a pass that must not leave
 * its updates behind (a second forward of the same batch, a batch that failed).
 */
final class BufferSnapshot {
    private final Map<String, Tensor> live;
    private final Map<String, Tensor> saved = new LinkedHashMap<>();

    /** Copies the buffers now; the copies live in the caller's scope. */
    BufferSnapshot(Module model) {
        live = model.buffers();
        try (var off = Autograd.noGrad()) {
            live.forEach((name, value) -> saved.put(name, value.clone()));
        }
    }

    /** Writes the copies back into the model's buffers, in place. */
    void restore() {
        try (var off = Autograd.noGrad()) {
            live.forEach((name, value) -> value.copyFrom(saved.get(name)));
        }
    }
}
