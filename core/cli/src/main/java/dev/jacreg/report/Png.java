package dev.jacreg.report;

import dev.jacreg.io.AtomicFile;
import java.awt.image.RenderedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
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
        // No disk cache: ImageIO's cache file lives in java.io.tmpdir and, when the disk is full, leaves a
        // half-made stream behind whose shutdown hook (StreamCloser) prints a NullPointerException trace.
        ImageIO.setUseCache(false);
        AtomicFile.write(path, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer available for image of type " + image.getClass().getName());
            }
        });
    }
}
