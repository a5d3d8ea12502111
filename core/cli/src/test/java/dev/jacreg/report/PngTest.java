package dev.jacreg.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Issue 8.5: PNG output needs no ImageIO cache file, which a full disk made fail. */
class PngTest {
    @TempDir
    Path dir;

    @Test
    void pngOutputUsesNoDiskCache() throws IOException {
        ImageIO.setUseCache(true);  // ImageIO's default
        Png.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), dir.resolve("x.png"));
        assertFalse(ImageIO.getUseCache(), "a cache file in java.io.tmpdir is what failed on a full disk");
        assertNotNull(ImageIO.read(dir.resolve("x.png").toFile()));
    }
}
