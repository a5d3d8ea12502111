package dev.jacreg.train;

import dev.jacreg.Autograd;
import dev.jacreg.Tensor;
import dev.jacreg.nn.BatchNorm2d;
import dev.jacreg.nn.Module;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One iteration of {@link Trainer} on one batch: loss, gradient, the finiteness checks, the remedies of
 * {@link TrainingConfig} (λ warm-up, learning-rate schedule, gradient clipping) and, when on, the diagnostics.
 * With every remedy off and diagnostics off it is the specification's step exactly: total.backward(), then SGDM.
 * In a data-parallel run ({@link DataParallel}) the gradients and loss values are averaged over the ranks right
 * after the backward pass, so the checks, the clipping and the step all see the global batch's values.
 */
final class TrainingStep {
    /** What one iteration produced: the values, or what went non-finite (then nothing was applied). */
    record Outcome(double loss, double penalty, IterationDiagnostics diagnostics, NonFiniteLossException.Part failure,
                   String detail, boolean stopAgreed) {
        Outcome(double loss, double penalty, IterationDiagnostics diagnostics, NonFiniteLossException.Part failure,
                String detail) {
            this(loss, penalty, diagnostics, failure, detail, false);
        }

        static Outcome failed(NonFiniteLossException.Part part, String detail) {
            return new Outcome(Double.NaN, Double.NaN, null, part, detail);
        }
    }

    private final TrainingConfig config;
    private final RegularizedLoss loss;
    private final Module model;
    private final SgdMomentum optimizer;
    private final int perEpoch;
    private final Map<String, BatchNorm2d> batchNorms;
    private final DataParallel parallel;

    TrainingStep(TrainingConfig config, RegularizedLoss loss, Module model, SgdMomentum optimizer, int perEpoch) {
        this(config, loss, model, optimizer, perEpoch, null);
    }

    /** @param parallel the data-parallel run this rank belongs to, or null */
    TrainingStep(TrainingConfig config, RegularizedLoss loss, Module model, SgdMomentum optimizer, int perEpoch,
                 DataParallel parallel) {
        this.parallel = parallel;
        this.config = config;
        this.loss = loss;
        this.model = model;
        this.optimizer = optimizer;
        this.perEpoch = perEpoch;
        this.batchNorms = config.diagnostics() ? TrainingDiagnostics.batchNormLayers(model) : Map.of();
    }

    /** Starts or stops the batch-variance recording the diagnostics need. */
    void recordBatchVariances(boolean on) {
        TrainingDiagnostics.recordBatchVariances(batchNorms, on);
    }

    /**
     * Runs iteration (0-based over the run) on a batch; new tensors go to the caller's scope. directions are
     * the penalty's unit directions, or null for fresh ones from libtorch's generator.
     */
    Outcome run(int iteration, Tensor images, Tensor targets, List<Tensor> directions) {
        return run(iteration, images, targets, directions, false);
    }

