package dev.jacreg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jacreg.experiment.DataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fashion-MNIST from Debian's dataset-fashion-mnist: reading, limits, and the error when it is not installed. */
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

    @Test
    void theWholePackageLoadsWithEveryLabelInRange() throws IOException {
        assumeTrue(Files.isRegularFile(FashionMnist.DEFAULT_DIR.resolve("t10k-labels-idx1-ubyte.gz")),
                "dataset-fashion-mnist is not installed");
        DigitDataset[] sets = parse("fashion-mnist").load(0);
        assertEquals(60_000, sets[0].count());
        assertEquals(10_000, sets[1].count());
        for (DigitDataset set : sets) {
            assertEquals(28 * 28 * set.count(), set.pixels().length);
            int[] perClass = new int[10];
            for (int label : set.labels()) perClass[label]++;  // out of 0..9 would throw
            // Zalando's sets are balanced: 6,000 and 1,000 images of each class.
            for (int count : perClass) assertEquals(set.count() / 10, count);
        }
        // fashion-mnist:N,M is the first N and M of those.
        DigitDataset[] first = parse("fashion-mnist:300,20").load(0);
        assertArrayEquals(java.util.Arrays.copyOf(sets[0].labels(), 300), first[0].labels());
        assertArrayEquals(java.util.Arrays.copyOf(sets[1].pixels(), 20 * 28 * 28), first[1].pixels());
    }

    @Test
    void dataSourceParsesCountsAndTheWholeSet() {
        assertEquals("Fashion-MNIST (all 60000 train + 10000 test, /usr/share/datasets/fashion-mnist)",
                parse("fashion-mnist").describe());
        assertEquals("fashion-mnist", parse("fashion-mnist").argument());
        assertEquals("fashion-mnist", parse("fashion-mnist:60000,10000").argument(), "the whole set, however written");
        assertEquals("Fashion-MNIST (first 300 train + 20 test, /usr/share/datasets/fashion-mnist)",
                parse("fashion-mnist:300,20").describe());
        assertEquals("fashion-mnist:300,20", parse("fashion-mnist:300,20").argument());
        assertEquals("fashion-mnist:5000,5000", parse("fashion-mnist:5000,5000").argument());
        assertThrows(IllegalArgumentException.class, () -> parse("fashion-mnist:300"));
        assertThrows(IllegalArgumentException.class, () -> parse("fashion-mnist:a,b"));
        for (String tooMany : new String[]{"fashion-mnist:60001,10", "fashion-mnist:10,10001", "fashion-mnist:0,10"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(tooMany));
            assertTrue(e.getMessage().contains("'" + tooMany + "'") && e.getMessage().contains("1..60000"), e.getMessage());
        }
    }

    private static DataSource parse(String text) {
        return DataSource.parse(text, Path.of("/tmp"));
    }
}
