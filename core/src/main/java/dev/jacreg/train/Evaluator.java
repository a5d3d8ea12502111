package dev.jacreg.train;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.Device;
import dev.jacreg.Functional;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.data.Batch;
import dev.jacreg.data.DataLoader;
import dev.jacreg.data.Dataset;
import dev.jacreg.nn.Module;

import java.util.ArrayList;
import java.util.List;

/**
 * Inference-mode evaluation: predictions, accuracy and the exact Jacobian norm over a set held as one tensor, in
 * chunks; and accuracy and mean loss over a {@link DataLoader} or {@link Dataset}, streamed batch by batch, for a model
 * with any number of classes.
 */
public final class Evaluator {
    /**
     * Images per inference batch. On CPU small chunks keep activations in cache: classifying 5,000
     * images took 894 / 987 / 1,058 / 1,279 / 2,305 ms with chunks of 32 / 100 / 200 / 500 / 5,000
     * (JMH, 1 thread, 2-core Xeon). On a GPU larger chunks pay off: raise it with --eval-chunk.
     */
    public static final int DEFAULT_CHUNK = 100;

    private Evaluator() {}

    /**
     * Predicted class of every image (int64, in the caller's scope).
     *
     * @param model the classifier, left in inference mode
     * @param images the images, N×…, on the model's device
     * @param chunk images per forward pass, &gt;= 1
     * @return N class indices
     */
    public static Tensor predict(Module model, Tensor images, int chunk) {
        model.setTraining(false);
        long n = images.size(0);
        List<Tensor> parts = new ArrayList<>();
        try (TensorScope scope = TensorScope.open(); var off = Autograd.noGrad()) {
            for (long start = 0; start < n; start += chunk) {
                long length = Math.min(chunk, n - start);
                // Each chunk's activations are freed before the next chunk runs; only its labels stay.
                try (TensorScope chunkScope = TensorScope.open()) {
                    parts.add(chunkScope.keep(model.forward(images.narrow(0, start, length)).argmax(1)));
                }
            }
            return scope.keep(Tensor.cat(parts, 0));
        }
    }

    /**
     * Share of images whose predicted class equals the label.
     *
     * @param model the classifier, left in inference mode
     * @param images the images, N×…, on the model's device
     * @param labels int64 labels, N
     * @param chunk images per forward pass, &gt;= 1
     * @return the accuracy, in [0, 1]
     */
    public static double accuracy(Module model, Tensor images, Tensor labels, int chunk) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor correct = predict(model, images, chunk).eq(labels);
            return correct.to(DType.FLOAT64).mean().item();
        }
    }

    /**
     * Mean over images of the exact ‖∂Y/∂x‖²_F in inference mode (samples independent), with Y the
     * softmax output or the logits.
     *
     * @param model the classifier, left in inference mode
     * @param images the images, N×…, on the model's device
     * @param target the softmax output or the logits
     * @param chunk images per pass, &gt;= 1 (each costs C backward passes)
     * @return the mean squared Frobenius norm
     */
    public static double meanSquaredJacobianNorm(Module model, Tensor images, JacobianPenalty.Target target, int chunk) {
        model.setTraining(false);
        long n = images.size(0);
        double sum = 0;
        for (long start = 0; start < n; start += chunk) {
            long length = Math.min(chunk, n - start);
            try (TensorScope scope = TensorScope.open()) {
                Tensor x = images.narrow(0, start, length).detach().requiresGrad(true);
                Tensor logits = model.forward(x);
                Tensor y = target == JacobianPenalty.Target.SOFTMAX ? Functional.softmax(logits, 1) : logits;
                sum += JacobianPenalty.exactSquaredNorm(x, y, false).item() * length;
            }
        }
        return sum / n;
    }

    /**
     * Accuracy and mean cross-entropy of a classifier over one pass of a loader, batch by batch, in inference mode
     * and without gradients; only one batch's tensors are alive at a time. The model is left in inference mode. Its
     * output must be B×C with C the dataset's class count.
     *
     * @param model  the classifier, on the loader's device
     * @param loader the examples; a shuffling or transforming loader needs {@code random}
     * @param random the pass's stream (order and transforms), or null for a loader that neither shuffles nor transforms
     * @return the counts and the mean loss over every example the pass hands out
     * @throws IllegalArgumentException when the pass hands out no example, or the output is not B×C
     */
    public static Evaluation evaluate(Module model, DataLoader loader, RandomStream random) {
        int numClasses = loader.dataset().numClasses();
        model.setTraining(false);
        try (var off = Autograd.noGrad()) {
            double lossSum = 0;
            long correct = 0, count = 0;
            for (Batch batch : loader.batches(random)) {
                try (TensorScope scope = TensorScope.open()) {
                    Tensor output = model.forward(batch.features());
                    long[] shape = output.shape();
                    if (shape.length != 2 || shape[1] != numClasses) {
                        throw new IllegalArgumentException("the model's output has shape " + java.util.Arrays.toString(shape)
                                + " but the data has " + numClasses + " classes: a classifier must output B×" + numClasses);
                    }
                    long rows = batch.size();
                    Tensor targets = Functional.oneHot(batch.labels(), numClasses).to(output.dtype());
                    lossSum += RegularizedLoss.crossEntropy(output, targets).item() * rows;  // the batch's mean, weighted
                    correct += output.argmax(1).eq(batch.labels()).sum().itemLong();
                    count += rows;
                }
            }
            if (count == 0) {
                throw new IllegalArgumentException("nothing to evaluate: the loader hands out no batch (" + loader.dataset().size()
                        + " examples, batch size " + loader.batchSize() + (loader.dropLast() ? ", last partial batch dropped)" : ")"));
            }
            return new Evaluation(count, correct, lossSum / count);
        }
    }

    /**
     * {@link #evaluate(Module, DataLoader, RandomStream)} over a whole dataset in its order, streamed in batches to the
     * device of the model's parameters (the default device for a model without any).
     *
     * @param model     the classifier
     * @param data      the examples
     * @param batchSize examples per forward pass, &gt;= 1 (larger is faster, up to memory)
     * @return the counts and the mean loss over every example
     */
    public static Evaluation evaluate(Module model, Dataset data, int batchSize) {
        Device device = model.parameters().isEmpty() ? Device.defaultDevice()
                : model.parameters().values().iterator().next().device();
        try (DataLoader loader = DataLoader.builder(data).batchSize(batchSize).device(device).build()) {
            return evaluate(model, loader, null);
        }
    }
}
