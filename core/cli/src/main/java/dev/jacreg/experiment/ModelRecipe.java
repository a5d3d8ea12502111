package dev.jacreg.experiment;

import dev.jacreg.train.Augmentation;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.RegularizedLoss;

/**
 * One model the experiment trains: the same architecture, initial weights, batches and loop as every other, and
 * differing only in what is declared here — the loss (with or without a penalty), an augmentation of the training
 * batches, and weight decay. {@link ModelCatalog} names the ones {@code --models} offers.
 *
 * @param name         as typed in --models and used in file names and CSV columns, e.g. "noise-augment"
 * @param label        legend and table name, e.g. "Noise augmentation"
 * @param loss         cross-entropy, with the penalty if any
 * @param augmentation what every training batch goes through
 * @param weightDecay  L2 coefficient of the optimizer (PyTorch's SGD weight_decay); 0 = none
 */
public record ModelRecipe(String name, String label, RegularizedLoss loss, Augmentation augmentation, double weightDecay) {
    public ModelRecipe {
        if (name == null || !name.matches("[a-z0-9][a-z0-9-]*")) throw new IllegalArgumentException("bad model name: " + name);
        if (loss == null || augmentation == null) throw new IllegalArgumentException("loss and augmentation must not be null");
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weight decay must be finite and >= 0, got " + weightDecay);
        }
    }

    /** λ of its Jacobian penalty; 0 without one. */
    public double lambda() {
        return loss.penalized() ? loss.penalty().lambda() : 0;
    }

    /** The loss in words, for reports. */
    public String describeLoss() {
        if (loss.robustObjective() != null) return loss.robustObjective().describe();
        if (!loss.penalized()) return "cross-entropy";
        JacobianPenalty p = loss.penalty();
        return "cross-entropy + λ/2·‖J‖²_F, λ = " + Formats.number(p.lambda()) + ", J of the "
                + (p.target() == JacobianPenalty.Target.SOFTMAX ? "softmax" : "logits") + ", "
                + (loss.exact() ? "exact (C one-hot projections)" : p.projections() + " random projection"
                + (p.projections() == 1 ? "" : "s"));
    }
}
