package dev.jacreg.cli;

import dev.jacreg.distributed.DistributedDataParallel;
import dev.jacreg.distributed.MasterAddress;
import dev.jacreg.distributed.ProcessGroup;
import dev.jacreg.train.DataParallel;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The data-parallel options of {@code train} and {@code experiment}: this process as one rank of a run (--world-size,
 * --rank, --master), or --nproc N to start N local ranks on loopback and wait for them ({@link LocalLauncher}).
 */
final class DistributedOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--nproc", paramLabel = "N",
            description = "Train data-parallel with N local processes on loopback (this command started N times as ranks "
                    + "0..N-1 with --world-size/--rank/--master, one intra-op thread each unless --threads); waits for all. "
                    + "--batch-size must be a multiple of N; N is at most " + OptionRules.OVERSUBSCRIPTION + " per "
                    + "available processor, with a warning above one. The ranks' logs go to a temporary folder that "
                    + "is deleted when the launch ends (a failing rank's last lines are shown first).")
    Integer nproc;

    @Option(names = "--world-size", paramLabel = "N",
            description = "Data-parallel: the number of ranks (processes, on any machines); --batch-size must be a "
                    + "multiple of it. Needs --rank and --master.")
    Integer worldSize;

    @Option(names = "--rank", paramLabel = "R", description = "Data-parallel: this process's rank, 0..N-1; rank 0 writes the outputs.")
    Integer rank;

    @Option(names = "--master", paramLabel = "HOST:PORT",
            description = "Data-parallel: where rank 0 listens for the others (a free port on rank 0's machine).")
    String master;

    @Option(names = "--dist-timeout", paramLabel = "SECONDS",
            description = "Data-parallel: how long joining and each gradient exchange may wait for the other ranks before "
                    + "the run fails, at most a day; only with --nproc or --world-size (default: ${DEFAULT-VALUE}).",
            defaultValue = "300")
    double timeoutSeconds;

    @Option(names = "--sync-batch-norm",
            description = "Data-parallel: batch norm with the statistics of all ranks' batches together (as PyTorch's "
                    + "SyncBatchNorm, its backward and the penalty's double backward too), so that N ranks compute the "
                    + "steps of one process with the whole batch; one small all-reduce per batch-norm layer and pass. "
                    + "Only with --nproc or --world-size.")
    boolean syncBatchNorm;

    @Option(names = "--master-wait", paramLabel = "SECONDS",
            description = "Data-parallel, ranks other than 0: how long to keep retrying while nothing accepts connections at "
                    + "--master (rank 0 not started yet) before failing (default: ${DEFAULT-VALUE}).", defaultValue = "30")
    double masterWaitSeconds;

    /** --nproc given: this process only starts and waits for the ranks. */
    boolean launches() {
        return nproc != null;
    }

    /** This process is one rank of a data-parallel run. */
    boolean isRank() {
        return worldSize != null;
    }

    /** Checks the combination before any work (the values themselves: {@link OptionRules}). */
    void validate() {
        if (syncBatchNorm && nproc == null && worldSize == null) {
            throw new UsageException("--sync-batch-norm needs --nproc or --world-size (it synchronizes the ranks' batch norm)");
        }
        if (nproc != null) {
            if (worldSize != null || rank != null || master != null) {
                throw new UsageException("--nproc starts the ranks itself: give it without --world-size, --rank or --master");
            }
            return;
        }
        if (worldSize == null && rank == null && master == null) return;
        if (worldSize == null || rank == null || master == null) {
            throw new UsageException("--world-size, --rank and --master go together (got "
                    + (worldSize == null ? "" : "--world-size ") + (rank == null ? "" : "--rank ") + (master == null ? "" : "--master")
                    + ")");
        }
        if (rank < 0 || rank >= worldSize) throw new UsageException("--rank must be in 0.." + (worldSize - 1) + ", got " + rank);
        host();
        port();
        masterAddress();  // an unknown host fails now, before any work
    }

    /** Rank 0, or not data-parallel at all: the process that writes outputs. */
    boolean writesOutputs() {
        return rank == null || rank == 0;
    }

    /** Joins the run (blocks until every rank has joined), or null when this process is not a rank. */
    ProcessGroup join(PrintStream err) throws ConnectException {
        if (!isRank()) return null;
        String self = "rank " + rank + " of " + worldSize;
        err.println(self + ": joining at " + master);
        if (rank > 0) {
            // Refused connections are retried for --master-wait only, not the whole --dist-timeout.
            try {
                MasterAddress.awaitListening(masterAddress(), Duration.ofMillis(Math.round(masterWaitSeconds * 1000)),
                        line -> err.println(self + ": " + line));
            } catch (ConnectException e) {
                throw new ConnectException("--master " + master + ": " + e.getMessage()
                        + "; is rank 0 running there? (--master-wait sets how long to wait)");
            }
        }
        return ProcessGroup.join(host(), port(), worldSize, rank, Duration.ofMillis(Math.round(timeoutSeconds * 1000)));
    }

    /** The trainer's hook for the group, or null for a single process. */
    DataParallel dataParallel(ProcessGroup group) {
        return group == null ? null : new DistributedDataParallel(group).withSyncBatchNorm(syncBatchNorm);
    }

    /**
     * Starts the ranks, writing into {@code out} (this process's folder: rank 0 gets it as --out ... --overwrite), and
     * waits for them; the exit code of the run.
     */
    int launch(PrintStream err, OutFolder out, BooleanSupplier stop) throws Exception {
        List<String> args = LocalLauncher.withOut(spec.commandLine().getParseResult().originalArgs(), out.path());
        return out.run(() -> new LocalLauncher(nproc, args, err).run(stop), err, stop);
    }

    private InetSocketAddress masterAddress() {
        try {
            return MasterAddress.resolve(host(), port());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--master " + master + ": " + e.getMessage());
        }
    }

    private String host() {
        int colon = master.lastIndexOf(':');
        if (colon <= 0) throw new UsageException("--master must be HOST:PORT, got '" + master + "'");
        String host = master.substring(0, colon);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private int port() {
        String text = master.substring(master.lastIndexOf(':') + 1);
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) return port;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--master's port must be a number in 1..65535, got '" + text + "'");
    }
}
