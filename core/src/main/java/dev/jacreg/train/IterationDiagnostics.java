package dev.jacreg.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one training iteration looked like, recorded when {@link TrainingConfig#diagnostics()} is on. NaN where a
 * value does not apply (the penalty and its gradient of an unpenalized net).
 *
 * @param crossEntropy             cross-entropy of the batch
 * @param penalty                  the penalty estimate R (unweighted)
 * @param lambda                   the λ in force (below the configured one during a warm-up)
 * @param learningRate             the learning rate of this step
 * @param gradNormCrossEntropy     L2 norm over all parameters of the gradient of the cross-entropy
 * @param gradNormPenalty          L2 norm of the gradient of (λ/2)·R
 * @param gradNormTotal            L2 norm of their sum, before any clipping
 * @param parameterNorm            L2 norm over all parameters before the step
 * @param batchNormMinVariance     per batch-norm layer (by name, in order) the smallest per-channel batch variance of
 *                                 its training-mode forward pass
 * @param meanMaxProbability       mean over the batch of the largest softmax probability
 * @param meanLogitNorm            mean over the batch of each sample's logit vector's L2 norm
 */
public record IterationDiagnostics(double crossEntropy, double penalty, double lambda, double learningRate,
                                   double gradNormCrossEntropy, double gradNormPenalty, double gradNormTotal,
                                   double parameterNorm, Map<String, Double> batchNormMinVariance,
                                   double meanMaxProbability, double meanLogitNorm) {
    /** Copies the batch-norm variances. */
    public IterationDiagnostics {
        batchNormMinVariance = Collections.unmodifiableMap(new LinkedHashMap<>(batchNormMinVariance));
    }
}
