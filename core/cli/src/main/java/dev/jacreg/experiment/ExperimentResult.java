package dev.jacreg.experiment;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Everything the experiment measured; the report is written from this alone. The experiment trains N models
 * ({@link ModelResult}, in --models order); one of them may be the baseline that every other is compared with
 * (paired differences): {@link #BASELINE} when it was trained, none otherwise.
 *
 * @param noiseLevels     the pixel-replacement proportions every model's accuracy was measured at
 * @param inferenceMillis time to classify the clean test set once (the first model)
 * @param models          every model trained, in --models order
 */
public record ExperimentResult(ExperimentConfig config, Environment environment, double[] noiseLevels,
                               SingleCase example, Preview preview, double inferenceMillis, double totalSeconds,
                               List<ModelResult> models) {
    /** The model the others are compared with when it is among them: the unpenalized net. */
    public static final String BASELINE = ModelCatalog.REFERENCE;

    public ExperimentResult {
        if (models.isEmpty()) throw new IllegalArgumentException("an experiment has at least one model");
        models = List.copyOf(models);
        noiseLevels = noiseLevels.clone();
    }

    @Override
    public double[] noiseLevels() {
        return noiseLevels.clone();
    }

    /** The named model's result. */
    public ModelResult model(String name) {
        for (ModelResult m : models) if (m.name().equals(name)) return m;
        throw new IllegalArgumentException("no model '" + name + "' in this experiment");
    }

    /** The models' names, in --models order. */
    public List<String> names() {
        return models.stream().map(ModelResult::name).toList();
    }

    /** The model every other is compared with, if it was trained. */
    public Optional<ModelResult> baseline() {
        return models.stream().filter(m -> m.name().equals(BASELINE)).findFirst();
    }

    /** The models compared with the baseline (every model but it); empty without a baseline. */
    public List<ModelResult> compared() {
        return baseline().isEmpty() ? List.of() : models.stream().filter(m -> !m.name().equals(BASELINE)).toList();
    }

    /** Whether the models are other than the default pair: the report then lists their recipes. */
    public boolean comparesModels() {
        return !names().equals(ModelCatalog.DEFAULT);
    }

    /**
     * Machine and library facts for the report.
     *
     * @param peakResidentBytes the process's peak resident memory when the run ended ({@link PeakMemory}); empty where
     *                          the system does not say
     */
    public record Environment(String device, String torchVersion, int threads, String cpu, String javaVersion,
                              String dataDescription, int trainCount, int testCount, OptionalLong peakResidentBytes) {}

    /**
     * The first test image, clean and with noise, and each model's prediction for both (in --models order).
     */
    public record SingleCase(float[] clean, float[] noisy, int height, int width, double noise, int trueLabel,
                             int[] cleanPredictions, int[] noisyPredictions) {
        public SingleCase {
            cleanPredictions = cleanPredictions.clone();
            noisyPredictions = noisyPredictions.clone();
        }

        @Override
        public int[] cleanPredictions() {
            return cleanPredictions.clone();
        }

        @Override
        public int[] noisyPredictions() {
            return noisyPredictions.clone();
        }
    }

    /** 16 training images clean and with noise, for the preview figure. */
    public record Preview(float[] clean, float[] noisy, int count, int height, int width, double noise) {}
}
