/**
 * Training: the loss with the Jacobian penalty ({@link dev.jacreg.train.RegularizedLoss},
 * {@link dev.jacreg.train.JacobianPenalty}), one optimisation step ({@link dev.jacreg.train.TrainingStep}), SGD with
 * momentum, learning-rate schedules, augmentations, the loop over epochs ({@link dev.jacreg.train.Trainer}) and
 * evaluation ({@link dev.jacreg.train.Evaluator}); robust training objectives ({@link dev.jacreg.train.RobustObjective});
 * and {@link dev.jacreg.train.Fit}, a training loop for any model, loss terms and optimiser, with callbacks and
 * {@link dev.jacreg.train.Checkpoint}s. Library code: it knows nothing of the command line or reports.
 */
package dev.jacreg.train;
