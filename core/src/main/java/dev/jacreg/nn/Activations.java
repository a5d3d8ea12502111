package dev.jacreg.nn;

import dev.jacreg.Functional;
import dev.jacreg.Tensor;

import java.util.Map;

/** Stateless layers. */
public final class Activations {
    private Activations() {}

    /** A layer without state. */
    public interface Stateless extends Module {
        @Override
        default Map<String, Tensor> parameters() {
            return Map.of();
        }

        @Override
        default void close() {}
    }

    public static Stateless relu() {
        return Functional::relu;
    }

    /** N×... → N×(rest), NCHW order. */
    public static Stateless flatten() {
        return x -> x.flatten(1, -1);
    }

    public static Stateless softmax() {
        return x -> Functional.softmax(x, 1);
    }
}
