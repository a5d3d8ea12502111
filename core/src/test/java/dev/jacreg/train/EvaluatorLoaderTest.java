package dev.jacreg.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.data.DataLoader;
import dev.jacreg.data.InMemoryDataset;
import dev.jacreg.nn.Linear;
import dev.jacreg.nn.Sequential;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Evaluation over a streamed {@link DataLoader} against a hand count in Java doubles (arg-max and log-softmax of a
 * linear model's logits, computed from its weights) and against the whole-set path {@link Evaluator#accuracy}.
 */
class EvaluatorLoaderTest {
    private static final int COUNT = 103, FEATURES = 6, CLASSES = 5;

    private final float[] x = new float[COUNT * FEATURES];
    private final int[] labels = new int[COUNT];

    EvaluatorLoaderTest() {
        SplittableRandom random = new SplittableRandom(17);
        for (int i = 0; i < COUNT; i++) {
            labels[i] = random.nextInt(CLASSES);
            // Informative for the first classes only, so the model is right on some examples and wrong on others.
            for (int f = 0; f < FEATURES; f++) x[i * FEATURES + f] = (float) ((f == labels[i] ? 1.5 : 0) + random.nextGaussian());
        }
    }

    private InMemoryDataset data() {
        return InMemoryDataset.vectors(x, labels, FEATURES, CLASSES);
    }

    private static Sequential linear() {
        return Sequential.builder().add("fc", new Linear(FEATURES, CLASSES, DType.FLOAT32, RandomStream.seeded(3))).build();
    }

    /** {correct, mean −log softmax(logits)[label]} over the first {@code n} examples, from the weights, in doubles. */
    private double[] byHand(Sequential model, int n) {
        float[] w = model.parameters().get("fc.weight").toFloatArray(), b = model.parameters().get("fc.bias").toFloatArray();
        double correct = 0, loss = 0;
        for (int i = 0; i < n; i++) {
            double[] z = new double[CLASSES];
            int best = 0;
            for (int c = 0; c < CLASSES; c++) {
                z[c] = b[c];
                for (int f = 0; f < FEATURES; f++) z[c] += (double) w[c * FEATURES + f] * x[i * FEATURES + f];
                if (z[c] > z[best]) best = c;
            }
            double max = z[best], sum = 0;
            for (double v : z) sum += Math.exp(v - max);
            loss += -(z[labels[i]] - max - Math.log(sum));
            if (best == labels[i]) correct++;
        }
        return new double[]{correct, loss / n};
    }

    @Test
    void aStreamedPassMatchesAHandCountAndTheWholeSetPath() {
        try (Sequential model = linear(); DataLoader loader = DataLoader.builder(data()).batchSize(10).build()) {
            Evaluation e = Evaluator.evaluate(model, loader, null);
            double[] hand = byHand(model, COUNT);
            assertEquals(COUNT, e.examples(), "10 full batches and a partial one of 3");
            assertEquals((long) hand[0], e.correct());
            assertEquals(hand[1], e.meanLoss(), 1e-5);
            double wholeSet;
            long[] longLabels = new long[COUNT];
            for (int i = 0; i < COUNT; i++) longLabels[i] = labels[i];
            try (TensorScope scope = TensorScope.open()) {
                wholeSet = Evaluator.accuracy(model, Tensor.of(x, COUNT, FEATURES), Tensor.of(longLabels, COUNT), 7);
            }
            assertEquals(wholeSet, e.accuracy());
            assertEquals(e, Evaluator.evaluate(model, data(), 10), "the Dataset overload streams the same batches");
        }
    }

    @Test
    void orderAndBatchSizeDoNotChangeTheResultButADroppedBatchDoes() {
        try (Sequential model = linear();
             DataLoader shuffled = DataLoader.builder(data()).batchSize(16).shuffle(true).build();
             DataLoader dropping = DataLoader.builder(data()).batchSize(20).dropLast(true).build()) {
            Evaluation inOrder = Evaluator.evaluate(model, data(), 100);
            Evaluation e = Evaluator.evaluate(model, shuffled, RandomStream.seeded(9));
            assertEquals(inOrder.correct(), e.correct());
            assertEquals(inOrder.meanLoss(), e.meanLoss(), 1e-6);
            Evaluation first100 = Evaluator.evaluate(model, dropping, null);
            double[] hand = byHand(model, 100);
            assertEquals(100, first100.examples());
            assertEquals((long) hand[0], first100.correct());
            assertEquals(hand[1], first100.meanLoss(), 1e-5);
        }
    }

    @Test
    void anEmptyPassAndAWrongClassCountAreClearErrors() {
        try (Sequential model = linear();
             DataLoader tooFew = DataLoader.builder(InMemoryDataset.vectors(new float[3 * FEATURES], new int[3], FEATURES, CLASSES))
                     .batchSize(10).dropLast(true).build();
             Sequential fourClasses = Sequential.builder().add("fc", new Linear(FEATURES, 4, DType.FLOAT32, RandomStream.seeded(3)))
                     .build()) {
            assertEquals("nothing to evaluate: the loader hands out no batch (3 examples, batch size 10, last partial batch"
                    + " dropped)", assertThrows(IllegalArgumentException.class, () -> Evaluator.evaluate(model, tooFew, null)).getMessage());
            assertEquals("the model's output has shape [64, 4] but the data has 5 classes: a classifier must output B×5",
                    assertThrows(IllegalArgumentException.class, () -> Evaluator.evaluate(fourClasses, data(), 64)).getMessage());
        }
    }
}
