package dev.jacreg.experiment;

import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.DataParallel;
import dev.jacreg.train.Evaluator;
import dev.jacreg.train.RegularizedLoss;
import dev.jacreg.train.TrainingResult;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * {@code jacreg train}: one net of the experiment's architecture, from the experiment's initial weights and loop (the
 * config's penalty; none at λ = 0), then its clean test accuracy, its weights and its loss table and chart.
 */
public final class SingleNetStudy {
    private SingleNetStudy() {}

    /**
     * What was trained and written.
     *
     * @param weights null when this process writes nothing (a data-parallel rank other than 0)
     */
    public record Outcome(TrainingResult training, double cleanAccuracy, int testCount, Path weights) {}

    /** Whether the config's loss has a penalty (the loss table then gets its column). */
    public static boolean penalized(ExperimentConfig config) {
        return new RegularizedLoss(config.penalty()).penalized();  // builds no penalty graph at lambda 0
    }

    /**
     * Trains {@code net} (the file stem) and, when {@code writes}, evaluates it and writes its files into
     * {@code config.out()}; a {@link dev.jacreg.train.NonFiniteLossException} propagates, naming no net.
     *
     * @param parallel this rank of a data-parallel run, or null
     */
    public static Outcome run(ExperimentConfig config, String net, DataParallel parallel, boolean writes,
                              ExperimentListener listener, BooleanSupplier stopRequested) throws IOException {
        ExperimentSpec spec = new ExperimentSpec(config);  // the experiment's data, net, loop and metadata
        listener.phase("loading " + config.data().describe());
        DigitDataset[] sets = spec.loadData();
        DigitDataset trainSet = sets[0], testSet = sets[1];
        try (DeviceDataset train = spec.onDevice(trainSet);
             DeviceDataset test = spec.onDevice(testSet);
             TensorScope scope = TensorScope.open()) {
            Tensor mean = train.meanImage();
            try (Sequential model = spec.createNetwork(mean, trainSet.height(), trainSet.width())) {
                RegularizedLoss loss = new RegularizedLoss(config.penalty());
                boolean penalized = loss.penalized();
                listener.phase("training " + net + (penalized ? " (Jacobian penalty, lambda " + config.penalty().lambda()
                        + ")" : " (no penalty)"));
                TrainingResult result = spec.trainer(loss, parallel)
                        .train(model, train, p -> listener.iteration(net, p), stopRequested);
                listener.trainingEnded(net, result);
                if (!writes) return new Outcome(result, Double.NaN, testSet.count(), null);

                listener.phase("evaluating on the clean test set");
                double accuracy = Evaluator.accuracy(model, test.images(), test.labels(), config.evalChunk());

                Path weights = config.out().resolve(net + ReportWriter.WEIGHTS_SUFFIX);
                // The recipe this loss is, as the experiment records it: jacobian with a penalty, else reference.
                ModelRecipe recipe = ModelCatalog.recipe(penalized ? ModelCatalog.JACOBIAN : ModelCatalog.REFERENCE,
                        ModelCatalog.RecipeSettings.of(config));
                Map<String, String> metadata = spec.metadata(net, loss, result, Torch.version(), config.data().describe())
                        .withCleanTestAccuracy(accuracy).withRecipe(recipe).toMap();
                ModelFiles.save(model, weights, metadata);

                int perEpoch = Math.max(1, result.plannedIterations() / config.training().epochs());
                List<ReportWriter.NetLoss> losses = List.of(new ReportWriter.NetLoss(net,
                        penalized ? ReportWriter.JACOBIAN_LABEL : ReportWriter.REFERENCE_LABEL, result, penalized));
                ReportWriter.writeTrainingLossCsv(config.out().resolve(ReportWriter.LOSS_CSV), losses, perEpoch);
                ReportWriter.writeTrainingLossChart(config.out().resolve(ReportWriter.LOSS_PNG), losses, perEpoch,
                        config.training().epochs());
                return new Outcome(result, accuracy, testSet.count(), weights);
            }
        }
    }
}
