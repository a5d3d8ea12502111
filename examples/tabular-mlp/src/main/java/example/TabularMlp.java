package example;

import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.data.Batch;
import dev.jacreg.data.DataLoader;
import dev.jacreg.data.InMemoryDataset;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.nn.Activations;
import dev.jacreg.nn.Linear;
import dev.jacreg.nn.Sequential;
import dev.jacreg.optim.Adam;
import dev.jacreg.train.Evaluator;
import dev.jacreg.train.Fit;
import dev.jacreg.train.FitResult;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.LossTerm;
import dev.jacreg.train.LossTerms;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A user-defined MLP on a 2-D data set this program generates (interleaved spirals, one arm per class): built with
 * {@code Sequential.builder()}, trained with Adam and the Jacobian penalty as a loss term, saved with
 * {@code ModelFiles}, reloaded into a freshly initialised model and evaluated there. An unpenalized twin (same
 * initial weights, same data, same seed) shows what the penalty does to the input–output Jacobian.
 *
 * <p>Exits with 1 when a check fails: the reloaded model must predict exactly what the trained one does, the
 * penalized net must have learned the spirals, and its Jacobian must be smaller than the twin's.
 */
public final class TabularMlp {
    private static final int CLASSES = 4;  // any count works: the last layer's width is the class count
    private static final int HIDDEN = 64;
    private static final int EPOCHS = 40;
    private static final long SEED = 7;
    private static final double LAMBDA = 0.005;
    /** The penalized net must beat this on the test set (chance is 1 / CLASSES). */
    private static final double MIN_ACCURACY = 0.85;
    /** The penalty must shrink the mean squared Jacobian norm of the logits below this share of the twin's. */
    private static final double MAX_NORM_RATIO = 0.5;

    private TabularMlp() {}

    public static void main(String[] args) throws IOException {
        System.out.println("jacreg shim: " + Torch.libraryPath() + " (libtorch " + Torch.version() + ")");
        InMemoryDataset train = spirals(800, 1), test = spirals(400, 2);
        System.out.printf(Locale.ROOT, "data: %d-arm spirals in 2-D, %d training and %d test points%n", CLASSES, train.size(),
                test.size());
        Path dir = Files.createTempDirectory("jacreg-tabular-mlp");
        Path weights = dir.resolve("mlp.safetensors");
        List<String> failures = new ArrayList<>();
        try (Sequential penalized = mlp(SEED); Sequential plain = mlp(SEED); Sequential reloaded = mlp(SEED + 1)) {
            System.out.println(penalized.summary());
            FitResult withPenalty = fit(penalized, train, LAMBDA);
            FitResult without = fit(plain, train, 0);
            Map<String, Double> terms = withPenalty.last().terms();  // each loss term's mean by its name
            System.out.printf(Locale.ROOT, "trained %d epochs (%d Adam steps) each; last epoch's loss: penalized %.4f"
                            + " (cross-entropy %.4f + jacobian %.4f), unpenalized %.4f%n", withPenalty.epochs().size(),
                    withPenalty.steps(), withPenalty.last().loss(), terms.get("cross-entropy"), terms.get("jacobian"),
                    without.last().loss());

            ModelFiles.save(penalized, weights, Map.of("example", "tabular-mlp", "lambda", Double.toString(LAMBDA)));
            System.out.printf(Locale.ROOT, "saved %s (%d bytes)%n", weights, Files.size(weights));
            try (TensorScope scope = TensorScope.open()) {
                Batch all = wholeSet(test);
                double beforeLoad = Evaluator.accuracy(reloaded, all.features(), all.labels(), Evaluator.DEFAULT_CHUNK);
                Map<String, String> metadata = ModelFiles.load(reloaded, weights);
                System.out.printf(Locale.ROOT, "a fresh model (other initial weights) scores %.2f %%; loaded %s, metadata %s%n",
                        beforeLoad * 100, weights.getFileName(), metadata);

                Tensor trainedPredictions = Evaluator.predict(penalized, all.features(), Evaluator.DEFAULT_CHUNK);
                Tensor reloadedPredictions = Evaluator.predict(reloaded, all.features(), Evaluator.DEFAULT_CHUNK);
                double trainedAccuracy = accuracy(trainedPredictions, all.labels());
                double reloadedAccuracy = accuracy(reloadedPredictions, all.labels());
                double plainAccuracy = Evaluator.accuracy(plain, all.features(), all.labels(), Evaluator.DEFAULT_CHUNK);
                System.out.printf(Locale.ROOT, "test accuracy: trained %.2f %%, reloaded %.2f %%, unpenalized twin %.2f %%%n",
                        trainedAccuracy * 100, reloadedAccuracy * 100, plainAccuracy * 100);
                if (!Arrays.equals(trainedPredictions.toLongArray(), reloadedPredictions.toLongArray())) {
                    failures.add("the reloaded model's predictions differ from the trained model's");
                }
                if (!(trainedAccuracy >= MIN_ACCURACY)) {
                    failures.add(String.format(Locale.ROOT, "the penalized net's accuracy %.4f is below %.2f", trainedAccuracy,
                            MIN_ACCURACY));
                }

                double penalizedNorm = Evaluator.meanSquaredJacobianNorm(reloaded, all.features(), JacobianPenalty.Target.LOGITS,
                        Evaluator.DEFAULT_CHUNK);
                double plainNorm = Evaluator.meanSquaredJacobianNorm(plain, all.features(), JacobianPenalty.Target.LOGITS,
                        Evaluator.DEFAULT_CHUNK);
                System.out.printf(Locale.ROOT, "mean ‖∂logits/∂x‖²_F on the test set: penalized %.4f, unpenalized %.4f (ratio %.3f)%n",
                        penalizedNorm, plainNorm, penalizedNorm / plainNorm);
                if (!(penalizedNorm < MAX_NORM_RATIO * plainNorm)) {
                    failures.add(String.format(Locale.ROOT, "the penalty did not shrink the Jacobian: %.4f vs %.4f unpenalized",
                            penalizedNorm, plainNorm));
                }
            }
        } finally {
            Files.deleteIfExists(weights);
            Files.deleteIfExists(dir);
        }
        for (String failure : failures) System.err.println("error: " + failure);
        if (!failures.isEmpty()) System.exit(1);
        System.out.println("ok");
    }

