package dev.jacreg.train;

import dev.jacreg.Tensor;
import dev.jacreg.nn.Module;

import java.util.List;

/**
 * How a {@link Trainer} takes part in a data-parallel run of {@link #worldSize()} ranks. Every rank draws the same
 * epoch shuffle and penalty directions (same seed) and trains on rows [rank·B/W, (rank+1)·B/W) of each global batch
 * of B; the hooks below make the ranks one optimiser. Both loss parts are means over the batch, so the mean of the
 * ranks' shard gradients is the gradient of the global batch's loss. Implementations: dev.jacreg.distributed.
 */
public interface DataParallel {
    /** {@return this process's rank, 0-based} */
    int rank();

    /** {@return the number of ranks} */
    int worldSize();

    /**
     * Before the first step: every rank's parameters and buffers become rank 0's (and whatever else the run needs of
     * the model, e.g. synchronized batch norm).
     *
     * @param model the model, the same architecture on every rank
     */
    void synchronize(Module model);

    /**
     * After the last step, also after a failure: undoes what {@link #synchronize} installed on the model.
     *
     * @param model the model given to {@link #synchronize}
     */
    default void release(Module model) {}

    /**
     * Rank 0's buffers (batch-norm running statistics) to every rank, as DDP's broadcast_buffers: the trainer calls it
     * before every step when a step reads them ({@link RegularizedLoss#readsRunningStatistics}), else once after the
     * last step. Every rank calls it at the same points.
     *
     * @param model the model, the same architecture on every rank
     */
    void broadcastBuffers(Module model);

    /**
     * Right before the backward pass that {@link #average} follows (e.g. to start exchanging gradients during it).
     *
     * @param valueCount how many values that {@link #average} will pass (they may travel with the last gradients)
     */
    default void beforeBackward(int valueCount) {}

    /**
     * Between the backward pass and the optimiser step: each gradient replaced in place by its mean over the ranks,
     * and each value (the loss parts, a stop vote...) by its mean. Every rank must call it at every step.
     *
     * @param gradients the gradients, one per parameter in the same order on every rank
     * @param values the scalars averaged with them, overwritten
     */
    void average(List<Tensor> gradients, double[] values);
}
