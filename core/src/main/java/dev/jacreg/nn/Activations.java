package dev.jacreg.nn;

import dev.jacreg.Functional;
import dev.jacreg.Tensor;

import java.util.Map;
import java.util.function.UnaryOperator;

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

    /** A stateless layer with a name for summaries. */
    private record Named(String describe, UnaryOperator<Tensor> function) implements Stateless {
        @Override
        public Tensor forward(Tensor input) {
            return function.apply(input);
        }
    }

    /** {@return max(x, 0) elementwise} */
    public static Stateless relu() {
        return new Named("ReLU", Functional::relu);
    }

    /** {@return n×..} → N×(rest), NCHW order ({@link Flatten}). */
    public static Stateless flatten() {
        return new Flatten();
    }

    /** {@return softmax over dimension 1 (the classes of a B×C output)} */
    public static Stateless softmax() {
        return new Named("Softmax", x -> Functional.softmax(x, 1));
    }
}