    /** 2 → HIDDEN → HIDDEN → CLASSES, ReLU between; the initial weights come from the seed alone. */
    private static Sequential mlp(long seed) {
        RandomStream init = RandomStream.seeded(seed);
        return Sequential.builder()
                .add("fc1", new Linear(2, HIDDEN, DType.FLOAT32, init)).add("relu1", Activations.relu())
                .add("fc2", new Linear(HIDDEN, HIDDEN, DType.FLOAT32, init)).add("relu2", Activations.relu())
                .add("head", new Linear(HIDDEN, CLASSES, DType.FLOAT32, init))
                .build();
    }

    /** Trains in place with Adam; lambda 0 leaves the penalty out (plain cross-entropy). */
    private static FitResult fit(Sequential model, InMemoryDataset data, double lambda) throws IOException {
        List<LossTerm> loss = new ArrayList<>(List.of(LossTerms.crossEntropy()));
        if (lambda > 0) loss.add(LossTerms.jacobian(new JacobianPenalty(lambda, 1, JacobianPenalty.Target.LOGITS)));
        try (Adam adam = new Adam(model.parameters(), 0.01);
             DataLoader loader = DataLoader.builder(data).batchSize(50).shuffle(true).build()) {
            return Fit.builder(model, adam, loader).epochs(EPOCHS).seed(SEED).loss(loss.toArray(LossTerm[]::new)).build().run();
        }
    }

    /**
     * CLASSES interleaved spiral arms: point i belongs to arm i % CLASSES, at radius r ∈ (0, 1] and angle
     * 4r + 2π·arm / CLASSES, plus Gaussian noise (σ 0.04).
     */
    private static InMemoryDataset spirals(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] xy = new float[2 * count];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            int arm = i % CLASSES;
            double r = 0.05 + 0.95 * random.nextDouble();
            double angle = 4 * r + 2 * Math.PI * arm / CLASSES;
            xy[2 * i] = (float) (r * Math.cos(angle) + 0.04 * random.nextGaussian());
            xy[2 * i + 1] = (float) (r * Math.sin(angle) + 0.04 * random.nextGaussian());
            labels[i] = arm;
        }
        return InMemoryDataset.vectors(xy, labels, 2, CLASSES);
    }

    /** The whole set as one batch (in the current scope). */
    private static Batch wholeSet(InMemoryDataset data) {
        try (DataLoader loader = DataLoader.builder(data).batchSize(data.size()).build()) {
            return loader.batches(null).iterator().next();
        }
    }

    private static double accuracy(Tensor predictions, Tensor labels) {
        try (TensorScope scope = TensorScope.open()) {
            return predictions.eq(labels).to(DType.FLOAT64).mean().item();
        }
    }
}
