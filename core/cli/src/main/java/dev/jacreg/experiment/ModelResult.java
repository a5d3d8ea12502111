package dev.jacreg.experiment;

import dev.jacreg.train.TrainingResult;

/**
 * What one model of an experiment measured.
 *
 * @param recipe       how it was trained
 * @param training     its training run (losses, timings, whether it stopped early)
 * @param accuracy     accuracy (fraction) at each of the experiment's pixel-replacement noise levels
 * @param jacobianNorm mean exact ‖∂Y/∂x‖²_F on the clean test set (Y: the experiment penalty's target), inference mode
 */
public record ModelResult(ModelRecipe recipe, TrainingResult training, double[] accuracy, double jacobianNorm) {
    public ModelResult {
        accuracy = accuracy.clone();
    }

    public String name() {
        return recipe.name();
    }

    public String label() {
        return recipe.label();
    }

    @Override
    public double[] accuracy() {
        return accuracy.clone();
    }
}
