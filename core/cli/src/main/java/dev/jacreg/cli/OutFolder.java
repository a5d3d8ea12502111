package dev.jacreg.cli;

import dev.jacreg.experiment.ExperimentConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The output folder of one run. No run writes over an earlier one: without --out each run gets a new folder of its
 * own under {@value ExperimentConfig#RUNS_FOLDER}/ ({@code COMMAND-UTC-TIMESTAMP}, never reused, with
 * {@value LatestRun#LINK} pointing at the newest that succeeded), and an --out that already holds files is refused
 * unless --overwrite. The folder is made before any work, so a bad --out fails in the first second rather than after
 * training; and if the run then fails, the folders this run created are removed again while they are still empty, so
 * a failed command line leaves nothing behind.
 */
final class OutFolder {
    /** Help of --out, shared by every command. */
    static final String OUT_HELP = "Output folder: a new or empty one, created if needed; one that already holds files "
            + "is refused unless --overwrite (default: a new folder " + ExperimentConfig.RUNS_FOLDER + "/COMMAND-UTC-TIME/ "
            + "for each run, e.g. " + ExperimentConfig.RUNS_FOLDER + "/train-2026-12-07T15-58-18/, never reused; "
            + ExperimentConfig.RUNS_FOLDER + "/" + LatestRun.LINK
            + " points at the newest that succeeded).";

    /** Help of --overwrite, shared by every command. */
    static final String OVERWRITE_HELP = "Write into an --out folder that already holds files, replacing the files this "
            + "run writes; files of the earlier run that this run does not write remain there (and no longer match).";

    /** UTC to the second, with no ':' so that the name is valid on every file system. */
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH-mm-ss")
            .withZone(ZoneOffset.UTC);

    private final Path path;
    private final List<Path> created;  // outermost first
    private final boolean newRun;      // made under the runs folder, so results/latest points here once it succeeds

    private OutFolder(Path path, List<Path> created, boolean newRun) {
        this.path = path;
        this.created = created;
        this.newRun = newRun;
    }

    /**
     * The folder of a run of {@code command}: {@code out} when given (refused when it holds files, unless
     * {@code overwrite}), else a new one under {@code runs} ({@value ExperimentConfig#RUNS_FOLDER}/). A file in the
     * way or a non-empty --out is a usage error, anything else a runtime one.
     */
    static OutFolder prepare(Path out, boolean overwrite, Path runs, String command) throws IOException {
        return out == null ? newRun(runs, command, Instant.now()) : given(out, overwrite);
    }

    /** An explicit --out: made if missing, refused if it already holds files and overwriting was not asked for. */
    private static OutFolder given(Path out, boolean overwrite) throws IOException {
        if (out.toString().isBlank()) {
            throw new UsageException("--out '" + out + "' names no folder; give one, or drop --out for a new folder "
                    + "under " + ExperimentConfig.RUNS_FOLDER + "/");
        }
        Path absolute = out.toAbsolutePath().normalize();
        List<Path> missing = createFolders(absolute, "--out " + out);
        if (missing.isEmpty() && !overwrite) {
            List<String> held = firstEntries(absolute);
            if (!held.isEmpty()) {
                throw new UsageException("--out " + out + " already holds files (" + String.join(", ", held)
                        + "); give --overwrite to write into it anyway, or a new folder");
            }
        }
        return checkedWritable(new OutFolder(absolute, missing, false));
    }

    /**
     * A new folder {@code COMMAND-STAMP} under {@code runs} (made if missing), with -2, -3, ... appended while the name
     * is taken: the folder is created atomically, so two runs started in the same second, even by two processes, never
     * share one.
     */
    static OutFolder newRun(Path runs, String command, Instant now) throws IOException {
        Path root = runs.toAbsolutePath().normalize();
        List<Path> missing = createFolders(root, runs + " (where runs without --out go)");
        String base = command + "-" + STAMP.format(now);
        Path run;
        for (int n = 1; ; n++) {
            run = root.resolve(n == 1 ? base : base + "-" + n);
            try {
                Files.createDirectory(run);
                break;
            } catch (FileAlreadyExistsException taken) {
                // an earlier run of this second (or anything else of that name): never reused, try the next
            } catch (FileSystemException e) {
                throw cannotCreate(run, e);
            }
        }
        missing.add(run);
        return checkedWritable(new OutFolder(run, missing, true));
    }

    Path path() {
        return path;
    }

    /** Tells where this run's files go, before the run starts. */
    void announce(PrintStream err, String command) {
        err.println("jacreg " + command + ": writing to " + path);
        err.flush();
    }

    /**
     * Runs the command's work, which writes into this folder. When it succeeds (exit 0, also after Ctrl-C stopped
     * training early and the partial results were written), a new run's folder becomes {@value LatestRun#LINK}: only
     * then, so that inputs read through results/latest (e.g. evaluate's --model) still name the earlier run while this
     * one works, and the link never names a failed run. When it fails, the folders this run created are removed while
     * they are empty.
     */
    int run(Callable<Integer> work, PrintStream err, BooleanSupplier stop) throws Exception {
        int code;
        // A quit at once (SIGTERM, a second Ctrl-C) ends the process without unwinding: the folder is removed then too.
        try (StopSignal.Registration quit = StopSignal.onQuit(stop, this::removeIfEmpty)) {
            code = work.call();
        } catch (Exception | Error e) {
            removeIfEmpty();
            throw e;
        }
        if (code != JacregCli.OK) removeIfEmpty();
        else if (newRun) LatestRun.point(path.getParent(), path.getFileName().toString(), err);
        return code;
    }

    /** Removes the folders this run created, innermost first, as long as they are empty. */
    private void removeIfEmpty() {
        for (int i = created.size() - 1; i >= 0; i--) {
            Path dir = created.get(i);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                if (entries.iterator().hasNext()) return;
            } catch (IOException e) {
                return;
            }
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                return;  // best effort: the run's own failure is what gets reported
            }
        }
    }

    /** Makes {@code absolute} and its missing parents; returns those it made, outermost first. */
    private static List<Path> createFolders(Path absolute, String what) throws IOException {
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new UsageException(what + " is a file, not a folder");
        }
        List<Path> missing = new ArrayList<>();
        for (Path p = absolute; p != null && !Files.exists(p); p = p.getParent()) missing.add(0, p);
        for (Path p = absolute.getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) {
                throw new UsageException(what + ": " + p + " is a file, not a folder");
            }
        }
        try {
            Files.createDirectories(absolute);
        } catch (FileSystemException e) {
            throw cannotCreate(absolute, e);
        }
        return missing;
    }

    private static IOException cannotCreate(Path folder, FileSystemException e) {
        String reason = e.getReason() != null ? e.getReason()
                : e instanceof AccessDeniedException ? "permission denied"
                : e instanceof java.nio.file.NoSuchFileException ? "the file system refuses it (no such file or directory)"
                : "file system error";
        return new IOException("cannot create the output folder " + folder + ": " + reason, e);
    }

    private static OutFolder checkedWritable(OutFolder folder) throws AccessDeniedException {
        if (!Files.isWritable(folder.path)) {
            folder.removeIfEmpty();
            throw new AccessDeniedException(folder.path.toString(), null, "folder not writable");
        }
        return folder;
    }

    /** Up to three names in the folder, sorted, and "..." when there are more: enough to recognise an earlier run. */
    private static List<String> firstEntries(Path folder) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> entries = Files.list(folder)) {
            entries.forEach(p -> names.add(p.getFileName().toString()));
        }
        List<String> shown = new ArrayList<>(names.stream().limit(3).toList());
        if (names.size() > 3) shown.add("... " + names.size() + " in all");
        return shown;
    }
}
