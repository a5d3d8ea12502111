package dev.jacreg.train;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.attack.Pgd;
import dev.jacreg.nn.Module;

import java.util.Objects;

/**
 * PGD adversarial training (Madry et al. 2018): the cross-entropy at PGD-k adversarial copies of the batch, found
 * afresh for every batch with the model in inference mode (so batch norm's running statistics do not see the attack's
 * intermediate points), from a random start; the training step then sees only the adversarial copies.
 */
public final class AdversarialTraining implements RobustObjective {
    private final Pgd attack;
    private final double epsilon;
    private final RandomStream random;

    /**
     * Madry et al.'s adversarial training: the cross-entropy at PGD's adversarial copies of each batch.
     *
     * @param attack  the inner attack (it must have a random start, as Madry's)
     * @param epsilon its radius, > 0
     * @param random  where its random starts come from
     */
    public AdversarialTraining(Pgd attack, double epsilon, RandomStream random) {
        this.attack = Objects.requireNonNull(attack, "attack");
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("adversarial training ε must be finite and > 0, got " + epsilon);
        }
        this.epsilon = epsilon;
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public RegularizedLoss.Parts compute(Module model, Tensor images, Tensor oneHotTargets) {
        Tensor adversarial;
        try {
            adversarial = attack.perturb(model, images, oneHotTargets.argmax(1), epsilon, random);
        } finally {
            model.setTraining(true);
        }
        return lossAt(model, adversarial, oneHotTargets);
    }

    /**
     * The objective with the adversarial copies given: the mean cross-entropy there.
     *
     * @param model the model, in training mode
     * @param adversarial the adversarial copies of the batch
     * @param oneHotTargets B×C one-hot rows in the images' dtype
     * @return the parts, crossEntropy and total both the objective
     */
    public static RegularizedLoss.Parts lossAt(Module model, Tensor adversarial, Tensor oneHotTargets) {
        Tensor logits = model.forward(adversarial);
        Tensor crossEntropy = RegularizedLoss.crossEntropy(logits, oneHotTargets);
        return new RegularizedLoss.Parts(logits, dev.jacreg.Functional.softmax(logits, 1), crossEntropy, null, crossEntropy);
    }

    @Override
    public AdversarialTraining drawingFrom(RandomStream random) {
        return new AdversarialTraining(attack, epsilon, random);
    }

    @Override
    public String describe() {
        return "cross-entropy at " + attack + " adversarial copies, ε = " + epsilon + " (PGD adversarial training)";
    }
}
