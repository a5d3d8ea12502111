package dev.jacreg.nn;

import dev.jacreg.Tensor;

/** N×d1×d2×… → N×(d1·d2·…), row-major (NCHW order for images); no state. */
public final class Flatten implements Activations.Stateless {
    /** The flattening layer (it has no settings). */
    public Flatten() {}

    @Override
    public Tensor forward(Tensor input) {
        return input.flatten(1, -1);
    }

    @Override
    public String describe() {
        return "Flatten";
    }
}
