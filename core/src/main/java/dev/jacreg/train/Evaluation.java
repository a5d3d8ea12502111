package dev.jacreg.train;

/**
 * How a classifier did on a set, from {@link Evaluator#evaluate}.
 *
 * @param examples the number of examples evaluated
 * @param correct  how many of them the model classified as their label (the arg-max of its output)
 * @param meanLoss the mean over the examples of the cross-entropy of the softmax output (natural log, nats)
 */
public record Evaluation(long examples, long correct, double meanLoss) {
    /** Checks the counts. */
    public Evaluation {
        if (examples < 1 || correct < 0 || correct > examples) {
            throw new IllegalArgumentException("an evaluation needs 0 <= correct <= examples and examples >= 1, got "
                    + correct + " of " + examples);
        }
    }

    /** {@return the share of the examples classified correctly, in [0, 1]} */
    public double accuracy() {
        return (double) correct / examples;
    }
}
