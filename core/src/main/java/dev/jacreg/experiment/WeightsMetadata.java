package dev.jacreg.experiment;

import dev.jacreg.DType;
import dev.jacreg.Jacreg;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.TrainingConfig;
import dev.jacreg.train.TrainingResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The metadata stored with a saved net's weights (safetensors string map): how it was trained and which data it
 * was trained on ({@link #data()} is a {@code --data} value), enough for {@code jacreg evaluate} to rebuild the
 * experiment's test set and noisy copies. The one definition of the keys: {@link #toMap} writes them,
 * {@link #parse} reads them back, and {@link #VERSION} changes whenever a key changes meaning or is removed.
 *
 * <p>Files without {@link #METADATA_VERSION} (written by jacreg before the schema had a version, or by other
 * tools such as bench/baselines/python/experiment.py) are still evaluated: {@link #seedOf}, {@link #dataSeedOf},
 * {@link #dataOf} and {@link #lambdaOf} read whichever of those keys such a file has.
 *
 * @param penaltyEstimator  how the penalty was estimated (files without {@link #PENALTY_ESTIMATOR}: projection)
 * @param penaltyEvery      the penalty was computed on every this-many-th step (files without {@link #PENALTY_EVERY}: 1)
 * @param penaltySubset     the fraction of each batch the penalty was computed on (files without {@link #PENALTY_SUBSET}: 1)
 * @param cleanTestAccuracy the clean test accuracy {@code jacreg train} measured (empty from {@code experiment})
 */
public record WeightsMetadata(String jacregVersion, String net, double lambda, int projections,
                              JacobianPenalty.Target target, long seed, long dataSeed, int epochs, int batchSize,
                              double learningRate, double momentum, JacobianPenalty.BatchNormMode penaltyBatchNorm,
                              JacobianPenalty.Estimator penaltyEstimator, int penaltyEvery, double penaltySubset, String learningRateSchedule, double clipGradNorm, int penaltyWarmupEpochs, int iterations,
                              int iterationsPlanned, boolean stoppedEarly, DType dtype, String torchVersion, String data,
                              String dataDescription, OptionalDouble cleanTestAccuracy) {
    /** The schema version this jacreg writes and reads. */
    public static final int VERSION = 1;

    public static final String FORMAT = "format";
    /** The value of {@link #FORMAT}. */
    public static final String FORMAT_JACREG = "jacreg";
    public static final String METADATA_VERSION = "metadata_version";
    public static final String JACREG_VERSION = "jacreg_version";
    public static final String NET = "net";
    public static final String LAMBDA = "lambda";
    public static final String PROJECTIONS = "projections";
    public static final String TARGET = "target";
    /** The training seed: initial weights, shuffling, penalty directions and the test noise. */
    public static final String SEED = "seed";
    /** The seed of generated (synthetic) data. */
    public static final String DATA_SEED = "data_seed";
    public static final String EPOCHS = "epochs";
    public static final String BATCH_SIZE = "batch_size";
    public static final String LEARNING_RATE = "learning_rate";
    public static final String MOMENTUM = "momentum";
    public static final String PENALTY_BN = "penalty_bn";
    /** Optional: written only for an estimator other than the default projection, so default files stay as before. */
    public static final String PENALTY_ESTIMATOR = "penalty_estimator";
    /** Optional: written only when not 1 (every step). */
    public static final String PENALTY_EVERY = "penalty_every";
    /** Optional: written only when not 1 (the whole batch). */
    public static final String PENALTY_SUBSET = "penalty_subset";
    public static final String LR_SCHEDULE = "lr_schedule";
    public static final String CLIP_GRAD_NORM = "clip_grad_norm";
    public static final String PENALTY_WARMUP_EPOCHS = "penalty_warmup_epochs";
    public static final String ITERATIONS = "iterations";
    public static final String ITERATIONS_PLANNED = "iterations_planned";
    public static final String STOPPED_EARLY = "stopped_early";
    public static final String DTYPE = "dtype";
    public static final String TORCH_VERSION = "torch_version";
    /** A {@code --data} value. */
    public static final String DATA = "data";
    public static final String DATA_DESCRIPTION = "data_description";
    /** Optional: written by {@code jacreg train}. */
    public static final String CLEAN_TEST_ACCURACY = "clean_test_accuracy";

    /** Every key of {@link #VERSION}'s schema but the optional {@link #CLEAN_TEST_ACCURACY}, in writing order. */
    public static final List<String> REQUIRED_KEYS = List.of(FORMAT, METADATA_VERSION, JACREG_VERSION, NET, LAMBDA,
            PROJECTIONS, TARGET, SEED, DATA_SEED, EPOCHS, BATCH_SIZE, LEARNING_RATE, MOMENTUM, PENALTY_BN, LR_SCHEDULE,
            CLIP_GRAD_NORM, PENALTY_WARMUP_EPOCHS, ITERATIONS, ITERATIONS_PLANNED, STOPPED_EARLY, DTYPE, TORCH_VERSION,
            DATA, DATA_DESCRIPTION);

    /** What a net trained under {@code config} with penalty weight {@code lambda} records ({@link ExperimentSpec#metadata}). */
    static WeightsMetadata of(String net, ExperimentConfig config, double lambda, TrainingResult training,
                              String torchVersion, String dataDescription) {
        TrainingConfig t = config.training();
        JacobianPenalty p = config.penalty();
        return new WeightsMetadata(Jacreg.version(), net, lambda, p.projections(), p.target(), t.seed(), config.dataSeed(),
                t.epochs(), t.batchSize(), t.learningRate(), t.momentum(), p.batchNorm(), p.estimator(), p.every(), p.subset(),
                t.schedule().describe(),
                t.clipGradNorm(), t.penaltyWarmupEpochs(), training.iterations(), training.plannedIterations(),
                training.stoppedEarly(), config.dtype(), torchVersion, config.data().argument(), dataDescription,
                OptionalDouble.empty());
    }

    /** The same with the clean test accuracy. */
    public WeightsMetadata withCleanTestAccuracy(double accuracy) {
        return new WeightsMetadata(jacregVersion, net, lambda, projections, target, seed, dataSeed, epochs, batchSize,
                learningRate, momentum, penaltyBatchNorm, penaltyEstimator, penaltyEvery, penaltySubset, learningRateSchedule, clipGradNorm,
                penaltyWarmupEpochs, iterations, iterationsPlanned, stoppedEarly, dtype, torchVersion, data, dataDescription,
                OptionalDouble.of(accuracy));
    }

    /** The string map stored in the weights file, keys in {@link #REQUIRED_KEYS} order. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(FORMAT, FORMAT_JACREG);
        m.put(METADATA_VERSION, Integer.toString(VERSION));
        m.put(JACREG_VERSION, jacregVersion);
        m.put(NET, net);
        m.put(LAMBDA, Formats.number(lambda));
        m.put(PROJECTIONS, Integer.toString(projections));
        m.put(TARGET, lower(target));
        m.put(SEED, Long.toString(seed));
        m.put(DATA_SEED, Long.toString(dataSeed));
        m.put(EPOCHS, Integer.toString(epochs));
        m.put(BATCH_SIZE, Integer.toString(batchSize));
        m.put(LEARNING_RATE, Formats.number(learningRate));
        m.put(MOMENTUM, Formats.number(momentum));
        m.put(PENALTY_BN, lower(penaltyBatchNorm));
        if (penaltyEstimator != JacobianPenalty.Estimator.PROJECTION) m.put(PENALTY_ESTIMATOR, lower(penaltyEstimator));
        if (penaltyEvery != 1) m.put(PENALTY_EVERY, Integer.toString(penaltyEvery));
        if (penaltySubset != 1.0) m.put(PENALTY_SUBSET, Formats.number(penaltySubset));
        m.put(LR_SCHEDULE, learningRateSchedule);
        m.put(CLIP_GRAD_NORM, Formats.number(clipGradNorm));
        m.put(PENALTY_WARMUP_EPOCHS, Integer.toString(penaltyWarmupEpochs));
        m.put(ITERATIONS, Integer.toString(iterations));
        m.put(ITERATIONS_PLANNED, Integer.toString(iterationsPlanned));
        m.put(STOPPED_EARLY, Boolean.toString(stoppedEarly));
        m.put(DTYPE, lower(dtype));
        m.put(TORCH_VERSION, torchVersion);
        m.put(DATA, data);
        m.put(DATA_DESCRIPTION, dataDescription);
        cleanTestAccuracy.ifPresent(a -> m.put(CLEAN_TEST_ACCURACY, Formats.number(a)));
        return m;
    }

    /**
     * Reads metadata written by {@link #toMap}; other keys are ignored.
     *
     * @throws IllegalArgumentException naming the problem: no or another {@link #METADATA_VERSION}, a missing key,
     *                                  or a value that does not parse
     */
    public static WeightsMetadata parse(Map<String, String> m) {
        String version = m.get(METADATA_VERSION);
        if (version == null) {
            throw new IllegalArgumentException("no '" + METADATA_VERSION + "' in the metadata: not written by jacreg "
                    + "(or by a jacreg older than metadata version 1)");
        }
        if (!version.trim().equals(Integer.toString(VERSION))) {
            throw new IllegalArgumentException("metadata version '" + version + "' is not one this jacreg reads (it reads "
                    + VERSION + "); the file was written by another jacreg version");
        }
        List<String> missing = new ArrayList<>();
        for (String key : REQUIRED_KEYS) if (!m.containsKey(key)) missing.add(key);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("metadata version " + VERSION + " lacks " + quoted(missing));
        }
        if (!FORMAT_JACREG.equals(m.get(FORMAT))) {
            throw new IllegalArgumentException("metadata '" + FORMAT + "' is '" + m.get(FORMAT) + "', expected '"
                    + FORMAT_JACREG + "'");
        }
        String accuracy = m.get(CLEAN_TEST_ACCURACY);
        return new WeightsMetadata(m.get(JACREG_VERSION), m.get(NET), number(m, LAMBDA), integer(m, PROJECTIONS),
                constant(m, TARGET, JacobianPenalty.Target.class), longValue(m, SEED), longValue(m, DATA_SEED),
                integer(m, EPOCHS), integer(m, BATCH_SIZE), number(m, LEARNING_RATE), number(m, MOMENTUM),
                constant(m, PENALTY_BN, JacobianPenalty.BatchNormMode.class),
                m.containsKey(PENALTY_ESTIMATOR) ? constant(m, PENALTY_ESTIMATOR, JacobianPenalty.Estimator.class)
                        : JacobianPenalty.Estimator.PROJECTION,
                m.containsKey(PENALTY_EVERY) ? integer(m, PENALTY_EVERY) : 1,
                m.containsKey(PENALTY_SUBSET) ? number(m, PENALTY_SUBSET) : 1.0, m.get(LR_SCHEDULE),
                number(m, CLIP_GRAD_NORM), integer(m, PENALTY_WARMUP_EPOCHS), integer(m, ITERATIONS),
                integer(m, ITERATIONS_PLANNED), bool(m, STOPPED_EARLY), constant(m, DTYPE, DType.class),
                m.get(TORCH_VERSION), m.get(DATA), m.get(DATA_DESCRIPTION),
                accuracy == null ? OptionalDouble.empty() : OptionalDouble.of(number(m, CLEAN_TEST_ACCURACY)));
    }

    /**
     * Checks metadata that declares a {@link #METADATA_VERSION} by parsing it in full; metadata without one (older
     * files, other tools) pass unchecked.
     *
     * @throws IllegalArgumentException as {@link #parse}
     */
    public static void checkIfVersioned(Map<String, String> m) {
        if (m.containsKey(METADATA_VERSION)) parse(m);
    }

    // ---- single keys of any weights file, versioned or not -------------------------------------------------

    /** The training seed, empty when the file has none; a malformed one is an error, never a silent default. */
    public static OptionalLong seedOf(Map<String, String> m) {
        return m.containsKey(SEED) ? OptionalLong.of(longValue(m, SEED)) : OptionalLong.empty();
    }

    /** The data seed, empty when the file has none (files older than separate seeds: the training seed drove both). */
    public static OptionalLong dataSeedOf(Map<String, String> m) {
        return m.containsKey(DATA_SEED) ? OptionalLong.of(longValue(m, DATA_SEED)) : OptionalLong.empty();
    }

    /** The {@code --data} value the net was trained on, if the file says. */
    public static Optional<String> dataOf(Map<String, String> m) {
        return Optional.ofNullable(m.get(DATA));
    }

    /** The penalty weight, NaN when the file has none or it does not parse (it only orders and labels nets). */
    public static double lambdaOf(Map<String, String> m) {
        try {
            return m.containsKey(LAMBDA) ? number(m, LAMBDA) : Double.NaN;
        } catch (IllegalArgumentException e) {
            return Double.NaN;
        }
    }

    // ---- parsing ---------------------------------------------------------------------------------------------

    private static long longValue(Map<String, String> m, String key) {
        return parsed(m, key, Long::parseLong, "an integer");
    }

    private static int integer(Map<String, String> m, String key) {
        return parsed(m, key, Integer::parseInt, "an integer");
    }

    private static double number(Map<String, String> m, String key) {
        return parsed(m, key, Double::parseDouble, "a number");
    }

    /** The key's trimmed value through {@code parse}; a value it rejects is a {@link #malformed} error. */
    private static <T> T parsed(Map<String, String> m, String key, Function<String, T> parse, String expected) {
        String text = m.get(key);
        try {
            return parse.apply(text.trim());
        } catch (NumberFormatException e) {
            throw malformed(key, text, expected);
        }
    }

    private static boolean bool(Map<String, String> m, String key) {
        String text = m.get(key).trim();
        if (text.equals("true") || text.equals("false")) return Boolean.parseBoolean(text);
        throw malformed(key, text, "true or false");
    }

    private static <E extends Enum<E>> E constant(Map<String, String> m, String key, Class<E> type) {
        String text = m.get(key);
        for (E e : type.getEnumConstants()) if (lower(e).equals(text.trim())) return e;
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) names.add(lower(e));
        throw malformed(key, text, "one of " + names);
    }

    private static IllegalArgumentException malformed(String key, String text, String expected) {
        return new IllegalArgumentException("metadata '" + key + "' is '" + text + "', not " + expected);
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static String quoted(List<String> keys) {
        return keys.stream().map(k -> "'" + k + "'").reduce((a, b) -> a + ", " + b).orElse("");
    }
}
