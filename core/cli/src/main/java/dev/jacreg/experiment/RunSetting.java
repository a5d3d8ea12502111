package dev.jacreg.experiment;

import dev.jacreg.DType;
import dev.jacreg.train.FiniteDifferencePenalty;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.LearningRateSchedule;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One run setting, and in {@link #ALL} the table of them: the one place a setting's metadata key, report name, text
 * form and description are declared. {@link WeightsMetadata} writes and strictly reads exactly these keys, and
 * {@link SettingsTable} shows exactly these rows in every report's Settings section, so adding a setting is its
 * command-line option plus one entry here (docs/development.md shows one).
 *
 * @param key         the key in a weights file's metadata, e.g. {@code "learning_rate"}
 * @param description what it is, in a few words: the row's name in the reports' Settings tables
 * @param since       the metadata version from which every file has the key; an older file may lack it
 * @param before      what an older file without the key means (the behaviour of its time)
 * @param get         the value in a {@link RunSettings}
 * @param with        the settings with the value replaced (the records' constructors check it)
 * @param format      the value as metadata text; {@code parse} reads it back exactly
 * @param parse       metadata text to a value; an IllegalArgumentException says what was expected
 * @param describe    the value as a reader of a report wants it, e.g. "off" for a clipping norm of 0
 * @param <T>         the value's type
 */
public record RunSetting<T>(String key, String description, int since, T before, Function<RunSettings, T> get,
                            BiFunction<RunSettings, T, RunSettings> with, Function<T, String> format,
                            Function<String, T> parse, Function<T, String> describe) {
    // ---- the table, in the order of the metadata and the reports --------------------------------------------------

    /** --epochs. */
    public static final RunSetting<Integer> EPOCHS = integer("epochs", "epochs", s -> s.training().epochs(),
            (s, v) -> s.withTraining(b -> b.epochs(v)));
    /** --batch-size. */
    public static final RunSetting<Integer> BATCH_SIZE = integer("batch_size", "mini-batch size",
            s -> s.training().batchSize(), (s, v) -> s.withTraining(b -> b.batchSize(v)));
    /** --lr. */
    public static final RunSetting<Double> LEARNING_RATE = number("learning_rate", "SGD learning rate",
            s -> s.training().learningRate(), (s, v) -> s.withTraining(b -> b.learningRate(v)));
    /** --momentum. */
    public static final RunSetting<Double> MOMENTUM = number("momentum", "SGD momentum", s -> s.training().momentum(),
            (s, v) -> s.withTraining(b -> b.momentum(v)));
    /** --lr-schedule (and --seed-algorithm). */
    public static final RunSetting<LearningRateSchedule> LR_SCHEDULE = new RunSetting<>("lr_schedule",
            "learning-rate schedule", 1, null, s -> s.training().schedule(), (s, v) -> s.withTraining(b -> b.schedule(v)),
            LearningRateSchedule::describe, LearningRateSchedule::parse, LearningRateSchedule::describe);
    /** --clip-grad-norm (and --seed-algorithm). */
    public static final RunSetting<Double> CLIP_GRAD_NORM = number("clip_grad_norm", "gradient clipping (max L2 norm)",
            s -> s.training().clipGradNorm(), (s, v) -> s.withTraining(b -> b.clipGradNorm(v)))
            .describedAs(v -> v > 0 ? Formats.number(v) : "off");
    /** --lambda: the experiment's, or in a weights file the net's own (0 for a net trained without the penalty). */
    public static final RunSetting<Double> LAMBDA = number("lambda", "λ (penalty weight)", s -> s.penalty().lambda(),
            (s, v) -> s.withPenalty(s.penalty().withLambda(v)));
    /** --penalty-estimator. */
    public static final RunSetting<JacobianPenalty.Estimator> PENALTY_ESTIMATOR = constant("penalty_estimator",
            "penalty estimator", JacobianPenalty.Estimator.class, s -> s.penalty().estimator(),
            (s, v) -> s.withPenalty(s.penalty().withEstimator(v)))
            .describedAs(v -> v == JacobianPenalty.Estimator.FINITE_DIFFERENCE
                    ? "finite differences along random input directions (step h = "
                    + Formats.number(FiniteDifferencePenalty.STEP) + ", no second backward)"
                    : "random output projections (a second backward pass)")
            .addedIn(2, JacobianPenalty.Estimator.PROJECTION);
    /** --projections. */
    public static final RunSetting<Integer> PROJECTIONS = integer("projections", "random directions per batch",
            s -> s.penalty().projections(), (s, v) -> s.withPenalty(s.penalty().withProjections(v)));
    /** --target. */
    public static final RunSetting<JacobianPenalty.Target> TARGET = constant("target", "penalised output",
            JacobianPenalty.Target.class, s -> s.penalty().target(), (s, v) -> s.withPenalty(s.penalty().withTarget(v)))
            .describedAs(v -> v == JacobianPenalty.Target.SOFTMAX ? "softmax output" : "logits");
    /** --penalty-bn. */
    public static final RunSetting<JacobianPenalty.BatchNormMode> PENALTY_BN = constant("penalty_bn",
            "batch norm in the penalty", JacobianPenalty.BatchNormMode.class, s -> s.penalty().batchNorm(),
            (s, v) -> s.withPenalty(s.penalty().withBatchNorm(v)))
            .describedAs(v -> v == JacobianPenalty.BatchNormMode.TRAIN ? "training mode (batch statistics)"
                    : "inference mode (running statistics, second pass)");
    /** --penalty-every. */
    public static final RunSetting<Integer> PENALTY_EVERY = integer("penalty_every", "penalty computed on",
            s -> s.penalty().every(), (s, v) -> s.withPenalty(s.penalty().withEvery(v)))
            .describedAs(k -> k == 1 ? "every step"
                    : "one step in " + k + " (iterations 0, " + k + ", " + 2 * k + ", …), weight " + k + "·λ there")
            .addedIn(2, 1);
    /** --penalty-subset. */
    public static final RunSetting<Double> PENALTY_SUBSET = number("penalty_subset", "penalty computed on images",
            s -> s.penalty().subset(), (s, v) -> s.withPenalty(s.penalty().withSubset(v)))
            .describedAs(f -> f == 1.0 ? "the whole batch"
                    : "the first ⌈" + Formats.number(f) + "·B⌉ images of each batch of B (at least 2; --penalty-subset)")
            .addedIn(3, 1.0);
    /** --penalty-warmup. */
    public static final RunSetting<Integer> PENALTY_WARMUP_EPOCHS = integer("penalty_warmup_epochs", "penalty warm-up",
            s -> s.training().penaltyWarmupEpochs(), (s, v) -> s.withTraining(b -> b.penaltyWarmupEpochs(v)))
            .describedAs(e -> e == 0 ? "off" : e + (e == 1 ? " epoch" : " epochs"));
    /** --diagnostics. */
    public static final RunSetting<Boolean> DIAGNOSTICS = flag("diagnostics", "per-iteration diagnostics",
            s -> s.training().diagnostics(), (s, v) -> s.withTraining(b -> b.diagnostics(v)))
            .describedAs(b -> b ? "in training-loss.csv" : "off").addedIn(2, false);
    /** --gradient-split-every. */
    public static final RunSetting<Integer> GRADIENT_SPLIT_INTERVAL = integer("gradient_split_interval",
            "gradient split into its parts (with diagnostics)", s -> s.training().gradientSplitInterval(),
            (s, v) -> s.withTraining(b -> b.gradientSplitInterval(v)))
            .describedAs(k -> k == 1 ? "every iteration" : "iterations 0, " + k + ", " + 2 * k + ", …")
            .addedIn(2, dev.jacreg.train.TrainingConfig.DEFAULT_GRADIENT_SPLIT_INTERVAL);
    /** --robust-epsilon. */
    public static final RunSetting<Double> ROBUST_EPSILON = number("robust_epsilon",
            "inner attack's L∞ radius ε (pgd-at, trades)", s -> s.robust().epsilon(),
            (s, v) -> s.withRobust(s.robust().withEpsilon(v))).addedIn(4, RobustSettings.DEFAULT_EPSILON);
    /** --robust-steps. */
    public static final RunSetting<Integer> ROBUST_STEPS = integer("robust_steps", "inner attack's steps (pgd-at, trades)",
            s -> s.robust().steps(), (s, v) -> s.withRobust(s.robust().withSteps(v)))
            .describedAs(k -> k + ", each of " + Formats.number(dev.jacreg.attack.Pgd.DEFAULT_STEP_FACTOR) + "·ε/" + k)
            .addedIn(4, RobustSettings.DEFAULT_STEPS);
    /** --trades-beta. */
    public static final RunSetting<Double> TRADES_BETA = number("trades_beta", "TRADES β (weight of the KL term)",
            s -> s.robust().tradesBeta(), (s, v) -> s.withRobust(s.robust().withTradesBeta(v)))
            .addedIn(4, RobustSettings.DEFAULT_TRADES_BETA);
    /** --seed: initial weights, shuffling, penalty directions and the test noise. */
    public static final RunSetting<Long> SEED = longInteger("seed", "seed", s -> s.training().seed(),
            (s, v) -> s.withTraining(b -> b.seed(v)));
    /** --data-seed: generated (synthetic) data. */
    public static final RunSetting<Long> DATA_SEED = longInteger("data_seed", "data seed", RunSettings::dataSeed,
            RunSettings::withDataSeed);
    /** --dtype. */
    public static final RunSetting<DType> DTYPE = constant("dtype", "dtype", DType.class, RunSettings::dtype,
            RunSettings::withDtype);
    /** --data: a {@code --data} value. */
    public static final RunSetting<String> DATA = new RunSetting<>("data", "data (--data)", 1, null, RunSettings::data,
            RunSettings::withData, v -> v, String::strip, v -> "`" + v + "`");
    /** Every run setting, in the order of the metadata and the reports. */
    public static final List<RunSetting<?>> ALL = List.of(EPOCHS, BATCH_SIZE, LEARNING_RATE, MOMENTUM, LR_SCHEDULE,
            CLIP_GRAD_NORM, LAMBDA, PENALTY_ESTIMATOR, PROJECTIONS, TARGET, PENALTY_BN, PENALTY_EVERY,
            PENALTY_SUBSET, PENALTY_WARMUP_EPOCHS, DIAGNOSTICS, GRADIENT_SPLIT_INTERVAL, ROBUST_EPSILON, ROBUST_STEPS, TRADES_BETA,
            SEED, DATA_SEED, DTYPE, DATA);

    // ---- one entry -----------------------------------------------------------------------------------------------

    /** The value of {@code settings} as metadata text. */
    public String write(RunSettings settings) {
        return format.apply(get.apply(settings));
    }

    /** The value of {@code settings} in words, for a report's Settings table. */
    public String show(RunSettings settings) {
        return describe.apply(get.apply(settings));
    }

    /**
     * {@code settings} with this setting's value read from metadata {@code text}.
     *
     * @throws IllegalArgumentException in one line naming the key and the text, e.g. "metadata 'epochs' is '0':
     *                                  epochs must be >= 1, got 0"
     */
    public RunSettings read(RunSettings settings, String text) {
        return parsed(key, text, t -> with.apply(settings, parse.apply(t)));
    }

    /** The value of metadata {@code text} alone, errors as {@link #read}. */
    public T value(String text) {
        return parsed(key, text, parse);
    }

    /** {@code parse} applied to the metadata {@code text} of {@code key}; its error gains the key and the text. */
    static <V> V parsed(String key, String text, Function<String, V> parse) {
        try {
            return parse.apply(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("metadata '" + key + "' is '" + text + "': " + e.getMessage(), e);
        }
    }

    /** {@code settings} with the value a file of an older metadata version without this key means. */
    RunSettings readAbsent(RunSettings settings) {
        return with.apply(settings, before);
    }

    private RunSetting<T> describedAs(Function<T, String> value) {
        return new RunSetting<>(key, description, since, before, get, with, format, parse, value);
    }

    /** This setting as a key every file has from {@code version} on; an older file without it means {@code value}. */
    private RunSetting<T> addedIn(int version, T value) {
        return new RunSetting<>(key, description, version, value, get, with, format, parse, describe);
    }

    // ---- the kinds of values ---------------------------------------------------------------------------------------

    private static RunSetting<Integer> integer(String key, String description, Function<RunSettings, Integer> get,
                                               BiFunction<RunSettings, Integer, RunSettings> with) {
        return new RunSetting<>(key, description, 1, null, get, with, v -> Integer.toString(v), RunSetting::integer,
                v -> Integer.toString(v));
    }

    private static RunSetting<Boolean> flag(String key, String description, Function<RunSettings, Boolean> get,
                                            BiFunction<RunSettings, Boolean, RunSettings> with) {
        return new RunSetting<>(key, description, 1, null, get, with, b -> Boolean.toString(b), RunSetting::bool,
                b -> b ? "on" : "off");
    }

    private static RunSetting<Long> longInteger(String key, String description, Function<RunSettings, Long> get,
                                                BiFunction<RunSettings, Long, RunSettings> with) {
        return new RunSetting<>(key, description, 1, null, get, with, v -> Long.toString(v), RunSetting::longInteger,
                v -> Long.toString(v));
    }

    private static RunSetting<Double> number(String key, String description, Function<RunSettings, Double> get,
                                             BiFunction<RunSettings, Double, RunSettings> with) {
        return new RunSetting<>(key, description, 1, null, get, with, RunSetting::exact, RunSetting::number,
                Formats::number);
    }

    /** An enum constant, written in lower case (files of version 1 wrote them so). */
    private static <E extends Enum<E>> RunSetting<E> constant(String key, String description, Class<E> type,
                                                              Function<RunSettings, E> get,
                                                              BiFunction<RunSettings, E, RunSettings> with) {
        return new RunSetting<>(key, description, 1, null, get, with, RunSetting::lower,
                text -> constant(text, type), RunSetting::lower);
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** The shortest decimal that reads back as {@code v} exactly ({@link Formats#number} rounds to 6 places). */
    static String exact(double v) {
        if (!Double.isFinite(v)) return Double.toString(v);
        String s = BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
        return s.equals("-0") ? "0" : s;
    }

    static int integer(String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an integer");
        }
    }

    static long longInteger(String text) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an integer");
        }
    }

    static double number(String text) {
        try {
            return Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number");
        }
    }

    static boolean bool(String text) {
        String s = text.strip();
        if (s.equals("true") || s.equals("false")) return Boolean.parseBoolean(s);
        throw new IllegalArgumentException("not true or false");
    }

    private static <E extends Enum<E>> E constant(String text, Class<E> type) {
        for (E e : type.getEnumConstants()) if (lower(e).equals(text.strip())) return e;
        throw new IllegalArgumentException("not one of " + Arrays.stream(type.getEnumConstants()).map(RunSetting::lower).toList());
    }
}
