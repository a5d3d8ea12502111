package dev.jacreg.cli;

import dev.jacreg.experiment.DataSource;
import dev.jacreg.experiment.ExperimentSpec;
import dev.jacreg.experiment.SavedNet;
import dev.jacreg.experiment.WeightsMetadata;
import dev.jacreg.io.SafeTensorsFormatException;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the test set and its noisy copies come from: the options where given, else the experiment's own, as
 * recorded in the first file's metadata ({@code data}, {@code data_seed}, {@code seed}).
 *
 * @param noiseSeed the training seed, from which the noise streams derive ({@link ExperimentSpec#noisyCopy})
 */
record EvaluateInputs(DataSource data, long dataSeed, long noiseSeed) {
    static EvaluateInputs of(Path file, Map<String, String> metadata, String dataOption, Long seedOption, Long dataSeedOption,
                                 Path cacheDir) throws SafeTensorsFormatException {
        SavedNet.checkMetadata(file, metadata);
        long noiseSeed;
        long dataSeed;
        try {
            noiseSeed = seedOption != null ? seedOption : WeightsMetadata.seedOf(metadata).orElse(0);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsFormatException(file + ": " + e.getMessage() + "; give --seed to evaluate this file");
        }
        try {
            // Files written before data and training seeds were separate have only "seed", which drove both.
            dataSeed = dataSeedOption != null ? dataSeedOption : WeightsMetadata.dataSeedOf(metadata).orElse(noiseSeed);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsFormatException(file + ": " + e.getMessage() + "; give --data-seed to evaluate this file");
        }
        DataSource source = dataOption != null ? Options.dataSource(dataOption, cacheDir)
                : WeightsMetadata.dataOf(metadata).map(text -> Options.dataSource(text, cacheDir))
                .orElseGet(() -> DataSource.defaultSynthetic(cacheDir));
        return new EvaluateInputs(source, dataSeed, noiseSeed);
    }
}
