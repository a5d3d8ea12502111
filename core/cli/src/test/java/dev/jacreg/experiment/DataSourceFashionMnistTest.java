package dev.jacreg.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jacreg.data.DigitDataset;
import dev.jacreg.data.FashionMnist;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code --data fashion-mnist[:N,M]}: the whole of Debian's dataset-fashion-mnist, its first N and M images, and
 * counts out of range (FashionMnistTest in core tests the reader itself).
 */
class DataSourceFashionMnistTest {
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
