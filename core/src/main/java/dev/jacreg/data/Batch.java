package dev.jacreg.data;

import dev.jacreg.Tensor;

/**
 * One batch from a {@link DataLoader}: features B×(the dataset's feature shape), floating point, and labels B int64,
 * both on the loader's device and owned by the scope current when the batch was made.
 *
 * @param features the (transformed) features
 * @param labels   the class of each row
 */
public record Batch(Tensor features, Tensor labels) {
    /** {@return the number of examples in the batch} */
    public long size() {
        return labels.size(0);
    }
}
