package dev.jacreg.experiment;

import dev.jacreg.DType;
import dev.jacreg.train.Augmentation;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.LearningRateSchedule;
import dev.jacreg.train.RegularizedLoss;
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
 * The weights metadata schema, derived from {@link RunSetting#ALL}: every key reads back to the value written, a net's
 * own penalty is what it records, files of version 1 still read, and metadata that is incomplete, of a newer version
 * or carries a key the schema does not know is refused with one line naming the problem.
 */
class WeightsMetadataTest {
    private static final Path CACHE = Path.of("/tmp/jacreg-metadata-test-cache");

    /** Non-default in every setting (checked below), so a key written from or read into the wrong field cannot pass. */
    private static ExperimentConfig config() {
        TrainingConfig training = TrainingConfig.builder().epochs(4).batchSize(16).learningRate(0.0123456789)
                .momentum(0.8).seed(7).schedule(LearningRateSchedule.parse("step:2,3:0.5")).clipGradNorm(2.5)
                .penaltyWarmupEpochs(1).diagnostics(true).gradientSplitInterval(4).build();
        JacobianPenalty penalty = new JacobianPenalty(0.25, 3, JacobianPenalty.Target.LOGITS,
                JacobianPenalty.BatchNormMode.EVAL, JacobianPenalty.Estimator.FINITE_DIFFERENCE, 3, 0.375);
        return new ExperimentConfig(training, penalty, new DataSource.Synthetic(64, 32, CACHE), Path.of("out"),
                new double[]{0, 0.5}, 0.15, 100, DType.FLOAT64, 3, new RobustSettings(0.05, 3, 2));
    }

    private static final TrainingResult TRAINED = new TrainingResult(new double[]{2.3, 2.1, 1.9},
            new double[]{0.1, 0.1, 0.1}, new long[]{1, 1, 1}, 16, true);

    private static WeightsMetadata written() {
        return new ExperimentSpec(config()).metadata("jacobian", new RegularizedLoss(config().penalty()), TRAINED,
                "1.13.1", "synthetic digits (test)");
    }

    @Test
    void theTestSettingsDifferFromTheDefaultsInEveryKey() {
        RunSettings defaults = RunSettings.of(ExperimentConfig.reference()), ours = RunSettings.of(config());
        for (RunSetting<?> s : RunSetting.ALL) assertNotEquals(s.write(defaults), s.write(ours), s.key());
    }

    @Test
    void everyKeyRoundTrips() {
        WeightsMetadata m = written();
        Map<String, String> map = m.toMap();
        assertEquals(WeightsMetadata.REQUIRED_KEYS, List.copyOf(map.keySet()), "every key, in writing order");
        assertEquals(Integer.toString(WeightsMetadata.VERSION), map.get(WeightsMetadata.METADATA_VERSION));
        RunSettings settings = RunSettings.of(config());
        for (RunSetting<?> s : RunSetting.ALL) {
            assertTrue(map.containsKey(s.key()), s.key());
            assertEquals(s.get().apply(settings), s.value(map.get(s.key())), s.key());
        }
        WeightsMetadata back = WeightsMetadata.parse(map);
        assertEquals(m, back);
        assertEquals(settings, back.settings());
        assertEquals(map, back.toMap());

        WeightsMetadata more = m.withCleanTestAccuracy(0.9375).withRecipe(ModelCatalog.recipe(ModelCatalog.NOISE_AUGMENT,
                ModelCatalog.RecipeSettings.of(config())));
        assertEquals("0.9375", more.toMap().get(WeightsMetadata.CLEAN_TEST_ACCURACY));
        assertEquals(WeightsMetadata.RECIPE_KEYS, List.copyOf(more.recipe().keySet()));
        assertEquals(more, WeightsMetadata.parse(more.toMap()));
        assertEquals(OptionalDouble.empty(), m.cleanTestAccuracy());
    }

    /** The learning rate written to 6 places would read back as 0.012346, not the rate trained with. */
    @Test
    void numbersAreWrittenExactly() {
        assertEquals("0.0123456789", written().toMap().get("learning_rate"));
    }

    /** Literal keys and values on purpose: files already written and bench/baselines/python read these names. */
    @Test
    void recordsTheSpecsSettingsAndTheDataArgumentSelectsTheSameSourceAgain() {
        ExperimentConfig c = config();
        Map<String, String> map = written().toMap();
        assertEquals("jacreg", map.get("format"));
        assertEquals("7", map.get("seed"));
        assertEquals("3", map.get("data_seed"));
        assertEquals("0.25", map.get("lambda"));
        assertEquals("logits", map.get("target"));
        assertEquals("eval", map.get("penalty_bn"));
        assertEquals("finite_difference", map.get("penalty_estimator"));
        assertEquals("3", map.get("penalty_every"));
        assertEquals("step:2,3:0.5", map.get("lr_schedule"));
        assertEquals("2.5", map.get("clip_grad_norm"));
        assertEquals("1", map.get("penalty_warmup_epochs"));
        assertEquals("float64", map.get("dtype"));
        assertEquals("3", map.get("iterations"));
        assertEquals("16", map.get("iterations_planned"));
        assertEquals("true", map.get("stopped_early"));
        assertEquals("synthetic:64,32", map.get("data"));
        assertEquals(c.data(), DataSource.parse(map.get("data"), CACHE));
        assertEquals(DataSource.defaultSynthetic(CACHE).argument(), "synthetic");
        assertEquals(DataSource.defaultSynthetic(CACHE), DataSource.parse("synthetic", CACHE));
    }

    /** λ is the net's own: its loss's penalty, or 0 without one; a variant's target is its own too. */
    @Test
    void aNetRecordsThePenaltyItTrainedWith() {
        ExperimentSpec spec = new ExperimentSpec(config());
        WeightsMetadata reference = spec.metadata("reference", RegularizedLoss.plain(), TRAINED, "1.13.1", "d");
        assertEquals(config().penalty().withLambda(0), reference.settings().penalty());
        assertEquals("0", reference.toMap().get("lambda"));

        ModelRecipe logits = ModelCatalog.recipe(ModelCatalog.LOGITS,
                ModelCatalog.RecipeSettings.of(config().penalty().withTarget(JacobianPenalty.Target.SOFTMAX)));
        WeightsMetadata variant = spec.metadata("logits", logits.loss(), TRAINED, "1.13.1", "d");
        assertEquals(Formats.number(ModelCatalog.LOGITS_LAMBDA), variant.toMap().get("lambda"));
        assertEquals("logits", variant.toMap().get("target"));
        assertEquals(Augmentation.NONE.describe(), variant.withRecipe(logits).recipe().get("augmentation"));
    }

    /** What version 1 wrote for `jacreg experiment` (keys and order of its toMap), estimator and interval left out. */
    private static Map<String, String> version1() {
        Map<String, String> m = new LinkedHashMap<>();
        String[] pairs = {"format", "jacreg", "metadata_version", "1", "jacreg_version", "0.1.0", "net", "jacobian",
                "lambda", "1", "projections", "1", "target", "softmax", "seed", "0", "data_seed", "0", "epochs", "15",
                "batch_size", "32", "learning_rate", "0.01", "momentum", "0.9", "penalty_bn", "train",
                "lr_schedule", "step:10,13:0.1", "clip_grad_norm", "5", "penalty_warmup_epochs", "0",
                "iterations", "2340", "iterations_planned", "2340", "stopped_early", "false", "dtype", "float32",
                "torch_version", "1.13.1", "data", "synthetic", "data_description", "synthetic digits"};
        for (int i = 0; i < pairs.length; i += 2) m.put(pairs[i], pairs[i + 1]);
        return m;
    }

    @Test
    void version1FilesStillRead() {
        WeightsMetadata m = WeightsMetadata.parse(version1());
        RunSettings s = m.settings();
        assertEquals(15, s.training().epochs());
        assertEquals(LearningRateSchedule.parse("step:10,13:0.1"), s.training().schedule());
        assertEquals(5.0, s.training().clipGradNorm());
        assertEquals(JacobianPenalty.Estimator.PROJECTION, s.penalty().estimator(), "version 1 left the default out");
        assertEquals(1, s.penalty().every());
        assertEquals(RunSetting.DIAGNOSTICS.before(), s.training().diagnostics());
        assertEquals(TrainingConfig.DEFAULT_GRADIENT_SPLIT_INTERVAL, s.training().gradientSplitInterval());
        assertEquals(2340, m.iterations());

        Map<String, String> nonDefault = version1();
        nonDefault.put("penalty_estimator", "finite_difference");
        nonDefault.put("penalty_every", "4");
        nonDefault.put("loss", "cross-entropy");  // ModelComparison's recipe keys, from version 1 on
        assertEquals(JacobianPenalty.Estimator.FINITE_DIFFERENCE, WeightsMetadata.parse(nonDefault).settings().penalty().estimator());
        assertEquals(4, WeightsMetadata.parse(nonDefault).settings().penalty().every());

        Map<String, String> incomplete = version1();
        incomplete.remove("lr_schedule");
        assertMessage(incomplete, "metadata version 1 lacks 'lr_schedule'");
    }

    @Test
    void version2FilesReadAsAPenaltyOnTheWholeBatch() {
        Map<String, String> map = new LinkedHashMap<>(written().toMap());
        assertEquals("0.375", map.get("penalty_subset"));
        map.put(WeightsMetadata.METADATA_VERSION, "2");
        for (String key : List.of("penalty_subset", "robust_epsilon", "robust_steps", "trades_beta")) map.remove(key);
        assertEquals(1.0, WeightsMetadata.parse(map).settings().penalty().subset());
    }

    /** Files of versions 1 to 3 lack the robust recipes' keys: they were trained with the constants of their time. */
    @Test
    void version3FilesReadWithTheRobustRecipesDefaults() {
        Map<String, String> map = new LinkedHashMap<>(written().toMap());
        assertEquals("0.05", map.get("robust_epsilon"));
        assertEquals("3", map.get("robust_steps"));
        assertEquals("2", map.get("trades_beta"));
        map.put(WeightsMetadata.METADATA_VERSION, "3");
        for (String key : List.of("robust_epsilon", "robust_steps", "trades_beta")) map.remove(key);
        RobustSettings read = WeightsMetadata.parse(map).settings().robust();
        assertEquals(new RobustSettings(0.1, 7, 6), read, "the constants pgd-at and trades had before the options");
        assertEquals(RobustSettings.DEFAULT, read);

        Map<String, String> missing = new LinkedHashMap<>(written().toMap());
        missing.remove("robust_steps");
        assertMessage(missing, "metadata version 4 lacks 'robust_steps'");
        Map<String, String> bad = new LinkedHashMap<>(written().toMap());
        bad.put("robust_epsilon", "2");
        assertMessage(bad, "metadata 'robust_epsilon' is '2': the robust recipes' ε must be in (0, 1]");
        bad.put("robust_epsilon", "0.05");
        bad.put("trades_beta", "0");
        assertMessage(bad, "metadata 'trades_beta' is '0': TRADES β must be a finite number > 0, got 0.0");
    }

    @Test
    void refusesMissingNewerOrUnknownVersionsKeysAndValues() {
        Map<String, String> map = new LinkedHashMap<>(written().toMap());

        map.remove(WeightsMetadata.METADATA_VERSION);
        assertMessage(map, "no 'metadata_version'");
        map.put(WeightsMetadata.METADATA_VERSION, "5");
        assertMessage(map, "metadata version 5 is newer than this jacreg reads (1 to 4)");
        map.put(WeightsMetadata.METADATA_VERSION, "0");
        assertMessage(map, "'metadata_version' is '0': not a version");
        map.put(WeightsMetadata.METADATA_VERSION, "two");
        assertMessage(map, "'metadata_version' is 'two': not an integer");
        map.put(WeightsMetadata.METADATA_VERSION, "4");

        map.put("learning_rat", "0.01");
        map.put("colour", "blue");
        assertMessage(map, "metadata version 4 has no key 'learning_rat', 'colour'");
        map.remove("learning_rat");
        map.remove("colour");

        map.remove("seed");
        map.remove("penalty_every");
        assertMessage(map, "metadata version 4 lacks 'penalty_every', 'seed'");
        map.put("penalty_every", "3");

        map.put("seed", "banana");
        assertMessage(map, "metadata 'seed' is 'banana': not an integer");
        map.put("seed", "7");
        map.put("target", "sideways");
        assertMessage(map, "metadata 'target' is 'sideways': not one of [softmax, logits]");
        map.put("target", "logits");
        map.put("epochs", "0");
        assertMessage(map, "metadata 'epochs' is '0': epochs must be >= 1, got 0");
        map.put("epochs", "4");
        map.put("dtype", "int64");
        assertMessage(map, "metadata 'dtype' is 'int64': dtype must be floating point, got INT64");
        map.put("dtype", "float64");
        map.put("format", "other");
        assertMessage(map, "metadata 'format' is 'other', expected 'jacreg'");

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
        assertFalse(e.getMessage().contains("\n"), () -> "one line: " + e.getMessage());
    }
}
