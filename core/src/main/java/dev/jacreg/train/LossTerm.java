package dev.jacreg.train;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.nn.Module;

/**
 * One term of a training loss, e.g. the cross-entropy or a weighted Jacobian penalty; {@link Fit} sums its terms and
 * backpropagates the sum. A term works on any model whose output is B×C. {@link LossTerms} has the built-in ones.
 */
public interface LossTerm {
    /** {@return a short name for records and progress lines, e.g. "cross-entropy" or "jacobian"} */
    String name();

    /**
     * Whether the term differentiates with respect to the model's input (a Jacobian penalty does): the input is then a
     * graph leaf that requires grad.
     *
     * @return true when it differentiates with respect to the input
     */
    default boolean needsInputGradient() {
        return false;
    }

    /**
     * The term's (weighted) scalar value for one batch, differentiable; new tensors go to the caller's scope.
     *
     * @param context the batch, the model's output and the targets
     * @return a scalar tensor
     */
    Tensor compute(Context context);

    /**
     * What a term sees of one batch.
     *
     * @param model   the model, in training mode
     * @param input   the batch's features as the model got them (a leaf requiring grad when a term needs it)
     * @param output  the model's B×C output for {@code input} (logits)
     * @param targets the one-hot targets, B×C, in the output's dtype
     * @param random  the stream for the term's random draws (e.g. projection directions); reproducible per epoch
     */
    record Context(Module model, Tensor input, Tensor output, Tensor targets, RandomStream random) {}
}
