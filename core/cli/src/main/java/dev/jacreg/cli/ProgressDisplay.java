package dev.jacreg.cli;

import dev.jacreg.experiment.ExperimentListener;
import dev.jacreg.train.TrainingProgress;
import dev.jacreg.train.TrainingResult;

import java.io.Console;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.jline.terminal.spi.SystemStream;
import org.jline.terminal.spi.TerminalProvider;

/**
 * Live training progress on stderr. On a terminal one status line is redrawn in place ({@code \r}) at most
 * ten times a second: net, epoch, iteration, percent, loss and its moving average, elapsed time, ETA and a
 * bar. Elsewhere (logs, CI) a plain line is printed every 5 % of a run, so logs stay short.
 * Called on the training thread.
 */
public final class ProgressDisplay implements ExperimentListener {
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int BAR = 24;
    /** Longest moving-average horizon (iterations) of the smoothed loss; shorter runs use 1/50 of the run. */
    private static final double SMOOTHING = 50;

    private final PrintStream err;
    private final boolean interactive;
    private final LongSupplier clock;

    private String net;
    /** Per net: nets of an experiment may train at the same time, their iterations interleaved. */
    private final java.util.Map<String, NetState> nets = new java.util.HashMap<>();
    private long lastDraw = Long.MIN_VALUE;

    /** The smoothed loss and the last logged 5 % step of one net. */
    private static final class NetState {
        double smoothed;
        double weight;
        int lastBucket = -1;
    }
    private int lineLength;

    private final int columns;

    /**
     * @param interactive redraw one line in place (a terminal) rather than print lines (a log)
     * @param columns     terminal width; the live line never gets longer than this minus one, so that it does not
     *                    wrap (a wrapped line cannot be redrawn with {@code \r})
     * @param clock       nanosecond clock, for the redraw rate
     */
    public ProgressDisplay(PrintStream err, boolean interactive, int columns, LongSupplier clock) {
        this.err = err;
        this.interactive = interactive;
        this.columns = Math.max(40, columns);
        this.clock = clock;
    }

    public ProgressDisplay(PrintStream err, boolean interactive) {
        this(err, interactive, 80, System::nanoTime);
    }

    /** Live redraws when the process runs in a terminal, plain lines otherwise. */
    public static ProgressDisplay forTerminal(PrintStream err) {
        boolean terminal = err == System.err && isTerminal();
        return new ProgressDisplay(err, terminal, terminal ? terminalColumns() : 80, System::nanoTime);
    }

    /** $COLUMNS, else the width of the terminal on stderr as JLine reads it, else 80. */
    static int terminalColumns() {
        try {
            String env = System.getenv("COLUMNS");
            if (env != null && !env.isBlank()) return Integer.parseInt(env.trim());
        } catch (NumberFormatException e) {
            // fall through
        }
        return stderrWidth().orElse(80);
    }

    /**
     * The width of the terminal stderr writes to, from JLine's FFM provider: one ioctl on file descriptor 2, no
     * subprocess and no JLine Terminal object, so no signal handler is installed (Ctrl-C stays with
     * {@link StopSignal}) and the terminal's modes are not touched. Empty when stderr is not a terminal, the
     * size is unknown (0), or JLine is not on the class path (a class path put together by hand may lack it).
     */
    static java.util.OptionalInt stderrWidth() {
        try {
            TerminalProvider ffm = TerminalProvider.load("ffm");
            if (!ffm.isSystemStream(SystemStream.Error)) return java.util.OptionalInt.empty();
            int width = ffm.systemStreamWidth(SystemStream.Error);
            return width > 0 ? java.util.OptionalInt.of(width) : java.util.OptionalInt.empty();
        } catch (java.io.IOException | RuntimeException | LinkageError e) {
            return java.util.OptionalInt.empty();
        }
    }

    /** Whether the JVM is attached to a terminal (JDK 22+ returns a console even when redirected, hence isTerminal). */
    static boolean isTerminal() {
        Console console = System.console();
        if (console == null || "dumb".equals(System.getenv("TERM"))) return false;
        return console.isTerminal();
    }

    public boolean interactive() {
        return interactive;
    }

    @Override
    public void phase(String description) {
        message(description);
    }

    /** A line of its own, ending any live status line first. */
    public void message(String text) {
        endLine();
        err.println("jacreg: " + JacregCli.printable(text));  // paths in it may hold control characters
        err.flush();
    }

