package dev.jacreg.nn;

import dev.jacreg.Functional;
import dev.jacreg.Tensor;

/**
 * Dropout: in training mode zeroes each element with probability p and scales the rest by 1/(1 − p); in
 * inference mode ({@code setTraining(false)}) passes the input through. No parameters.
 */
public final class Dropout extends Layer {
    private final double p;

    /**
     * A dropout layer: in training mode it zeroes each element with probability p and scales the rest by 1/(1 − p); in
     * inference mode it passes the input through.
     *
     * @param p the probability of zeroing an element
     * @throws IllegalArgumentException unless 0 ≤ p &lt; 1
     */
    public Dropout(double p) {
        Functional.checkDropout(p);
        this.p = p;
    }

    /** {@return the probability p of zeroing an element in training mode} */
    public double probability() {
        return p;
    }

    @Override
    public String describe() {
        return "Dropout(p = " + p + ")";
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.dropout(input, p, isTraining());
    }
}
