package dev.jacreg.experiment;

import dev.jacreg.Jacreg;
import dev.jacreg.train.TrainingResult;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The metadata stored with a saved net's weights (safetensors string map): the settings it was trained under (one key
 * per {@link RunSetting}, so the table there is the schema), how far it trained, and where. Enough for
 * {@code jacreg evaluate} to rebuild the experiment's test set and noisy copies. {@link #toMap} writes it, {@link #parse}
 * reads it back strictly: a key neither the table nor this record declares, a missing key, a value that does not parse
 * or a {@link #METADATA_VERSION} newer than {@link #VERSION} is an error naming it.
 *
 * <p>Versions: 1 lacked {@code penalty_estimator} and {@code penalty_every} unless they differed from projection and
 * 1, and lacked {@code diagnostics} and {@code gradient_split_interval}; 1 and 2 lack {@code penalty_subset}; 1 to 3
 * lack {@code robust_epsilon}, {@code robust_steps} and {@code trades_beta}. Such files still read, each missing key as
 * {@link RunSetting#before} says. Files without a {@link #METADATA_VERSION} (other tools, e.g.
 * bench/baselines/python/experiment.py) are still evaluated:
 * {@link #seedOf}, {@link #dataSeedOf}, {@link #dataOf} and {@link #lambdaOf} read whichever of those keys they have.
 *
 * @param jacregVersion     the jacreg that trained the net
 * @param net               the net's name, e.g. "jacobian"
 * @param settings          its settings, with its own penalty (λ = 0 for a net trained without the Jacobian penalty)
 * @param iterations        iterations trained
 * @param iterationsPlanned iterations the settings asked for
 * @param stoppedEarly      whether training was stopped before the plan
 * @param torchVersion      the libtorch it trained on
 * @param dataDescription   the data in words
 * @param cleanTestAccuracy the clean test accuracy {@code jacreg train} measured (empty from {@code experiment})
 * @param recipe            a recipe's description beyond the pair ({@link #RECIPE_KEYS}; empty without {@link #withRecipe})
 */
public record WeightsMetadata(String jacregVersion, String net, RunSettings settings, int iterations,
                              int iterationsPlanned, boolean stoppedEarly, String torchVersion, String dataDescription,
                              OptionalDouble cleanTestAccuracy, Map<String, String> recipe) {
    /** The schema version this jacreg writes, and the newest it reads. */
    public static final int VERSION = 4;

    /** Marks jacreg's metadata. */
    public static final String FORMAT = "format";
    /** The value of {@link #FORMAT}. */
    public static final String FORMAT_JACREG = "jacreg";
    /** The schema's version: files of a newer one are refused. */
    public static final String METADATA_VERSION = "metadata_version";
    /** The jacreg that wrote the file. */
    public static final String JACREG_VERSION = "jacreg_version";
    /** The net's name. */
    public static final String NET = "net";
    /** Iterations trained. */
    public static final String ITERATIONS = "iterations";
    /** Iterations the settings asked for. */
    public static final String ITERATIONS_PLANNED = "iterations_planned";
    /** Whether training stopped before the plan. */
    public static final String STOPPED_EARLY = "stopped_early";
    /** The libtorch the net trained on. */
    public static final String TORCH_VERSION = "torch_version";
    /** The data in words. */
    public static final String DATA_DESCRIPTION = "data_description";
    /** Optional: written by {@code jacreg train}. */
    public static final String CLEAN_TEST_ACCURACY = "clean_test_accuracy";
    /** Optional, a recipe beyond the pair: its loss, augmentation and weight decay in words ({@link ModelRecipe}). */
    public static final List<String> RECIPE_KEYS = List.of("loss", "augmentation", "weight_decay");

    /** Every key a file of {@link #VERSION} has, in writing order: these, with the settings' after {@link #NET}. */
    public static final List<String> REQUIRED_KEYS = requiredKeys(VERSION);

    /** Every key the schema knows: the required ones of {@link #VERSION} and the optional ones. */
    private static final Set<String> KNOWN_KEYS = knownKeys();

    /** Checks what the component types do not; the recipe's keys must be {@link #RECIPE_KEYS}. */
    public WeightsMetadata {
        Objects.requireNonNull(settings, "settings");
        recipe = Collections.unmodifiableMap(new LinkedHashMap<>(recipe));
        for (String key : recipe.keySet()) {
            if (!RECIPE_KEYS.contains(key)) throw new IllegalArgumentException("'" + key + "' is not a recipe key " + RECIPE_KEYS);
        }
    }

    /** What a net trained under {@code settings} (its own penalty in them) records ({@link ExperimentSpec#metadata}). */
    static WeightsMetadata of(String net, RunSettings settings, TrainingResult training, String torchVersion,
                              String dataDescription) {
        return new WeightsMetadata(Jacreg.version(), net, settings, training.iterations(), training.plannedIterations(),
                training.stoppedEarly(), torchVersion, dataDescription, OptionalDouble.empty(), Map.of());
    }

    /** The same with the clean test accuracy. */
    public WeightsMetadata withCleanTestAccuracy(double accuracy) {
        return new WeightsMetadata(jacregVersion, net, settings, iterations, iterationsPlanned, stoppedEarly, torchVersion,
                dataDescription, OptionalDouble.of(accuracy), recipe);
    }

    /** The same with a recipe's description ({@link #RECIPE_KEYS}). */
    public WeightsMetadata withRecipe(ModelRecipe model) {
        Map<String, String> described = new LinkedHashMap<>();
        described.put(RECIPE_KEYS.get(0), model.describeLoss());
        described.put(RECIPE_KEYS.get(1), model.augmentation().describe());
        described.put(RECIPE_KEYS.get(2), Formats.number(model.weightDecay()));
        return new WeightsMetadata(jacregVersion, net, settings, iterations, iterationsPlanned, stoppedEarly, torchVersion,
                dataDescription, cleanTestAccuracy, described);
    }

    /** The string map stored in the weights file, keys in {@link #REQUIRED_KEYS} order, then the optional ones. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(FORMAT, FORMAT_JACREG);
        m.put(METADATA_VERSION, Integer.toString(VERSION));
        m.put(JACREG_VERSION, jacregVersion);
        m.put(NET, net);
        for (RunSetting<?> s : RunSetting.ALL) m.put(s.key(), s.write(settings));
        m.put(ITERATIONS, Integer.toString(iterations));
        m.put(ITERATIONS_PLANNED, Integer.toString(iterationsPlanned));
        m.put(STOPPED_EARLY, Boolean.toString(stoppedEarly));
        m.put(TORCH_VERSION, torchVersion);
        m.put(DATA_DESCRIPTION, dataDescription);
        cleanTestAccuracy.ifPresent(a -> m.put(CLEAN_TEST_ACCURACY, RunSetting.exact(a)));
        m.putAll(recipe);
        return m;
    }

    /**
     * Reads metadata written by {@link #toMap} of this or an older version.
     *
     * @throws IllegalArgumentException in one line naming the problem: no {@link #METADATA_VERSION} or a newer one, a
     *                                  key the schema does not know, a missing key, or a value that does not parse
     */
    public static WeightsMetadata parse(Map<String, String> m) {
        int version = version(m);
        if (!FORMAT_JACREG.equals(m.get(FORMAT))) {
            throw new IllegalArgumentException("metadata '" + FORMAT + "' is '" + m.get(FORMAT) + "', expected '"
                    + FORMAT_JACREG + "'");
        }
        List<String> unknown = new ArrayList<>();
        for (String key : m.keySet()) if (!KNOWN_KEYS.contains(key)) unknown.add(key);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("metadata version " + version + " has no key " + quoted(unknown)
                    + " (written by another program, or edited?)");
        }
        List<String> missing = new ArrayList<>();
        for (String key : requiredKeys(version)) if (!m.containsKey(key)) missing.add(key);
        if (!missing.isEmpty()) throw new IllegalArgumentException("metadata version " + version + " lacks " + quoted(missing));

        RunSettings settings = RunSettings.of(ExperimentConfig.reference());  // every entry replaces its part below
        for (RunSetting<?> s : RunSetting.ALL) {
            settings = m.containsKey(s.key()) ? s.read(settings, m.get(s.key())) : s.readAbsent(settings);
        }
        Map<String, String> recipe = new LinkedHashMap<>();
        for (String key : RECIPE_KEYS) if (m.containsKey(key)) recipe.put(key, m.get(key));
        return new WeightsMetadata(m.get(JACREG_VERSION), m.get(NET), settings, integer(m, ITERATIONS),
                integer(m, ITERATIONS_PLANNED), bool(m, STOPPED_EARLY), m.get(TORCH_VERSION), m.get(DATA_DESCRIPTION),
                m.containsKey(CLEAN_TEST_ACCURACY) ? OptionalDouble.of(number(m, CLEAN_TEST_ACCURACY)) : OptionalDouble.empty(),
                recipe);
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

    private static Set<String> knownKeys() {
        Set<String> keys = new LinkedHashSet<>(REQUIRED_KEYS);
        keys.add(CLEAN_TEST_ACCURACY);
        keys.addAll(RECIPE_KEYS);
        return Set.copyOf(keys);
    }

    /** The keys every file of {@code version} has, in writing order. */
    private static List<String> requiredKeys(int version) {
        List<String> keys = new ArrayList<>(List.of(FORMAT, METADATA_VERSION, JACREG_VERSION, NET));
        for (RunSetting<?> s : RunSetting.ALL) if (s.since() <= version) keys.add(s.key());
        keys.addAll(List.of(ITERATIONS, ITERATIONS_PLANNED, STOPPED_EARLY, TORCH_VERSION, DATA_DESCRIPTION));
        return List.copyOf(keys);
    }

    /** The declared version, 1 to {@link #VERSION}. */
    private static int version(Map<String, String> m) {
        String text = m.get(METADATA_VERSION);
        if (text == null) {
            throw new IllegalArgumentException("no '" + METADATA_VERSION + "' in the metadata: not written by jacreg "
                    + "(or by a jacreg older than metadata version 1)");
        }
        int version = integer(m, METADATA_VERSION);
        if (version > VERSION) {
            throw new IllegalArgumentException("metadata version " + version + " is newer than this jacreg reads (1 to "
                    + VERSION + "): the file was written by a later jacreg, which reads it");
        }
        if (version < 1) {
            throw new IllegalArgumentException("metadata '" + METADATA_VERSION + "' is '" + text + "': not a version");
        }
        return version;
    }

    // ---- single keys of any weights file, versioned or not -------------------------------------------------

    /** The training seed, empty when the file has none; a malformed one is an error, never a silent default. */
    public static OptionalLong seedOf(Map<String, String> m) {
        String key = RunSetting.SEED.key();
        return m.containsKey(key) ? OptionalLong.of(RunSetting.SEED.value(m.get(key))) : OptionalLong.empty();
    }

    /** The data seed, empty when the file has none (files older than separate seeds: the training seed drove both). */
    public static OptionalLong dataSeedOf(Map<String, String> m) {
        String key = RunSetting.DATA_SEED.key();
        return m.containsKey(key) ? OptionalLong.of(RunSetting.DATA_SEED.value(m.get(key))) : OptionalLong.empty();
    }

    /** The {@code --data} value the net was trained on, if the file says. */
    public static Optional<String> dataOf(Map<String, String> m) {
        return Optional.ofNullable(m.get(RunSetting.DATA.key()));
    }

    /** The penalty weight, NaN when the file has none or it does not parse (it only orders and labels nets). */
    public static double lambdaOf(Map<String, String> m) {
        try {
            String key = RunSetting.LAMBDA.key();
            return m.containsKey(key) ? RunSetting.LAMBDA.value(m.get(key)) : Double.NaN;
        } catch (IllegalArgumentException e) {
            return Double.NaN;
        }
    }

    // ---- parsing ---------------------------------------------------------------------------------------------

    private static int integer(Map<String, String> m, String key) {
        return RunSetting.parsed(key, m.get(key), RunSetting::integer);
    }

    private static double number(Map<String, String> m, String key) {
        return RunSetting.parsed(key, m.get(key), RunSetting::number);
    }

    private static boolean bool(Map<String, String> m, String key) {
        return RunSetting.parsed(key, m.get(key), RunSetting::bool);
    }

    private static String quoted(List<String> keys) {
        return keys.stream().map(k -> "'" + k + "'").reduce((a, b) -> a + ", " + b).orElse("");
    }
}