    @Override
    public void iteration(String name, TrainingProgress p) {
        NetState state = nets.computeIfAbsent(name, n -> new NetState());
        if (p.iteration() <= 1) {  // a new run of this net
            state.smoothed = 0;
            state.weight = 0;
            state.lastBucket = -1;
        }
        if (!name.equals(net)) {
            if (net == null) lastDraw = Long.MIN_VALUE;
            net = name;
        }
        if (Double.isFinite(p.loss())) {
            double a = 1 / Math.max(5, Math.min(SMOOTHING, p.totalIterations() / 50.0));
            state.smoothed = (1 - a) * state.smoothed + a * p.loss();
            state.weight = (1 - a) * state.weight + a;
        }
        boolean last = p.iteration() >= p.totalIterations();
        if (interactive) {
            long now = clock.getAsLong();
            if (!last && lastDraw != Long.MIN_VALUE && now - lastDraw < REDRAW_NANOS) return;
            lastDraw = now;
            draw(compactLine(name, p));
        } else {
            int bucket = (int) Math.floor(20.0 * p.iteration() / p.totalIterations());  // 5 % steps
            if (bucket == state.lastBucket) return;
            state.lastBucket = bucket;
            err.println(line(name, p));
            err.flush();
        }
    }

    @Override
    public void trainingEnded(String name, TrainingResult result) {
        endLine();
        String pace = result.iterations() == 0 ? ""
                : String.format(Locale.ROOT, " in %s (median %.1f ms per iteration)", duration(result.totalSeconds()),
                result.medianIterationMillis());
        if (result.stoppedEarly()) {
            err.printf(Locale.ROOT, "jacreg: %s: stopped early after %d of %d iterations%s%n", name, result.iterations(),
                    result.plannedIterations(), pace);
        } else {
            err.printf(Locale.ROOT, "jacreg: %s: trained %d iterations%s%n", name, result.iterations(), pace);
        }
        err.flush();
        net = null;
    }

    /** The log line for one iteration. */
    String line(String name, TrainingProgress p) {
        int width = Integer.toString(p.totalIterations()).length();
        int epochWidth = Integer.toString(p.epochs()).length();
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-9s epoch %" + epochWidth + "d/%d  iteration %" + width + "d/%d %5.1f%%",
                name, p.epoch(), p.epochs(), p.iteration(), p.totalIterations(), 100 * p.fractionDone()));
        s.append(String.format(Locale.ROOT, "  loss %.4f", p.loss()));
        NetState state = nets.get(name);
        if (state != null && state.weight > 0) {
            s.append(String.format(Locale.ROOT, " (avg %.4f)", state.smoothed / state.weight));
        }
        s.append("  ").append(duration(p.elapsedNanos() / 1e9)).append(" elapsed");
        if (p.iteration() < p.totalIterations()) s.append(", ETA ").append(duration(p.etaNanos() / 1e9));
        return s.toString();
    }

    /**
     * The live terminal line: the log line's facts and a bar, in the longest form that fits the terminal (a wrapped
     * line cannot be redrawn in place). Narrower terminals get terser labels, then lose the smoothed loss, then
     * the bar.
     */
    String compactLine(String name, TrainingProgress p) {
        int width = Integer.toString(p.totalIterations()).length();
        int epochWidth = Integer.toString(p.epochs()).length();
        String counts = String.format(Locale.ROOT, "%" + epochWidth + "d/%d %s %" + width + "d/%d %5.1f%%", p.epoch(),
                p.epochs(), "%s", p.iteration(), p.totalIterations(), 100 * p.fractionDone());
        String loss = String.format(Locale.ROOT, "loss %.4f", p.loss());
        NetState state = nets.get(name);
        String avg = state != null && state.weight > 0
                ? String.format(Locale.ROOT, " (avg %.4f)", state.smoothed / state.weight) : "";
        String time = duration(p.elapsedNanos() / 1e9)
                + (p.iteration() < p.totalIterations() ? " ETA " + duration(p.etaNanos() / 1e9) : "");
        List<String> forms = List.of(
                line(name, p),
                name + " epoch " + counts.replace("%s", "iteration") + " " + loss + avg + " " + time,
                name + " ep " + counts.replace("%s", "it") + " " + loss + avg + " " + time,
                name + " ep " + counts.replace("%s", "it") + " " + loss + " " + time);
        for (String form : forms) {
            int room = columns - 1 - form.length() - 3;  // " [" + bar + "]"
            if (room >= 10) {
                int bar = Math.min(BAR, room);
                int filled = (int) Math.round(p.fractionDone() * bar);
                return form + " [" + "#".repeat(filled) + ".".repeat(bar - filled) + "]";
            }
        }
        for (String form : forms) if (form.length() < columns) return form;
        String last = forms.get(forms.size() - 1);
        return last.substring(0, columns - 1);
    }

    private void draw(String text) {
        int pad = Math.max(0, lineLength - text.length());
        err.print("\r" + text + " ".repeat(pad));
        err.flush();
        lineLength = text.length();
    }

    private void endLine() {
        if (interactive && lineLength > 0) {
            err.println();
            lineLength = 0;
        }
    }

    /** m:ss, or h:mm:ss from an hour on. */
    static String duration(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        if (s >= 3600) return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
