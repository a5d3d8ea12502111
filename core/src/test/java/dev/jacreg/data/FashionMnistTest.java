package dev.jacreg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fashion-MNIST from Debian's dataset-fashion-mnist: reading, limits, and the error when it is not installed. The
 * whole package, read through the CLI's {@code --data fashion-mnist}, is DataSourceFashionMnistTest's (core/cli).
 */
class FashionMnistTest {
    @TempDir
    Path dir;

    @Test
    void readsTheFirstImagesOfTheInstalledPackage() throws IOException {
        assumeTrue(Files.isRegularFile(FashionMnist.DEFAULT_DIR.resolve("t10k-labels-idx1-ubyte.gz")),
                "dataset-fashion-mnist is not installed");
        DigitDataset[] sets = FashionMnist.load(FashionMnist.DEFAULT_DIR, 20, 10);
        assertEquals(20, sets[0].count());
        assertEquals(10, sets[1].count());
        assertEquals(28, sets[0].height());
        assertEquals(28, sets[0].width());
        // Zalando's published first labels: train 9 (ankle boot), 0, 0, 3, 0; test 9, 2, 1, 1, 6.
        assertArrayEquals(new int[]{9, 0, 0, 3, 0}, java.util.Arrays.copyOf(sets[0].labels(), 5));
        assertArrayEquals(new int[]{9, 2, 1, 1, 6}, java.util.Arrays.copyOf(sets[1].labels(), 5));
        float min = 1, max = 0;
        for (float p : sets[0].pixels()) {
            min = Math.min(min, p);
            max = Math.max(max, p);
        }
        assertEquals(0f, min);
        assertEquals(1f, max);  // byte 255 somewhere in 20 clothes
        assertThrows(IllegalArgumentException.class, () -> FashionMnist.load(FashionMnist.DEFAULT_DIR, 10, 10_001));
    }

    @Test
    void missingFilesNameThePackage() throws IOException {
        Path fake = dir.resolve("fashion-mnist");
        Files.createDirectories(fake);
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> FashionMnist.load(fake, 10, 10));
        assertTrue(e.getFile().endsWith("train-images-idx3-ubyte.gz"), e.getFile());
        assertTrue(e.getReason().contains(FashionMnist.PACKAGE), e.getReason());
        assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
    }

    @Test
    void badCountsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> FashionMnist.load(dir, 0, 10));
    }
}
