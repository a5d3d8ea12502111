package dev.jacreg.experiment;

import dev.jacreg.DType;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.TrainingConfig;

import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The settings a net is trained under, as its weights file and the reports' Settings sections record them;
 * {@link RunSetting#ALL} lists each with its key, so both are derived from that one table. (How the nets are then
 * evaluated, e.g. the noise levels, is the report's own business: a weights file does not fix it.)
 *
 * @param training     the loop
 * @param penalty      the penalty: for one net's weights the penalty it trained with (λ = 0 for a net trained without
 *                     one, the other values as configured), for a report the experiment's
 * @param data         the {@code --data} value
 * @param dataSeed     the seed of generated data
 * @param dtype        element type of images and weights
 * @param robust       the robust-training recipes' settings (the experiment's, whichever nets it trained)
 */
public record RunSettings(TrainingConfig training, JacobianPenalty penalty, String data, long dataSeed, DType dtype,
                          RobustSettings robust) {
    /** Checks what the component types do not: a data value and a floating-point dtype. */
    public RunSettings {
        Objects.requireNonNull(training, "training");
        Objects.requireNonNull(penalty, "penalty");
        if (data == null || data.isBlank()) throw new IllegalArgumentException("data must not be empty");
        if (dtype == null || !dtype.isFloatingPoint()) throw new IllegalArgumentException("dtype must be floating point, got " + dtype);
        Objects.requireNonNull(robust, "robust");
    }

    /** The settings of an experiment (its penalty as configured; {@link #withPenalty} gives one net's). */
    public static RunSettings of(ExperimentConfig c) {
        return new RunSettings(c.training(), c.penalty(), c.data().argument(), c.dataSeed(), c.dtype(), c.robust());
    }

    /** The same settings with the loop changed by {@code change}, e.g. {@code s.withTraining(b -> b.epochs(3))}. */
    public RunSettings withTraining(UnaryOperator<TrainingConfig.Builder> change) {
        return new RunSettings(change.apply(training.toBuilder()).build(), penalty, data, dataSeed, dtype, robust);
    }

    /** The same settings with another penalty. */
    public RunSettings withPenalty(JacobianPenalty value) {
        return new RunSettings(training, value, data, dataSeed, dtype, robust);
    }

    /** The same settings with another {@code --data} value. */
    public RunSettings withData(String value) {
        return new RunSettings(training, penalty, value, dataSeed, dtype, robust);
    }

    /** The same settings with another data seed. */
    public RunSettings withDataSeed(long value) {
        return new RunSettings(training, penalty, data, value, dtype, robust);
    }

    /** The same settings with another element type. */
    public RunSettings withDtype(DType value) {
        return new RunSettings(training, penalty, data, dataSeed, value, robust);
    }

    /** The same settings with other robust-recipe settings. */
    public RunSettings withRobust(RobustSettings value) {
        return new RunSettings(training, penalty, data, dataSeed, dtype, value);
    }
}
