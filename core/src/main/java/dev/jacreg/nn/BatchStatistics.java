package dev.jacreg.nn;

import dev.jacreg.Functional;
import dev.jacreg.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a batch-norm layer takes its training-mode statistics from: its own batch ({@link #LOCAL}, the default), or,
 * in a data-parallel run, the union of all ranks' batches (dev.jacreg.distributed's synchronized batch norm, as
 * torch.nn.SyncBatchNorm). Inference mode always uses the running statistics and does not consult this.
 */
@FunctionalInterface
public interface BatchStatistics {
    /** This process's batch: {@link Functional#batchNorm} in training mode. */
    BatchStatistics LOCAL = (input, weight, bias, runningMean, runningVar, momentum, eps) ->
            Functional.batchNorm(input, weight, bias, runningMean, runningVar, true, momentum, eps);

    /**
     * Training-mode batch norm of an N×C×... input: normalised with the batch statistics, running statistics updated
     * in place as running ← (1 − momentum)·running + momentum·batch (unbiased variance).
     *
     * @param input       the N×C×... input
     * @param weight      the per-channel scale γ (C), or null for none
     * @param bias        the per-channel shift β (C), or null for none
     * @param runningMean the running mean (C), updated in place
     * @param runningVar  the running variance (C), updated in place
     * @param momentum    the running statistics' update weight
     * @param eps         added to the variance before its square root
     * @return the normalised input, of the input's shape
     */
    Tensor normalize(Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar, double momentum,
                     double eps);

    /** A batch-norm layer whose statistics can be switched. */
    interface Switchable extends Module {
        /** {@return where this layer takes its training-mode statistics from now} */
        BatchStatistics batchStatistics();

        /**
         * Switches where this layer takes its training-mode statistics from.
         *
         * @param statistics the new source, e.g. {@link #LOCAL}
         */
        void setBatchStatistics(BatchStatistics statistics);
    }

    /**
     * The model's batch-norm layers by dotted name (the model itself, or inside nested {@link Sequential}s).
     *
     * @param model the model to search
     * @return its switchable batch-norm layers, in module order
     */
    static Map<String, Switchable> layers(Module model) {
        Map<String, Switchable> found = new LinkedHashMap<>();
        collect("", model, found);
        return found;
    }

    private static void collect(String prefix, Module module, Map<String, Switchable> found) {
        if (module instanceof Switchable layer) found.put(prefix.isEmpty() ? "bn" : prefix, layer);
        if (module instanceof Sequential s) {
            s.children().forEach((name, child) -> collect(prefix.isEmpty() ? name : prefix + "." + name, child, found));
        }
    }
}
