package dev.jacreg.cli;

import dev.jacreg.Jacreg;
import dev.jacreg.Torch;
import dev.jacreg.experiment.ExperimentConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

/**
 * The {@code jacreg} command line: {@code experiment}, {@code train} and {@code evaluate}.
 *
 * <p>Exit codes: 0 success, 1 a runtime failure (unreadable or corrupt file, libtorch error), 2 a usage error
 * (unknown option, invalid value), 3 training stopped on a non-finite loss or gradient (no weights are written for
 * that run), 130 stopped by Ctrl-C (after training was stopped early and its partial results were written, or at
 * once outside training), 143 ended by SIGTERM (at once). Errors are one line on stderr; {@code --verbose} adds the
 * stack trace. Every option is checked ({@link OptionRules}) before any data are loaded or ranks started.
 */
@Command(name = "jacreg",
        mixinStandardHelpOptions = true,
        versionProvider = JacregCli.Version.class,
        usageHelpAutoWidth = true,
        synopsisSubcommandLabel = "COMMAND",
        description = {
                "Trains small convolutional image classifiers on libtorch with Jacobian regularization (a penalty on "
                        + "how strongly the output reacts to changes of the input image, Hoffman, Roberts & Yaida 2019) "
                        + "and compares them with an unregularized reference net under pixel noise.",
                "",
                "Start with 'jacreg experiment': it runs the whole experiment (two nets, 15 epochs on "
                        + "5,000 synthetic digits, a noise sweep) and writes a report with figures to a new folder "
                        + "results/experiment-DATE/. No command writes over an earlier run: without --out each run gets "
                        + "a folder of its own under results/ (results/latest points at the newest that succeeded), and an --out that "
                        + "already holds files needs --overwrite. "
                        + "'jacreg COMMAND --help' explains each command and its options."},
        commandListHeading = "%nCommands:%n",
        footerHeading = "%nExamples:%n",
        footer = {
                "  jacreg experiment",
                "      the full experiment; report, figures and weights in a new folder",
                "      results/experiment-DATE/ (results/latest points at the newest good run)",
                "  jacreg experiment --epochs 2 --data synthetic:1000,500 --out /tmp/quick",
                "      a quick run on fewer images (about a minute on two cores)",
                "  jacreg train --lambda 0 --out runs/ref",
                "      only the reference net",
                "  jacreg evaluate --model results/latest/jacobian.safetensors \\",
                "                  --model results/latest/reference.safetensors",
                "      both nets of the newest run under the noise sweep again, into a new",
                "      folder results/evaluate-DATE/ (which results/latest then points at)",
                "",
                "Exit status: 0 success, 1 runtime failure, 2 usage error, 3 training diverged (non-finite loss",
                "or gradient; no weights written), 130 stopped by Ctrl-C, 143 ended by SIGTERM.",
                "Ctrl-C during training stops it early and still writes the results (exit 130); at any other time, or a",
                "second time, it quits at once. SIGTERM quits at once. Quitting at once removes the --out folder",
                "the run created if it is still empty."},
        subcommands = {ExperimentCommand.class, TrainCommand.class, EvaluateCommand.class,
                CommandLine.HelpCommand.class})
public final class JacregCli implements Callable<Integer> {
    public static final int OK = 0;
    public static final int RUNTIME_ERROR = 1;
    public static final int USAGE_ERROR = 2;
    /** Training met a non-finite loss or gradient ({@link dev.jacreg.train.NonFiniteLossException}) and stopped. */
    public static final int NON_FINITE_LOSS = 3;
    /** Stopped by Ctrl-C (128 + SIGINT, as shells report it), also when the partial results were written. */
    public static final int STOPPED = 130;
    /** Ended by SIGTERM (128 + 15, as shells report it), at once. */
    public static final int TERMINATED = 143;

    private static final String LOG_FORMAT = "java.util.logging.SimpleFormatter.format";

    final PrintStream out;
    final PrintStream err;
    final BooleanSupplier stopRequested;
    /** Where a run without --out gets a new folder of its own (OutFolder). */
    final Path runs;

    public JacregCli(PrintStream out, PrintStream err, BooleanSupplier stopRequested) {
        this(out, err, stopRequested, Path.of(ExperimentConfig.RUNS_FOLDER));
    }

    JacregCli(PrintStream out, PrintStream err, BooleanSupplier stopRequested, Path runs) {
        this.out = out;
        this.err = err;
        this.stopRequested = stopRequested;
        this.runs = runs;
    }

    /** No command: print the usage. */
    @Override
    public Integer call() {
        new CommandLine(this).setUsageHelpAutoWidth(true).usage(out);
        return OK;
    }

    public static void main(String[] args) {
        // A library's logged warning (e.g. an unwritable data cache) as one line, not java.util.logging's two.
        if (System.getProperty(LOG_FORMAT) == null) System.setProperty(LOG_FORMAT, "jacreg: %4$s: %5$s%n");
        StopSignal stop = StopSignal.install(System.err);
        int code = run(args, System.out, System.err, stop);
        System.out.flush();
        System.err.flush();
        stop.finished();
        System.exit(code);
    }

