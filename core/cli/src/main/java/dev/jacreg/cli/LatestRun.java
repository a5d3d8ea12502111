package dev.jacreg.cli;

import dev.jacreg.io.AtomicFile;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * {@code results/latest}: a relative symbolic link to the newest successful run's folder, so that
 * {@code results/latest/report.md} is always the last report. Where the file system makes no symbolic links, the
 * text file {@code results/LATEST} holds the folder's name instead. Either is replaced atomically; a problem with it
 * is a warning, never a failed run.
 */
final class LatestRun {
    static final String LINK = "latest";
    static final String FILE = "LATEST";

    private LatestRun() {}

    /** Points the link (else the file) in {@code runs} at its folder {@code name}. */
    static void point(Path runs, String name, PrintStream err) {
        Path link = runs.resolve(LINK);
        // Something of the user's by that name (not a link) is left alone.
        if (Files.isSymbolicLink(link) || !Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            try {
                replaceLink(link, name);
                return;
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                // no symbolic links here: the text file below
            }
        }
        try {
            AtomicFile.writeString(runs.resolve(FILE), name + "\n");
        } catch (IOException | RuntimeException e) {
            err.println("jacreg: warning: could not point " + link + " at " + name + ": " + JacregCli.describe(e));
            err.flush();
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
}
