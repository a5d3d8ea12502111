package dev.jacreg.cli;

import dev.jacreg.io.AtomicFile;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * {@code results/latest}: a relative symbolic link to the newest run's folder, so that {@code results/latest/report.md}
 * is always the last report. Where the file system makes no symbolic links, the text file {@code results/LATEST}
 * holds the folder's name instead. Either is replaced atomically; a problem with it is a warning, never a failed run.
 */
final class LatestRun {
    static final String LINK = "latest";
    static final String FILE = "LATEST";

    private final Path root;
    private final String name;
    private final String previous;  // what it named before this run, or null
    private final boolean linked;
    private final PrintStream err;

    private LatestRun(Path root, String name, String previous, boolean linked, PrintStream err) {
        this.root = root;
        this.name = name;
        this.previous = previous;
        this.linked = linked;
        this.err = err;
    }

    /** Points the link (else the file) in {@code root} at the folder {@code name}; null when neither could be written. */
    static LatestRun point(Path root, String name, PrintStream err) {
        Path link = root.resolve(LINK);
        // Something of the user's by that name is left alone.
        if (Files.isSymbolicLink(link) || !Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            String before = Files.isSymbolicLink(link) ? target(link) : null;
            try {
                replaceLink(link, name);
                return new LatestRun(root, name, before, true, err);
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                // no symbolic links here: the text file below
            }
        }
        Path file = root.resolve(FILE);
        try {
            String before = Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8).strip() : null;
            AtomicFile.writeString(file, name + "\n");
            return new LatestRun(root, name, before, false, err);
        } catch (IOException | RuntimeException e) {
            err.println("jacreg: warning: could not point " + link + " at " + name + ": " + JacregCli.describe(e));
            return null;
        }
    }

    /** After this run's folder was removed: points back where it pointed before, unless a newer run moved it since. */
    void undo() {
        try {
            if (linked) {
                Path link = root.resolve(LINK);
                if (!Files.isSymbolicLink(link) || !name.equals(target(link))) return;
                if (previous == null) Files.deleteIfExists(link);
                else replaceLink(link, previous);
            } else {
                Path file = root.resolve(FILE);
                if (!Files.isRegularFile(file) || !name.equals(Files.readString(file, StandardCharsets.UTF_8).strip())) return;
                if (previous == null) Files.deleteIfExists(file);
                else AtomicFile.writeString(file, previous + "\n");
            }
        } catch (IOException | RuntimeException e) {
            err.println("jacreg: warning: could not reset " + root.resolve(linked ? LINK : FILE) + ": " + JacregCli.describe(e));
        }
    }

    /** A new link under a unique name, renamed over the old one: readers see the old target or the new, never none. */
    private static void replaceLink(Path link, String target) throws IOException {
        Path temp = link.resolveSibling("." + LINK + "-" + UUID.randomUUID() + ".tmp");
        Files.createSymbolicLink(temp, Path.of(target));
        try {
            Files.move(temp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, link, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static String target(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return null;
        }
    }
}
