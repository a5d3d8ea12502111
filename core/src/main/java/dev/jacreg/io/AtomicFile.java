package dev.jacreg.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The one way jacreg writes files: into a temporary file in the target's folder, forced to disk, then
 * moved over the target (atomically where the file system can). A failure at any point deletes the
 * temporary file and leaves an existing target as it was, so nothing already written is lost.
 */
public final class AtomicFile {
    private AtomicFile() {}

    /** Produces the file's bytes. */
    @FunctionalInterface
    public interface Content {
        /**
         * Writes the whole content.
         *
         * @param out the temporary file's stream; do not close it
         * @throws IOException when writing fails (the target is then left as it was)
         */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code target} through a temporary file beside it, as the class says; stale temporaries of earlier crashed
     * writes to the same target are removed first.
     *
     * @param target the file to create or replace
     * @param content produces the bytes
     * @throws IOException when any step fails; the temporary file is deleted and an existing target left as it was
     */
    public static void write(Path target, Content content) throws IOException {
        Path absolute = target.toAbsolutePath();
        removeStaleTemporaries(absolute);
        // Same folder as the target, so the final rename stays on one file system.
        Path temp = absolute.resolveSibling(tempPrefix(absolute) + UUID.randomUUID() + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                 FileLock lock = channel.lock()) {  // tells other writers' clean-up that this temporary is alive
                content.writeTo(out);
                out.flush();
                channel.force(true);  // on disk before the rename: a crash cannot leave a complete-looking empty file
                try {  // renamed while still open and locked (fine on POSIX), so it is never unlocked before the move
                    Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
                }
                moved = true;
            }
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // best effort; the original failure is what matters
                }
            }
        }
    }

    private static final Pattern UUID_TMP = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.tmp");

    /**
     * Deletes the hidden temporaries a killed writer of the same target left behind ({@code .NAME.UUID.tmp}). A
     * temporary still being written is locked by its writer; only those this process can lock are removed.
     */
    static void removeStaleTemporaries(Path absoluteTarget) {
        Path dir = absoluteTarget.getParent();
        String prefix = tempPrefix(absoluteTarget);
        if (dir == null || !Files.isDirectory(dir)) return;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, path -> {
            String name = path.getFileName().toString();
            return name.startsWith(prefix) && UUID_TMP.matcher(name.substring(prefix.length())).matches();
        })) {
            for (Path stale : entries) {
                try (FileChannel channel = FileChannel.open(stale, StandardOpenOption.WRITE);
                     FileLock lock = channel.tryLock()) {
                    if (lock != null) Files.deleteIfExists(stale);
                } catch (IOException | OverlappingFileLockException e) {
                    // in use (by this process or another) or gone: leave it
                }
            }
        } catch (IOException e) {
            // best effort: the write itself is what matters
        }
    }

    private static String tempPrefix(Path target) {
        return "." + target.getFileName() + ".";
    }

    /**
     * Writes {@code text} as UTF-8 to {@code target}, atomically ({@link #write}).
     *
     * @param target the file to create or replace
     * @param text the whole content
     * @throws IOException when any step fails; an existing target is left as it was
     */
    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
