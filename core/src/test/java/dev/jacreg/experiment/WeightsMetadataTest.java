package dev.jacreg.experiment;

import dev.jacreg.DType;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.LearningRateSchedule;
import dev.jacreg.train.TrainingConfig;
import dev.jacreg.train.TrainingResult;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The weights metadata schema: what a net trained under a spec records reads back to the same record and the same
 * settings, and metadata that is incomplete or of another version is refused with a message naming the problem.
 */
class WeightsMetadataTest {
    private static final Path CACHE = Path.of("/tmp/jacreg-metadata-test-cache");

    /** Non-default in every setting, so a key written from the wrong field cannot go unnoticed. */
    private static ExperimentConfig config() {
        TrainingConfig training = new TrainingConfig(4, 16, 0.02, 0.8, 7, LearningRateSchedule.parse("step:2,3:0.5"),
                2.5, 1, false);
        JacobianPenalty penalty = new JacobianPenalty(0.25, 3, JacobianPenalty.Target.LOGITS,
                JacobianPenalty.BatchNormMode.EVAL);
        return new ExperimentConfig(training, penalty, new DataSource.Synthetic(64, 32, CACHE), Path.of("out"),
                new double[]{0, 0.5}, 0.15, 100, DType.FLOAT64, 3);
    }

    private static WeightsMetadata written() {
        TrainingResult training = new TrainingResult(new double[]{2.3, 2.1, 1.9}, new double[]{0.1, 0.1, 0.1},
                new long[]{1, 1, 1}, 16, true);
        return new ExperimentSpec(config()).metadata("jacobian", 0.25, training, "1.13.1", "synthetic digits (test)");
    }

    @Test
    void roundTripsThroughTheStringMap() {
        WeightsMetadata m = written();
        Map<String, String> map = m.toMap();
        assertEquals(WeightsMetadata.REQUIRED_KEYS, List.copyOf(map.keySet()), "every key, in writing order");
        assertEquals(Integer.toString(WeightsMetadata.VERSION), map.get(WeightsMetadata.METADATA_VERSION));
        assertEquals(m, WeightsMetadata.parse(map));
        assertEquals(map, WeightsMetadata.parse(map).toMap());

        WeightsMetadata withAccuracy = m.withCleanTestAccuracy(0.9375);
        assertEquals("0.9375", withAccuracy.toMap().get(WeightsMetadata.CLEAN_TEST_ACCURACY));
        assertEquals(withAccuracy, WeightsMetadata.parse(withAccuracy.toMap()));
        assertEquals(OptionalDouble.empty(), m.cleanTestAccuracy());
    }

