package dev.jacreg.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The --out folder of one run. It is created before any work, so a bad --out fails in the first second rather
 * than after training; and if the run then fails, the folders this run created are removed again while they
 * are still empty, so a failed command line leaves nothing behind.
 */
final class OutFolder {
    private final Path path;
    private final List<Path> created;  // outermost first

    private OutFolder(Path path, List<Path> created) {
        this.path = path;
        this.created = created;
    }

    /** Creates the folder (and missing parents): a file in the way is a usage error, anything else a runtime one. */
    static OutFolder prepare(Path out) throws IOException {
        Path absolute = out.toAbsolutePath().normalize();
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new UsageException("--out " + out + " is a file, not a folder");
        }
        List<Path> missing = new ArrayList<>();
        for (Path p = absolute; p != null && !Files.exists(p); p = p.getParent()) missing.add(0, p);
        for (Path p = absolute.getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) {
                throw new UsageException("--out " + out + ": " + p + " is a file, not a folder");
            }
        }
        try {
            Files.createDirectories(absolute);
        } catch (FileSystemException e) {
            String reason = e.getReason() != null ? e.getReason()
                    : e instanceof AccessDeniedException ? "permission denied"
                    : e instanceof java.nio.file.NoSuchFileException ? "the file system refuses it (no such file or directory)"
                    : "file system error";
            throw new IOException("cannot create the output folder " + absolute + ": " + reason, e);
        }
        OutFolder folder = new OutFolder(absolute, missing);
        if (!Files.isWritable(absolute)) {
            folder.removeIfEmpty();
            throw new AccessDeniedException(absolute.toString(), null, "folder not writable");
        }
        return folder;
    }

    Path path() {
        return path;
    }

    /** After a failed run: removes the folders this run created, innermost first, as long as they are empty. */
    void removeIfEmpty() {
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
}
