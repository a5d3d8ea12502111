package dev.jacreg.experiment;

import dev.jacreg.train.TrainingResult;

import java.util.OptionalLong;

/**
 * Everything the experiment measured; the report is written from this alone.
 *
 * @param accuracyJacobian  accuracy (fraction) of the regularized net at each noise level
 * @param accuracyReference the same for the reference net
 * @param jacobianNormJacobian mean exact ‖∂Z/∂x‖²_F of the regularized net on the clean test set
 * @param inferenceMillis  time to classify the clean test set once (regularized net)
 * @param models           every model trained (the pair above among them), in --models order
 */
public record ExperimentResult(ExperimentConfig config, Environment environment, TrainingResult trainingJacobian,
                               TrainingResult trainingReference, double[] noiseLevels, double[] accuracyJacobian,
                               double[] accuracyReference, double jacobianNormJacobian, double jacobianNormReference,
                               SingleCase example, Preview preview, double inferenceMillis, double totalSeconds,
                               java.util.List<ModelResult> models) {
    public ExperimentResult {
        models = java.util.List.copyOf(models);
    }

    /** The named model's result. */
    public ModelResult model(String name) {
        for (ModelResult m : models) if (m.name().equals(name)) return m;
        throw new IllegalArgumentException("no model '" + name + "' in this experiment");
    }

    /** Whether more models than the regularized and reference pair were trained. */
    public boolean comparesModels() {
        return models.size() > 2;
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
     * The first test image, clean and with noise, and each net's prediction for both.
     */
    public record SingleCase(float[] clean, float[] noisy, int height, int width, double noise, int trueLabel,
                             int jacobianClean, int jacobianNoisy, int referenceClean, int referenceNoisy) {}

    /** 16 training images clean and with noise, for the preview figure. */
    public record Preview(float[] clean, float[] noisy, int count, int height, int width, double noise) {}
}
