package dev.jacreg.experiment;

import dev.jacreg.DType;
import dev.jacreg.train.Evaluator;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.TrainingConfig;

import java.nio.file.Path;

/**
 * Every setting of the experiment; {@link #reference()} is docs/experiment.md's.
 *
 * @param training     loop settings shared by both networks
 * @param penalty      the regularized network's penalty (the reference network uses none)
 * @param data         where images come from
 * @param out          output folder (the command line's: --out, else a new folder of the run under {@link #RUNS_FOLDER})
 * @param noiseLevels  noise proportions of the sweep
 * @param exampleNoise noise of the single-image case
 * @param evalChunk    images per inference batch
 * @param dtype        element type of images and weights
 * @param dataSeed     seed of generated data (synthetic digits); independent of the training seed, so
 *                     replicates with different training seeds share the same data
 * @param robust       the robust-training recipes' settings (--robust-epsilon, --robust-steps, --trades-beta)
 */
public record ExperimentConfig(TrainingConfig training, JacobianPenalty penalty, DataSource data, Path out,
                               double[] noiseLevels, double exampleNoise, int evalChunk, DType dtype, long dataSeed,
                               RobustSettings robust) {
    /** Where results go by default: {@link #reference()}'s out, and the folder of the command line's runs. */
    public static final String RUNS_FOLDER = "results";

    public ExperimentConfig {
        if (noiseLevels.length == 0) throw new IllegalArgumentException("at least one noise level is needed");
        for (double p : noiseLevels) {
            if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("noise levels must be in [0, 1], got " + p);
        }
        if (evalChunk < 1) throw new IllegalArgumentException("evaluation chunk must be >= 1");
        if (!dtype.isFloatingPoint()) throw new IllegalArgumentException("dtype must be floating point, got " + dtype);
        java.util.Objects.requireNonNull(robust, "robust");
        noiseLevels = noiseLevels.clone();
    }

    /** The robust recipes' default settings ({@link RobustSettings#DEFAULT}). */
    public ExperimentConfig(TrainingConfig training, JacobianPenalty penalty, DataSource data, Path out,
                            double[] noiseLevels, double exampleNoise, int evalChunk, DType dtype, long dataSeed) {
        this(training, penalty, data, out, noiseLevels, exampleNoise, evalChunk, dtype, dataSeed, RobustSettings.DEFAULT);
    }

    /** Data generated with the training seed, as before the two seeds were separate. */
    public ExperimentConfig(TrainingConfig training, JacobianPenalty penalty, DataSource data, Path out,
                            double[] noiseLevels, double exampleNoise, int evalChunk, DType dtype) {
        this(training, penalty, data, out, noiseLevels, exampleNoise, evalChunk, dtype, training.seed());
    }

    /** The same settings with another training seed (the data seed stays). */
    public ExperimentConfig withSeed(long seed) {
        return new ExperimentConfig(training.withSeed(seed), penalty, data, out, noiseLevels, exampleNoise, evalChunk,
                dtype, dataSeed, robust);
    }

    /** The same settings with another training loop (seed included). */
    public ExperimentConfig withTraining(TrainingConfig training) {
        return new ExperimentConfig(training, penalty, data, out, noiseLevels, exampleNoise, evalChunk, dtype, dataSeed, robust);
    }

    /** The same settings with another output folder. */
    public ExperimentConfig withOut(Path out) {
        return new ExperimentConfig(training, penalty, data, out, noiseLevels, exampleNoise, evalChunk, dtype, dataSeed, robust);
    }

    /** The same settings with other robust-recipe settings. */
    public ExperimentConfig withRobust(RobustSettings robust) {
        return new ExperimentConfig(training, penalty, data, out, noiseLevels, exampleNoise, evalChunk, dtype, dataSeed,
                robust);
    }

    /** 0, 0.05, …, 0.50. */
    public static double[] referenceNoiseLevels() {
        double[] levels = new double[11];
        for (int i = 0; i < levels.length; i++) levels[i] = i * 0.05;
        return levels;
    }

    public static ExperimentConfig reference() {
        return new ExperimentConfig(TrainingConfig.reference(0), JacobianPenalty.reference(),
                DataSource.defaultSynthetic(DataSource.defaultCacheDir()), Path.of(RUNS_FOLDER),
                referenceNoiseLevels(), 0.15, Evaluator.DEFAULT_CHUNK, DType.FLOAT32);
    }

    @Override
    public double[] noiseLevels() {
        return noiseLevels.clone();
    }
}
