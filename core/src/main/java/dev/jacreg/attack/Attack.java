package dev.jacreg.attack;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.nn.Module;

/**
 * A white-box attack on a classifier: from clean images and their true labels, adversarial images within distance
 * ε ({@link #norm()}) of the clean ones, pixels in [0, 1], that raise the cross-entropy of the logits with the true
 * label. The model is put in inference mode (batch norm uses its running statistics, so images do not interact).
 */
public interface Attack {
    /** {@return short name for files and tables, e.g. "fgsm" or "pgd"} */
    String name();

    /** {@return the ball the perturbation stays in} */
    Norm norm();

    /**
     * Adversarial copies of {@code images} (N×…, floating point, pixels in [0, 1]); a new tensor in the caller's
     * scope, not connected to any graph.
     *
     * @param model the classifier attacked, B×C logits; put in inference mode
     * @param images the clean images, N×…
     * @param labels  int64 true labels, N
     * @param epsilon radius of the ball, >= 0; 0 returns a copy of the images
     * @param random  where random starts are drawn from (unused by deterministic attacks)
     * @return the adversarial images, of the images' shape, within ε of them and in [0, 1]
     */
    Tensor perturb(Module model, Tensor images, Tensor labels, double epsilon, RandomStream random);

    /**
     * The same attack with twice the search (iterations, restarts or queries), for the sanity check that more search
     * barely changes robust accuracy; null for an attack without a budget (FGSM).
     *
     * @return the attack with twice the budget, or null
     */
    default Attack withDoubledBudget() {
        return null;
    }

    /** {@return whether the attack reads only the model's outputs, never its gradients} */
    default boolean blackBox() {
        return false;
    }
}
