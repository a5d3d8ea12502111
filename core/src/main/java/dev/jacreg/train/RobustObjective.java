package dev.jacreg.train;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.nn.Module;

/**
 * A training objective that replaces cross-entropy (with or without the Jacobian penalty) by one aimed at adversarial
 * robustness: adversarial training, TRADES, the input-gradient penalty. It is used through
 * {@link RegularizedLoss#robust}, so the loop, batches and optimizer stay those of every other model.
 */
public interface RobustObjective {
    /**
     * The objective on a training batch, differentiable in the model's parameters. The model is in training mode on
     * entry and must be on return (an inner attack may switch it to inference mode meanwhile). In the returned parts,
     * crossEntropy and total are both the whole objective (it is what the loop records and checks as the loss);
     * logits and softmax are those of the clean batch; penalty is null.
     *
     * @param model the model
     * @param images the clean batch
     * @param oneHotTargets B×C one-hot rows in the images' dtype
     * @return the parts
     */
    RegularizedLoss.Parts compute(Module model, Tensor images, Tensor oneHotTargets);

    /**
     * This objective with its random draws (an inner attack's starts) from {@code random} instead: a copy for one
     * training run, so that runs at the same time on threads of one process do not share a stream. An objective that
     * draws nothing returns itself.
     *
     * @param random the stream the copy draws from
     * @return the copy, or this objective when it draws nothing
     */
    default RobustObjective drawingFrom(RandomStream random) {
        return this;
    }

    /** {@return the objective in words, for reports, e.g. "TRADES, β = 6, …"} */
    String describe();
}
