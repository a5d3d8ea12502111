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
     */
    Tensor normalize(Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar, double momentum,
                     double eps);

    /** A batch-norm layer whose statistics can be switched. */
    interface Switchable extends Module {
        BatchStatistics batchStatistics();

        void setBatchStatistics(BatchStatistics statistics);
    }

    /** The model's batch-norm layers by dotted name (the model itself, or inside nested {@link Sequential}s). */
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