    /**
     * As {@link #run(int, Tensor, Tensor, List)}; in a data-parallel run stopVote is this rank's stop request, and the
     * outcome's stopAgreed says whether any rank asked (so all ranks end after the same step).
     */
    Outcome run(int iteration, Tensor images, Tensor targets, List<Tensor> directions, boolean stopVote) {
        // A penalty on every K-th step only (JacobianPenalty.every) weighs K·λ there; the other steps are plain.
        boolean penalized = loss.penalized() && loss.penalty().appliesAt(iteration);
        double lambda = penalized
                ? loss.penalty().lambda() * loss.penalty().every() * config.penaltyScale(iteration, perEpoch) : 0;
        double rate = config.learningRate(iteration, perEpoch);

        RegularizedLoss stepLoss = penalized || !loss.penalized() ? loss : RegularizedLoss.plain();
        RegularizedLoss.Parts parts = stepLoss.compute(model, images, targets, directions, lambda);
        // The values are read back for the record anyway, so checking them is free.
        double[] values = {parts.crossEntropy().item(), penalized ? parts.penalty().item() : Double.NaN,
                penalized ? parts.total().item() : Double.NaN, stopVote ? 1 : 0};

        List<Tensor> parameters = optimizer.parameters();
        List<Tensor> gradients;
        double normCrossEntropy = Double.NaN, normPenalty = Double.NaN;
        // A penalized net's gradient is split into its parts only on some iterations (each split costs one more
        // backward pass through the forward graph); an unpenalized net's gradient is all cross-entropy anyway.
        boolean split = penalized && config.splitsGradient(iteration);
        if (split) {
            // The two parts separately (the forward graph kept for the second); their sum is what total.backward()
            // would accumulate.
            List<Tensor> ceGradients = Autograd.grad(List.of(parts.crossEntropy()), parameters, null, false, true,
                    Autograd.Unused.ZEROS);
            normCrossEntropy = Gradients.norm(ceGradients);
            List<Tensor> penaltyGradients = Autograd.grad(List.of(parts.penalty().mul(lambda / 2)), parameters, null,
                    false, false, Autograd.Unused.ZEROS);
            normPenalty = Gradients.norm(penaltyGradients);
            gradients = Gradients.sum(ceGradients, penaltyGradients);
        } else {
            if (parallel != null) parallel.beforeBackward(values.length);
            parts.total().backward();
            gradients = new ArrayList<>(parameters.size());
            for (Tensor p : parameters) {
                Tensor g = p.grad();
                // In a data-parallel run a parameter the loss does not reach still takes part in the reduction, as zeros.
                gradients.add(g != null || parallel == null ? g : Tensor.zeros(p.dtype(), p.shape()).to(p.device()));
                p.clearGrad();  // the handle above keeps the gradient; the next backward starts from nothing
            }
        }
        // Data-parallel: from here on every rank holds the global batch's mean values and gradients, so all ranks
        // pass or fail the checks below alike and take the same step. (The per-part norms above stay this rank's.)
        if (parallel != null) parallel.average(gradients, values);

        double crossEntropy = values[0];
        double penalty = penalized ? values[1] : Double.NaN;
        double total = penalized ? values[2] : crossEntropy;
        Supplier<String> described = () -> String.format(Locale.ROOT, "%scross-entropy %.6g, penalty %.6g, lambda %.6g, total %.6g",
                parallel == null ? "" : "mean over " + parallel.worldSize() + " ranks: ", crossEntropy, penalty, lambda, total);
        if (!Double.isFinite(crossEntropy)) return Outcome.failed(NonFiniteLossException.Part.CROSS_ENTROPY, described.get());
        if (penalized && !Double.isFinite(penalty)) return Outcome.failed(NonFiniteLossException.Part.PENALTY, described.get());
        if (!Double.isFinite(total)) return Outcome.failed(NonFiniteLossException.Part.WEIGHTED_PENALTY, described.get());
        double normTotal = Gradients.norm(gradients);
        boolean partsKnown = split || config.diagnostics() && !penalized;
        if (partsKnown && !penalized) normCrossEntropy = normTotal;  // an unpenalized gradient is all cross-entropy
        if (partsKnown && parallel == null) {
            String norms = String.format(Locale.ROOT, "gradient norms: cross-entropy %.6g, penalty %.6g", normCrossEntropy,
                    normPenalty);
            if (!Double.isFinite(normCrossEntropy)) {
                return Outcome.failed(NonFiniteLossException.Part.GRADIENT_CROSS_ENTROPY, described.get() + "; " + norms);
            }
            if (split && !Double.isFinite(normPenalty)) {
                return Outcome.failed(NonFiniteLossException.Part.GRADIENT_PENALTY, described.get() + "; " + norms);
            }
        }
        if (!Double.isFinite(normTotal)) {
            return Outcome.failed(NonFiniteLossException.Part.GRADIENT, described.get() + "; gradient norm " + normTotal);
        }

        IterationDiagnostics diagnostics = null;
        if (config.diagnostics()) {
            diagnostics = new IterationDiagnostics(crossEntropy, penalty, lambda, rate, normCrossEntropy, normPenalty,
                    normTotal, Gradients.norm(parameters), TrainingDiagnostics.takeBatchVariances(batchNorms),
                    TrainingDiagnostics.meanMaxProbability(parts.softmax()), TrainingDiagnostics.meanRowNorm(parts.logits()));
        }
        // Clipping sees the averaged gradient, as a single process with the global batch would.
        if (config.clipGradNorm() > 0) Gradients.clipInPlace(gradients, config.clipGradNorm(), normTotal);
        optimizer.step(gradients, rate);
        return new Outcome(total, penalty, diagnostics, null, null, values[3] > 0);
    }
}
