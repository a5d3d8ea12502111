package dev.jacreg.train;

import dev.jacreg.Functional;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.BatchNorm2d;
import dev.jacreg.nn.Module;
import dev.jacreg.nn.Sequential;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The measurements behind {@link IterationDiagnostics} that are not part of the step itself: batch-norm variance
 * recording and read-out, and statistics of a batch's outputs. All read values back from the device, so they are
 * only taken when diagnostics are on.
 */
public final class TrainingDiagnostics {
    private TrainingDiagnostics() {}

    /**
     * The model's batch-norm layers by name, in forward order: the model itself, or the direct children of a Sequential.
     *
     * @param model the model
     * @return the layers by name, empty when there are none
     */
    public static Map<String, BatchNorm2d> batchNormLayers(Module model) {
        Map<String, BatchNorm2d> layers = new LinkedHashMap<>();
        if (model instanceof BatchNorm2d bn) layers.put("bn", bn);
        if (model instanceof Sequential s) {
            s.children().forEach((name, child) -> {
                if (child instanceof BatchNorm2d bn) layers.put(name, bn);
            });
        }
        return layers;
    }

    /**
     * Turns recording of the batch variances on or off in every batch-norm layer of the model.
     *
     * @param layers the layers, from {@link #batchNormLayers}
     * @param on true to record, false to stop
     */
    public static void recordBatchVariances(Map<String, BatchNorm2d> layers, boolean on) {
        layers.values().forEach(bn -> bn.recordBatchVariance(on));
    }

    /**
     * Each layer's smallest per-channel batch variance since its last reset, then resets it.
     *
     * @param layers the layers, from {@link #batchNormLayers}
     * @return each layer's smallest variance by name (NaN when none was recorded)
     */
    public static Map<String, Double> takeBatchVariances(Map<String, BatchNorm2d> layers) {
        Map<String, Double> values = new LinkedHashMap<>();
        layers.forEach((name, bn) -> {
            values.put(name, bn.minBatchVariance());
            bn.resetBatchVariance();
        });
        return values;
    }

    /**
     * Mean over the rows of a B×C softmax output of each row's largest probability.
     *
     * @param softmax B×C probabilities
     * @return the mean, in [1/C, 1]
     */
    public static double meanMaxProbability(Tensor softmax) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor p = softmax.detach();
            Tensor largest = Functional.oneHot(p.argmax(1), p.size(1)).to(p.dtype()).mul(p).sum(new long[]{1}, false);
            return largest.mean().item();
        }
    }

    /**
     * Mean over the rows of B×C logits of each row's L2 norm.
     *
     * @param logits B×C
     * @return the mean norm
     */
    public static double meanRowNorm(Tensor logits) {
        try (TensorScope scope = TensorScope.open()) {
            return logits.detach().square().sum(new long[]{1}, false).sqrt().mean().item();
        }
    }
}
