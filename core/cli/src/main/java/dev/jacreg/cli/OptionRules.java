package dev.jacreg.cli;

import dev.jacreg.Device;
import dev.jacreg.Torch;
import dev.jacreg.experiment.ModelCatalog;
import dev.jacreg.experiment.RobustSettings;
import dev.jacreg.train.LearningRateSchedule;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Every check that the command line alone answers, as one table, run by {@link JacregCli} on every command right after
 * parsing and before the command touches data, libtorch's threads or other processes: a bad value, or an option that
 * has no effect in the given combination, fails in the first second with one line naming the option and the value
 * (exit 2), rather than after loading data or starting ranks. A row applies only to commands that have its option.
 * Besides the arguments, two cheap looks at the machine belong here too: whether a CUDA device asked for (--device or
 * $JACREG_DEVICE) exists, and whether a given --cache-dir can be created and written.
 *
 * <p>Policies: {@code --threads} and {@code --nproc} above {@link #OVERSUBSCRIPTION} × the available processors are
 * refused (such runs crawl, and thousands of libtorch threads make exit unsafe); above the processors, one warning.
 * An option that would be silently ignored is an error naming both options, since the user clearly meant it to act.
 */
final class OptionRules {
    /** How many threads (or ranks) per available processor are still accepted, with a warning above one. */
    static final int OVERSUBSCRIPTION = 4;

    /** The longest --dist-timeout or --master-wait: a day. */
    static final double MAX_DIST_TIMEOUT_SECONDS = 86_400;

    private OptionRules() {}

    /** The options of one parsed command, as the rules read them; a value is null where the command lacks the option. */
    record Given(CommandSpec spec, ParseResult parsed, int processors) {
        /** The option's value, given or default; null when the command has no such option. */
        @SuppressWarnings("unchecked")
        <T> T value(String option) {
            OptionSpec o = spec.findOption(option);
            return o == null ? null : (T) o.getValue();
        }

        /** Whether the command has the option at all. */
        boolean has(String option) {
            return spec.findOption(option) != null;
        }

        /** Whether the user typed the option (or its negated form). */
        boolean typed(String option) {
            return parsed.hasMatchedOption(option);
        }

        /** --diagnostics as the run will see it: the flag, else the command's default. */
        boolean diagnostics() {
            Boolean flag = value("--diagnostics");
            return flag != null ? flag : spec.userObject() instanceof ExperimentCommand && ExperimentCommand.DIAGNOSTICS_BY_DEFAULT;
        }

        int cap() {
            return OVERSUBSCRIPTION * processors;
        }

        /** Ranks this command line starts or joins: --nproc, else --world-size, else 1. */
        int ranks() {
            Integer nproc = value("--nproc"), worldSize = value("--world-size");
            return nproc != null ? nproc : worldSize != null ? worldSize : 1;
        }

        List<String> lowerCase(String option) {
            List<String> values = value(option);
            return values == null ? null : values.stream().map(v -> v.trim().toLowerCase(Locale.ROOT)).toList();
        }
    }

    /** One row of the table: the problem it finds, or null. */
    private interface Rule extends Function<Given, String> {}

    /** Errors: the first row that finds a problem ends the command with exit 2. */
    private static final List<Rule> ERRORS = List.of(
            // single values
            atLeast("--epochs", 1),
            atLeast("--batch-size", 1),
            atLeast("--projections", 1),
            atLeast("--penalty-warmup", 0),
            atLeast("--penalty-every", 1),
            atLeast("--gradient-split-every", 1),
            atLeast("--eval-chunk", 1),
            atLeast("--jobs", 1),
            atLeast("--replicates", 1),
            atLeast("--pgd-steps", 1),
            atLeast("--nproc", 1),
            atLeast("--world-size", 1),
            atLeast("--threads", 1),
            g -> atMostPerProcessor(g, "--threads"),
            g -> atMostPerProcessor(g, "--nproc"),
            floatNumber("--lr"),
            floatNumber("--pgd-step-size"),
            finiteNumber("--lambda"),
            finiteNumber("--clip-grad-norm"),
            g -> {
                Double f = g.value("--penalty-subset");
                return f == null || (f > 0 && f <= 1) ? null : "--penalty-subset must be a fraction in (0, 1] of the batch, got " + f;
            },
            g -> {
                Double e = g.value("--robust-epsilon");
                return e == null || (e > 0 && e <= RobustSettings.MAX_EPSILON) ? null
                        : "--robust-epsilon must be an L∞ radius in (0, 1] (the whole pixel range), got " + e;
            },
            g -> {
                Integer k = g.value("--robust-steps");
                return k == null || (k >= 1 && k <= RobustSettings.MAX_STEPS) ? null
                        : "--robust-steps must be in [1, " + RobustSettings.MAX_STEPS + "], got " + k;
            },
            g -> {
                Double b = g.value("--trades-beta");
                return b == null || (b > 0 && !b.isInfinite()) ? null : "--trades-beta must be a finite number > 0, got " + b;
            },
            g -> {
                Double m = g.value("--momentum");
                return m == null || (m >= 0 && m < 1) ? null : "--momentum must be in [0, 1), got " + m;
            },
            seconds("--dist-timeout"),
            seconds("--master-wait"),
            g -> {
                Path cache = g.value("--cache-dir");
                return cache == null || !cache.toString().isBlank() ? null
                        : "--cache-dir must name a folder, got '" + cache + "' (the current folder is never a cache)";
            },
            g -> {
                double[] eps = g.value("--epsilons");
                if (eps == null) return null;
                if (eps.length == 0) return "--epsilons needs at least one value";
                boolean linf = "linf".equalsIgnoreCase(Objects.toString(g.value("--attack-norm"), "").trim());
                for (double e : eps) {
                    if (!(e >= 0) || Double.isInfinite(e)) return "--epsilons must be finite and >= 0, got " + e;
                    if (linf && e > 1) {
                        return "--epsilons " + e + " is more than the whole pixel range [0, 1]: an L∞ radius above 1 allows "
                                + "any image (use --attack-norm l2 for larger radii)";
                    }
                }
                return null;
            },
            noRepeats("--attacks"),
            noRepeats("--corruption"),
            // combinations
            g -> {
                LearningRateSchedule s = g.value("--lr-schedule");
                Integer epochs = g.value("--epochs");
                if (!(s instanceof LearningRateSchedule.Step step) || epochs == null) return null;
                int previous = 0;
                for (int e : step.milestones()) {
                    if (e <= previous) return "--lr-schedule " + s.describe() + ": the epochs must increase";
                    if (e >= epochs) {
                        return "--lr-schedule " + s.describe() + ": epoch " + e + " is not before the last of --epochs "
                                + epochs + ", so that step never happens";
                    }
                    previous = e;
                }
                return null;
            },
            g -> {
                Integer warmup = g.value("--penalty-warmup"), epochs = g.value("--epochs");
                return warmup == null || epochs == null || warmup <= epochs ? null
                        : "--penalty-warmup " + warmup + " is longer than --epochs " + epochs + ": lambda would never reach its value";
            },
            g -> g.typed("--gradient-split-every") && !g.diagnostics()
                    ? "--gradient-split-every has no effect without --diagnostics (the split is a diagnostic; "
                    + (g.typed("--diagnostics") ? "--no-diagnostics turns them off" : "they are off by default for "
                    + g.spec().qualifiedName()) + ")"
                    : null,
            g -> withoutPenalty(g, "--projections"),
            g -> withoutPenalty(g, "--target"),
            g -> withoutPenalty(g, "--penalty-bn"),
            g -> withoutPenalty(g, "--penalty-warmup"),
            g -> withoutPenalty(g, "--penalty-estimator"),
            g -> withoutPenalty(g, "--penalty-every"),
            g -> withoutPenalty(g, "--penalty-subset"),
            g -> withoutModels(g, "--robust-epsilon", ModelCatalog.PGD_AT, ModelCatalog.TRADES),
            g -> withoutModels(g, "--robust-steps", ModelCatalog.PGD_AT, ModelCatalog.TRADES),
            g -> withoutModels(g, "--trades-beta", ModelCatalog.TRADES),
            g -> withoutAttacks(g, "--attack-norm"),
            g -> withoutAttacks(g, "--epsilons"),
            g -> withoutAttacks(g, "--pgd-steps"),
            g -> withoutAttacks(g, "--pgd-step-size"),
            g -> withoutAttacks(g, "--pgd-random-start"),
            g -> withoutAttacks(g, "--pgd-restarts"),
            g -> withoutAttacks(g, "--apgd-iterations"),
            g -> withoutAttacks(g, "--square-queries"),
            g -> g.typed("--dist-timeout") && !g.typed("--nproc") && !g.typed("--world-size")
                    ? "--dist-timeout has no effect without --nproc or --world-size (it bounds the waits of a data-parallel run)"
                    : null,
            g -> {
                Integer batch = g.value("--batch-size");
                int ranks = g.ranks();
                String option = g.typed("--nproc") ? "--nproc" : "--world-size";
                return batch == null || batch % ranks == 0 ? null
                        : "--batch-size " + batch + " is not a multiple of " + option + " " + ranks
                        + " (every rank trains on an equal share of each batch)";
            },
            g -> {
                String data = g.value("--data");
                Path cache = g.value("--cache-dir");
                boolean synthetic = data != null && data.trim().toLowerCase(Locale.ROOT).startsWith("synthetic");
                return g.typed("--cache-dir") && synthetic ? unusableFolder("--cache-dir", cache) : null;
            },
            g -> {
                if (!g.has("--device")) return null;
                Device device = g.value("--device");
                if (device == null) {
                    try {
                        Device.defaultDevice();  // -Djacreg.device or $JACREG_DEVICE, checked here rather than on first use
                        return null;
                    } catch (RuntimeException e) {
                        String message = JacregCli.oneLine(e.getMessage());
                        return message.contains("JACREG_DEVICE") ? message : "-Djacreg.device or $JACREG_DEVICE: " + message;
                    }
                }
                if (!device.isCuda()) return null;
                int gpus = Torch.cudaAvailable() ? Torch.cudaDeviceCount() : 0;
                return device.index() < gpus ? null : "--device " + device + ": " + (gpus == 0
                        ? "this libtorch " + Torch.version() + " has no CUDA support or sees no GPU; use cpu"
                        : "only " + gpus + " CUDA device(s) exist");
            });

    /** Warnings: printed (one line each) and the command runs on. */
    private static final List<Rule> WARNINGS = List.of(
            g -> {
                Integer threads = g.value("--threads"), nproc = g.value("--nproc");
                int ranks = nproc == null ? 1 : nproc;  // local ranks share these processors; --world-size's may not
                if (threads == null || threads * (long) ranks <= g.processors()) return null;
                return "--threads " + threads + (ranks > 1 ? " on each of " + ranks + " ranks" : "") + " is more than the "
                        + g.processors() + " available processors: the threads will take turns and the run will be slower";
            },
            g -> {
                Integer nproc = g.value("--nproc");
                return nproc == null || nproc <= g.processors() ? null : "--nproc " + nproc + " is more than the "
                        + g.processors() + " available processors: the ranks will take turns and the run will be slower";
            });

    /** Runs the table on a parsed command: throws a UsageException for the first error, prints each warning to err. */
    static void check(CommandSpec spec, ParseResult parsed, PrintStream err) {
        Given given = new Given(spec, parsed, Runtime.getRuntime().availableProcessors());
        for (Rule rule : ERRORS) {
            String problem = rule.apply(given);
            if (problem != null) throw new UsageException(problem);
        }
        for (Rule rule : WARNINGS) {
            String warning = rule.apply(given);
            if (warning != null) err.println("jacreg: warning: " + warning);
        }
    }

    /** Why a folder cannot be created or written (its nearest existing ancestor decides), or null when it can. */
    private static String unusableFolder(String option, Path folder) {
        Path absolute = folder.toAbsolutePath().normalize();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return null;
        if (!Files.isDirectory(existing)) return option + " " + folder + ": " + existing + " is a file, not a folder";
        if (!Files.isWritable(existing)) return option + " " + folder + ": " + existing + " is not writable";
        return null;
    }

    private static Rule atLeast(String option, int min) {
        return g -> {
            Integer v = g.value(option);
            return v == null || v >= min ? null : option + " must be >= " + min + ", got " + v;
        };
    }

    private static String atMostPerProcessor(Given g, String option) {
        Integer v = g.value(option);
        return v == null || v <= g.cap() ? null : option + " " + v + " is more than " + OVERSUBSCRIPTION + " × the "
                + g.processors() + " available processors (at most " + g.cap() + ")";
    }

    /** A number > 0 that libtorch's float32 can hold: it becomes a float scalar, and a larger one overflows there. */
    private static Rule floatNumber(String option) {
        return g -> {
            Double v = g.value(option);
            return v == null || (v > 0 && v <= Float.MAX_VALUE) ? null
                    : option + " must be a finite number > 0 (at most " + Float.MAX_VALUE + "), got " + v;
        };
    }

    /** A finite number >= 0 (used in double precision: a huge one is legal, e.g. to provoke divergence in a test). */
    private static Rule finiteNumber(String option) {
        return g -> {
            Double v = g.value(option);
            return v == null || (v >= 0 && !v.isInfinite()) ? null : option + " must be a finite number >= 0, got " + v;
        };
    }

    private static Rule noRepeats(String option) {
        return g -> {
            List<String> values = g.lowerCase(option);
            if (values == null) return null;
            Set<String> seen = new HashSet<>();
            for (String v : values) if (!seen.add(v)) return option + " lists '" + v + "' twice";
            return null;
        };
    }

    /**
     * An option of the penalty typed with --lambda 0, where no model is penalised: only the jacobian model reads them
     * unless --models adds logits or exact, which derive their penalties from them.
     */
    private static String withoutPenalty(Given g, String option) {
        Double lambda = g.value("--lambda");
        if (lambda == null || lambda != 0 || !g.typed(option)) return null;
        List<String> models = g.lowerCase("--models");
        if (models != null && (models.contains(ModelCatalog.LOGITS) || models.contains(ModelCatalog.EXACT))) return null;
        return option + " has no effect with --lambda 0 (no net is penalised)";
    }

    /** An option of some recipes typed while --models lists none of them. */
    private static String withoutModels(Given g, String option, String... readers) {
        if (!g.typed(option)) return null;
        List<String> models = g.lowerCase("--models");
        if (models == null || List.of(readers).stream().anyMatch(models::contains)) return null;
        return option + " has no effect without " + String.join(" or ", readers) + " in --models (got "
                + String.join(",", models) + ")";
    }

    /** A wait in seconds: positive and at most a day. */
    private static Rule seconds(String option) {
        return g -> {
            Double t = g.value(option);
            return t == null || (t > 0 && t <= MAX_DIST_TIMEOUT_SECONDS) ? null
                    : option + " must be a number of seconds in (0, " + (int) MAX_DIST_TIMEOUT_SECONDS + "], got " + t;
        };
    }

    /** Which attacks each attack-specific option configures (the others, such as --epsilons, configure them all). */
    private static final Map<String, List<String>> ATTACKS_TAKING = Map.of(
            "--pgd-", List.of("pgd"),
            "--apgd-", List.of("apgd-ce", "apgd-t", "fab-t", "autoattack"),
            "--square-", List.of("square", "autoattack"));

    /** An attack option typed without --attacks, or one that none of the chosen attacks takes. */
    private static String withoutAttacks(Given g, String option) {
        if (!g.typed(option)) return null;
        List<String> attacks = g.lowerCase("--attacks");
        if (attacks == null || attacks.isEmpty()) return option + " has no effect without --attacks";
        for (Map.Entry<String, List<String>> e : ATTACKS_TAKING.entrySet()) {
            if (option.startsWith(e.getKey()) && attacks.stream().noneMatch(e.getValue()::contains)) {
                return option + " has no effect with --attacks " + String.join(",", attacks) + " (only "
                        + String.join(", ", e.getValue()) + " take" + (e.getValue().size() == 1 ? "s" : "") + " it)";
            }
        }
        return null;
    }
}
