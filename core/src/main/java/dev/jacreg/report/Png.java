package dev.jacreg.report;

import java.awt.image.RenderedImage;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import javax.imageio.ImageIO;

/** Atomic PNG output: images are written to a temporary file next to the target, then moved over it. */
public final class Png {
    private Png() {
    }

    /**
     * Writes {@code image} as a PNG file. The bytes go to a temporary file in the same directory, which is then moved
     * over {@code path} with {@code ATOMIC_MOVE, REPLACE_EXISTING}; on failure the temporary file is deleted and an
     * existing file at {@code path} is left as it was.
     */
    public static void write(RenderedImage image, Path path) throws IOException {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(path, "path");
        Path target = path.toAbsolutePath();
        Path dir = target.getParent();
        String base = target.getFileName().toString();
        Path tmp = null;
        OutputStream raw = null;
        for (int attempt = 0; raw == null; attempt++) {
            tmp = dir.resolve("." + base + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                raw = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
        boolean moved = false;
        try {
            try (OutputStream out = new BufferedOutputStream(raw)) {
                if (!ImageIO.write(image, "png", out)) {
                    throw new IOException("no PNG writer available for image of type " + image.getClass().getName());
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort; the original failure is what matters
                }
            }
        }
    }
}