    /** The estimator and interval keys are written only when not the default, so default files keep their keys (and bytes). */
    @Test
    void recordsANonDefaultPenaltyEstimator() {
        assertFalse(written().toMap().containsKey(WeightsMetadata.PENALTY_ESTIMATOR));
        assertFalse(written().toMap().containsKey(WeightsMetadata.PENALTY_EVERY));
        assertFalse(written().toMap().containsKey(WeightsMetadata.PENALTY_SUBSET));
        assertEquals(1.0, WeightsMetadata.parse(written().toMap()).penaltySubset());
        assertEquals(JacobianPenalty.Estimator.PROJECTION, WeightsMetadata.parse(written().toMap()).penaltyEstimator());
        ExperimentConfig c = config();
        c = new ExperimentConfig(c.training(), c.penalty().withEstimator(JacobianPenalty.Estimator.FINITE_DIFFERENCE).withEvery(3)
                        .withSubset(0.25), c.data(), c.out(), c.noiseLevels(), c.exampleNoise(), c.evalChunk(), c.dtype(), c.dataSeed());
        TrainingResult training = new TrainingResult(new double[]{2.3}, new double[]{0.1}, new long[]{1}, 16, true);
        WeightsMetadata m = new ExperimentSpec(c).metadata("jacobian", 0.25, training, "1.13.1", "synthetic digits (test)");
        Map<String, String> map = m.toMap();
        assertEquals("finite_difference", map.get("penalty_estimator"));
        assertEquals("3", map.get("penalty_every"));
        assertEquals("0.25", map.get("penalty_subset"));
        assertEquals(m, WeightsMetadata.parse(map));
        map.put("penalty_estimator", "guess");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WeightsMetadata.parse(map));
        assertTrue(e.getMessage().contains("penalty_estimator"), e.getMessage());
    }

    @Test
    void recordsTheSpecsSettingsAndTheDataArgumentSelectsTheSameSourceAgain() {
        ExperimentConfig c = config();
        Map<String, String> map = written().toMap();
        // Literal keys on purpose: files already written and bench/baselines/python read these names.
        assertEquals("jacreg", map.get("format"));
        assertEquals("7", map.get("seed"));
        assertEquals("3", map.get("data_seed"));
        assertEquals("0.25", map.get("lambda"));
        assertEquals("logits", map.get("target"));
        assertEquals("eval", map.get("penalty_bn"));
        assertEquals("float64", map.get("dtype"));
        assertEquals("3", map.get("iterations"));
        assertEquals("16", map.get("iterations_planned"));
        assertEquals("true", map.get("stopped_early"));
        assertEquals("synthetic:64,32", map.get("data"));
        assertEquals(c.data(), DataSource.parse(map.get("data"), CACHE));
        assertEquals(DataSource.defaultSynthetic(CACHE).argument(), "synthetic");
        assertEquals(DataSource.defaultSynthetic(CACHE), DataSource.parse("synthetic", CACHE));
        WeightsMetadata back = WeightsMetadata.parse(map);
        assertEquals(c.training().schedule().describe(), back.learningRateSchedule());
        assertEquals(c.training().clipGradNorm(), back.clipGradNorm());
        assertEquals(c.training().penaltyWarmupEpochs(), back.penaltyWarmupEpochs());
    }

    @Test
    void refusesMissingOrUnknownVersions() {
        Map<String, String> map = new LinkedHashMap<>(written().toMap());

        map.remove(WeightsMetadata.METADATA_VERSION);
        assertMessage(map, "no 'metadata_version'");

        map.put(WeightsMetadata.METADATA_VERSION, "2");
        assertMessage(map, "metadata version '2'", "reads 1");

        map.put(WeightsMetadata.METADATA_VERSION, "1");
        map.remove(WeightsMetadata.SEED);
        map.remove(WeightsMetadata.DATA);
        assertMessage(map, "lacks 'seed', 'data'");

        map.put(WeightsMetadata.SEED, "banana");
        map.put(WeightsMetadata.DATA, "synthetic");
        assertMessage(map, "'seed' is 'banana', not an integer");

        map.put(WeightsMetadata.SEED, "7");
        map.put(WeightsMetadata.TARGET, "sideways");
        assertMessage(map, "'target' is 'sideways'", "[softmax, logits]");

        assertMessage(Map.of(), "no 'metadata_version'");
    }

    @Test
    void filesWithoutAVersionAreReadKeyByKey() {
        // As bench/baselines/python/experiment.py writes them, and jacreg before the schema had a version.
        Map<String, String> python = Map.of("format", "jacreg", "seed", "5", "data", "idx:/data", "lambda", "1.0");
        WeightsMetadata.checkIfVersioned(python);  // nothing declared, nothing to check
        assertEquals(OptionalLong.of(5), WeightsMetadata.seedOf(python));
        assertEquals(OptionalLong.empty(), WeightsMetadata.dataSeedOf(python));
        assertEquals("idx:/data", WeightsMetadata.dataOf(python).orElseThrow());
        assertEquals(1.0, WeightsMetadata.lambdaOf(python));
        assertTrue(Double.isNaN(WeightsMetadata.lambdaOf(Map.of())));
        assertTrue(Double.isNaN(WeightsMetadata.lambdaOf(Map.of("lambda", "lots"))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WeightsMetadata.seedOf(Map.of("seed", "banana")));
        assertTrue(e.getMessage().contains("'seed' is 'banana'"), e.getMessage());

        // A file that declares a version is held to it.
        assertThrows(IllegalArgumentException.class,
                () -> WeightsMetadata.checkIfVersioned(Map.of("metadata_version", "1", "seed", "5")));
    }

    private static void assertMessage(Map<String, String> map, String... mentions) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WeightsMetadata.parse(map));
        for (String m : mentions) assertTrue(e.getMessage().contains(m), () -> "'" + m + "' not in: " + e.getMessage());
    }
}
