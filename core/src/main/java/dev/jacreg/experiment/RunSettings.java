package dev.jacreg.experiment;

import dev.jacreg.DType;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.TrainingConfig;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The settings a run trains and evaluates under, as a weights file and the reports' Settings sections record them;
 * {@link RunSetting#ALL} lists each with its key, so both are derived from that one table.
 *
 * @param training     the loop
 * @param penalty      the penalty: for one net's weights the penalty it trained with (λ = 0 for a net trained without
 *                     one, the other values as configured), for a report the experiment's
 * @param data         the {@code --data} value
 * @param dataSeed     the seed of generated data
 * @param dtype        element type of images and weights
 * @param noiseLevels  noise proportions of the accuracy sweep
 * @param exampleNoise noise proportion of the single-image case
 */
public record RunSettings(TrainingConfig training, JacobianPenalty penalty, String data, long dataSeed, DType dtype,
                          List<Double> noiseLevels, double exampleNoise) {
    /** Checks what the component types do not: a data value, a floating-point dtype, noise proportions in [0, 1]. */
    public RunSettings {
        Objects.requireNonNull(training, "training");
        Objects.requireNonNull(penalty, "penalty");
        if (data == null || data.isBlank()) throw new IllegalArgumentException("data must not be empty");
        if (dtype == null || !dtype.isFloatingPoint()) throw new IllegalArgumentException("dtype must be floating point, got " + dtype);
        noiseLevels = List.copyOf(noiseLevels);
        if (noiseLevels.isEmpty()) throw new IllegalArgumentException("at least one noise level is needed");
        for (double p : noiseLevels) checkProportion("noise levels", p);
        checkProportion("single-image noise", exampleNoise);
    }

    /** The settings of an experiment (its penalty as configured; {@link #withPenalty} gives one net's). */
    public static RunSettings of(ExperimentConfig c) {
        return new RunSettings(c.training(), c.penalty(), c.data().argument(), c.dataSeed(), c.dtype(),
                Arrays.stream(c.noiseLevels()).boxed().toList(), c.exampleNoise());
    }

    /** The same settings with the loop changed by {@code change}, e.g. {@code s.withTraining(b -> b.epochs(3))}. */
    public RunSettings withTraining(UnaryOperator<TrainingConfig.Builder> change) {
        return new RunSettings(change.apply(training.toBuilder()).build(), penalty, data, dataSeed, dtype, noiseLevels,
                exampleNoise);
    }

    /** The same settings with another penalty. */
    public RunSettings withPenalty(JacobianPenalty value) {
        return new RunSettings(training, value, data, dataSeed, dtype, noiseLevels, exampleNoise);
    }

    /** The same settings with another {@code --data} value. */
    public RunSettings withData(String value) {
        return new RunSettings(training, penalty, value, dataSeed, dtype, noiseLevels, exampleNoise);
    }

    /** The same settings with another data seed. */
    public RunSettings withDataSeed(long value) {
        return new RunSettings(training, penalty, data, value, dtype, noiseLevels, exampleNoise);
    }

    /** The same settings with another element type. */
    public RunSettings withDtype(DType value) {
        return new RunSettings(training, penalty, data, dataSeed, value, noiseLevels, exampleNoise);
    }

    /** The same settings with other noise levels. */
    public RunSettings withNoiseLevels(List<Double> value) {
        return new RunSettings(training, penalty, data, dataSeed, dtype, value, exampleNoise);
    }

    /** The same settings with another single-image noise. */
    public RunSettings withExampleNoise(double value) {
        return new RunSettings(training, penalty, data, dataSeed, dtype, noiseLevels, value);
    }

    private static void checkProportion(String name, double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException(name + " must be in [0, 1], got " + p);
    }
}
