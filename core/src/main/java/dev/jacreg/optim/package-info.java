/**
 * Optimisers over a module's named parameters: {@link dev.jacreg.optim.Optimizer}, {@link dev.jacreg.optim.Sgd}
 * (momentum, Nesterov, weight decay) and {@link dev.jacreg.optim.Adam} (Adam and AdamW), each with PyTorch 1.13's
 * update rule, and {@link dev.jacreg.optim.OptimizerState}, the state a checkpoint saves. Library code.
 */
package dev.jacreg.optim;
