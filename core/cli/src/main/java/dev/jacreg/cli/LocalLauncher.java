package dev.jacreg.cli;

import dev.jacreg.distributed.MasterPorts;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code --nproc N}: starts this same command N times as the ranks of a loopback data-parallel run (same java binary,
 * JVM options and classpath; the arguments minus --nproc plus --world-size/--rank/--master on a free port), and waits
 * for all. Rank 0 talks to this terminal; the others' output goes to a log file in a temporary folder, whose last lines
 * are shown when that rank fails. When one rank fails the others are stopped at once rather than left to time out.
 * The folder is deleted however the launch ends (success, a failed rank, a failed start, a signal): the arguments
 * were checked before ({@link OptionRules}), so a rank's failure is a runtime one and its tail says what it was.
 *
 * <p>The port is picked before rank 0 can bind it ({@link MasterPorts}); should another program take it in between,
 * rank 0 fails ("address already in use") and the ranks are started again on a new port, up to
 * {@value #PORT_ATTEMPTS} launches in all.
 */
final class LocalLauncher {
    /** How long stopped ranks get to end on their own before they are killed. */
    private static final long STOP_GRACE_SECONDS = 10;

    /** Launches in a row whose rank 0 may find its port taken before the launch fails. */
    static final int PORT_ATTEMPTS = 5;
    /** The ranks' master address: loopback keeps the whole run on this machine. */
    private static final String HOST = "127.0.0.1";

    /** Where rank 0 is to listen: a new port each time it is asked. */
    interface PortSource {
        int next() throws IOException;
    }

    private final int nproc;
    private final List<String> args;
    private final PrintStream err;
    private final PortSource ports;

    LocalLauncher(int nproc, List<String> args, PrintStream err) {
        this(nproc, args, err, MasterPorts::pick);
    }

    /** With the ports given, e.g. one that another program holds first (tests). */
    LocalLauncher(int nproc, List<String> args, PrintStream err, PortSource ports) {
        this.nproc = nproc;
        this.args = args;
        this.err = err;
        this.ports = ports;
    }

    int run(BooleanSupplier stop) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command()
                .orElseThrow(() -> new IllegalStateException("cannot tell which java binary runs this process"));
        List<String> base = new ArrayList<>();
        base.add(java);
        base.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        base.add("-cp");
        base.add(System.getProperty("java.class.path"));
        base.add(JacregCli.class.getName());
        List<String> own = withoutNproc(args);
        base.addAll(own);
        // N ranks share this machine's cores: one intra-op thread each unless the user chose.
        if (!own.contains("--threads") && own.stream().noneMatch(a -> a.startsWith("--threads="))) {
            base.add("--threads");
            base.add(Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors() / nproc)));
        }
        Path logs = Files.createTempDirectory("jacreg-ranks-");
        List<Process> ranks = new CopyOnWriteArrayList<>();
        Runnable stopRanks = () -> {
            stop(ranks);
            deleteLogs(logs);
        };
        try (StopSignal.Registration quit = StopSignal.whileChildrenRun(stop, stopRanks)) {
            for (int attempt = 1; ; attempt++) {
                int port = ports.next();
                err.printf("starting %d ranks on %s:%d%n", nproc, HOST, port);
                ranks.clear();
                for (int r = 0; r < nproc; r++) ranks.add(startRank(base, r, port, logs));
                Failure failure = waitForAll(ranks, stop);
                if (failure == null) return JacregCli.OK;
                if (failure.rank() == 0 && failure.code() == JacregCli.RUNTIME_ERROR && attempt < PORT_ATTEMPTS
                        && !stop.getAsBoolean() && portTakenByAnother(ranks, port)) {
                    err.printf("port %d was taken by another program before rank 0 could listen there; starting the "
                            + "ranks again on another port (attempt %d of %d)%n", port, attempt + 1, PORT_ATTEMPTS);
                    continue;
                }
                err.printf("rank %d of %d failed (exit %d); stopping the other ranks%n", failure.rank(), nproc,
                        failure.code());
                if (failure.rank() > 0) showTail(logs.resolve("rank-" + failure.rank() + ".log"));
                return failure.code();
            }
        } finally {
            stopRanks.run();
        }
    }

    /** Rank r of this launch, listening (rank 0) or connecting (the others) at HOST:port. */
    private Process startRank(List<String> base, int r, int port, Path logs) throws IOException {
        List<String> command = new ArrayList<>(base);
        command.addAll(List.of("--world-size", Integer.toString(nproc), "--rank", Integer.toString(r),
                "--master", HOST + ":" + port));
        ProcessBuilder builder = new ProcessBuilder(command);
        if (r == 0) {
            builder.inheritIO();
        } else {
            builder.redirectErrorStream(true).redirectOutput(logs.resolve("rank-" + r + ".log").toFile());
        }
        return builder.start();
    }

    /**
     * Whether rank 0 failed because another program took its port after it was picked: once every rank has stopped
     * (rank 0's listening socket, if it had one, is closed then), the port still cannot be bound. Rank 0 has said why
     * it failed on the terminal already ("address already in use"); the launch goes on.
     */
    private static boolean portTakenByAnother(List<Process> ranks, int port) {
        stop(ranks);
        return MasterPorts.inUse(port);
    }

    /** The first rank that failed and its exit code. */
    private record Failure(int rank, int code) {}

    /**
     * The first failing rank (the caller stops the rest), or null once all succeeded. After a Ctrl-C every rank stops
     * early by itself and exits 130: that is no failure, and rank 0 must be left to write what was trained.
     */
    private static Failure waitForAll(List<Process> ranks, BooleanSupplier stop) throws InterruptedException {
        boolean[] done = new boolean[ranks.size()];
        int remaining = ranks.size();
        while (remaining > 0) {
            for (int r = 0; r < ranks.size(); r++) {
                if (done[r] || !ranks.get(r).waitFor(100, TimeUnit.MILLISECONDS)) continue;
                done[r] = true;
                remaining--;
                int code = ranks.get(r).exitValue();
                if (code != 0 && !(code == JacregCli.STOPPED && stop.getAsBoolean())) return new Failure(r, code);
            }
        }
        return null;
    }

    private void showTail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        err.println("its last lines:");
        for (String line : lines.subList(Math.max(0, lines.size() - 15), lines.size())) err.println("  " + line);
    }

    /**
     * Asks the ranks still running to end (SIGTERM: each removes the empty --out folder it made) and, after a grace
     * period, kills those that have not.
     */
    private static void stop(List<Process> ranks) {
        for (Process p : ranks) p.destroy();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STOP_GRACE_SECONDS);
        for (Process p : ranks) {
            try {
                p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Process p : ranks) p.destroyForcibly();
    }

    /** Best effort: a log still held open by a dying rank is deleted all the same (POSIX). */
    private static void deleteLogs(Path logs) {
        try {
            try (var files = Files.list(logs)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(logs);
        } catch (IOException e) {
            // nothing more to do: the temporary folder is the system's to clear
        }
    }

    /** The arguments without --nproc N / --nproc=N. */
    static List<String> withoutNproc(List<String> args) {
        return without(args, "--nproc", true);
    }

    /**
     * The arguments with --out replaced by {@code folder} (the launcher's, already made and checked) and --overwrite,
     * so that rank 0 writes into it rather than making a folder of its own.
     */
    static List<String> withOut(List<String> args, Path folder) {
        List<String> out = without(without(args, "--out", true), "--overwrite", false);
        out.addAll(List.of("--out", folder.toString(), "--overwrite"));
        return out;
    }

    /** The arguments without {@code option} (and its value, when it takes one), in either spelling. */
    private static List<String> without(List<String> args, String option, boolean takesValue) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals(option)) {
                if (takesValue) i++;
            } else if (!a.startsWith(option + "=")) {
                out.add(a);
            }
        }
        return out;
    }

}