    /** Runs the command line without Ctrl-C handling; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, () -> false);
    }

    /** Runs the command line; training stops early once {@code stopRequested} turns true. */
    public static int run(String[] args, PrintStream out, PrintStream err, BooleanSupplier stopRequested) {
        int code = commandLine(out, err, stopRequested).execute(args);
        return code == OK && stopRequested.getAsBoolean() ? STOPPED : code;  // scripts can tell a stopped run from a complete one
    }

    /** The configured picocli command line, for tests and embedding. */
    public static CommandLine commandLine(PrintStream out, PrintStream err, BooleanSupplier stopRequested) {
        return commandLine(new JacregCli(out, err, stopRequested));
    }

    /** As above for a given root object, e.g. one whose runs go elsewhere than results/ (tests). */
    static CommandLine commandLine(JacregCli root) {
        PrintStream out = root.out, err = root.err;
        CommandLine cli = new CommandLine(root);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setParameterExceptionHandler(JacregCli::usageError);
        cli.setExecutionExceptionHandler((e, command, parsed) -> failure(e, command, parsed));
        cli.setExecutionStrategy(parsed -> checkThenRun(parsed, err));
        return cli;
    }

    /** Help and version as asked; else the table of option rules, then the command (nothing expensive runs before). */
    private static int checkThenRun(ParseResult parsed, PrintStream err) {
        Integer help = CommandLine.executeHelpRequest(parsed);
        if (help != null) return help;
        ParseResult last = parsed;
        while (last.hasSubcommand()) last = last.subcommand();
        try {
            OptionRules.check(last.commandSpec(), last, err);
        } catch (UsageException e) {
            throw new ParameterException(last.commandSpec().commandLine(), e.getMessage());
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        StringBuilder message = new StringBuilder(oneLine(e.getMessage()));
        boolean hasCommands = !command.getSubcommands().isEmpty();
        if (e instanceof UnmatchedArgumentException u && hasCommands && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().get(0).startsWith("-")) {
            message.setLength(0);
            message.append("unknown command '").append(u.getUnmatched().get(0)).append("' (commands: ")
                    .append(String.join(", ", command.getSubcommands().keySet())).append(')');
        } else if (e instanceof UnmatchedArgumentException u) {
            List<String> suggestions = u.getSuggestions();
            if (!suggestions.isEmpty()) message.append(" (did you mean ").append(String.join(" or ", suggestions)).append("?)");
        }
        report(command, message + "; see '" + command.getCommandSpec().qualifiedName() + " --help'");
        return USAGE_ERROR;
    }

    private static int failure(Exception e, CommandLine command, ParseResult parsed) {
        boolean verbose = command.getCommand() instanceof Verbose v && v.verbose();
        String name = command.getCommandSpec().qualifiedName();
        int code;
        if (e instanceof dev.jacreg.train.NonFiniteLossException) {
            report(command, "training diverged: " + oneLine(e.getMessage()));
            code = NON_FINITE_LOSS;
        } else if (e instanceof IllegalArgumentException) {
            report(command, oneLine(e.getMessage()) + "; see '" + name + " --help'");
            code = USAGE_ERROR;
        } else {
            report(command, describe(e) + (verbose ? "" : " (--verbose shows details)"));
            code = RUNTIME_ERROR;
        }
        if (verbose) e.printStackTrace(new PrintWriter(command.getErr(), true));
        return code;
    }

    private static void report(CommandLine command, String message) {
        PrintWriter err = command.getErr();
        err.println(command.getCommandSpec().qualifiedName() + ": error: " + printable(message));
        err.flush();
    }

    /** A clear one-line description of a runtime failure. */
    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException f) {
            return "file not found: " + f.getFile() + (f.getOtherFile() != null ? " (nor " + f.getOtherFile() + ")" : "")
                    + (f.getReason() != null ? ": " + oneLine(f.getReason()) : "");
        }
        if (e instanceof AccessDeniedException f) {
            return "permission denied: " + f.getFile() + (f.getReason() != null ? " (" + f.getReason() + ")" : "");
        }
        if (e instanceof FileAlreadyExistsException f) return "cannot create " + f.getFile() + ": a file is in the way";
        if (e instanceof NotDirectoryException f) return "not a folder: " + f.getFile();
        if (e instanceof FileSystemException f) {
            return "cannot access " + f.getFile() + (f.getReason() != null ? ": " + oneLine(f.getReason()) : "");
        }
        if (e instanceof IOException || e instanceof dev.jacreg.TorchException) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : oneLine(e.getMessage());
        }
        if (e instanceof OutOfMemoryError) return "out of memory: " + oneLine(String.valueOf(e.getMessage()));
        String text = e.getMessage() == null ? "" : ": " + oneLine(e.getMessage());
        return "unexpected " + e.getClass().getSimpleName() + text;
    }

    /** Control and format characters (e.g. from a crafted file name) shown as escapes, never sent raw to the terminal. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || Character.getType(c) == Character.FORMAT) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** Commands whose --verbose the error handler reads. */
    interface Verbose {
        boolean verbose();
    }

    /** --version: jacreg's and libtorch's versions. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String torch;
            try {
                torch = "libtorch " + Torch.version() + " (shim " + Torch.libraryPath() + ")";
            } catch (RuntimeException | LinkageError e) {
                torch = "libtorch: not available (" + oneLine(e.getMessage()) + ")";
            }
            return new String[]{"jacreg " + Jacreg.version(), torch,
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")"};
        }
    }
}
