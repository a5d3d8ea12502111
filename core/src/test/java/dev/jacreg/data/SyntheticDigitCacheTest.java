package dev.jacreg.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticDigitCacheTest {

    private static final int TRAIN = 60;
    private static final int TEST = 30;
    private static final long SEED = 11;

    @TempDir
    Path cacheDir;

    private final DigitDataset[] expected = SyntheticDigits.trainAndTest(TRAIN, TEST, SEED);

    @Test
    void firstCallGeneratesAndStoresSecondCallLoadsFromDisk() throws IOException {
        DigitDataset[] first = SyntheticDigitCache.loadOrGenerate(cacheDir, TRAIN, TEST, SEED);
        assertEquals(expected[0], first[0]);
        assertEquals(expected[1], first[1]);

        Path folder = cacheDir.resolve("synthetic-60-30-seed11");
        assertEquals(folder, SyntheticDigitCache.directoryFor(cacheDir, TRAIN, TEST, SEED));
        for (String name : List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "train-angles-idx1-float.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
                "t10k-angles-idx1-float.gz")) {
            assertTrue(Files.isRegularFile(folder.resolve(name)), name);
        }
        assertEquals(List.of(folder), listing(cacheDir), "temporary folders left behind");
        // What is on disk is exactly what was returned, so a plain IDX reader sees the same data.
        assertEquals(expected[0], Idx.readDirectory(folder, "train"));

        Map<String, Object> filesBefore = fileIdentities(folder);
        DigitDataset[] second = SyntheticDigitCache.loadOrGenerate(cacheDir, TRAIN, TEST, SEED);
        assertEquals(expected[0], second[0]);
        assertEquals(expected[1], second[1]);
        assertEquals(filesBefore, fileIdentities(folder), "the second call must read, not rewrite, the cache");
    }

    @Test
    void truncatedCacheFileIsRegenerated() throws IOException {
        SyntheticDigitCache.loadOrGenerate(cacheDir, TRAIN, TEST, SEED);
        Path images = SyntheticDigitCache.directoryFor(cacheDir, TRAIN, TEST, SEED).resolve("train-images-idx3-ubyte.gz");
        try (RandomAccessFile file = new RandomAccessFile(images.toFile(), "rw")) {
            file.setLength(file.length() / 2);
        }
        assertRegenerated();
    }

    @Test
    void garbageCacheFileIsRegenerated() throws IOException {
        SyntheticDigitCache.loadOrGenerate(cacheDir, TRAIN, TEST, SEED);
        Path labels = SyntheticDigitCache.directoryFor(cacheDir, TRAIN, TEST, SEED).resolve("t10k-labels-idx1-ubyte.gz");
        Files.writeString(labels, "not an idx file");
        assertRegenerated();
    }

    @Test
    void missingCacheFileIsRegenerated() throws IOException {
        SyntheticDigitCache.loadOrGenerate(cacheDir, TRAIN, TEST, SEED);
        Files.delete(SyntheticDigitCache.directoryFor(cacheDir, TRAIN, TEST, SEED).resolve("t10k-angles-idx1-float.gz"));
        assertRegenerated();
    }

    @Test
    void cacheFromAnotherGeneratorVersionIsRegenerated() throws IOException {
        SyntheticDigitCache.loadOrGenerate(cacheDir, TRAIN, TEST, SEED);
        Path folder = SyntheticDigitCache.directoryFor(cacheDir, TRAIN, TEST, SEED);
        // Valid files with the wrong content: only the version marker reveals they are stale.
        Idx.writeDirectory(SyntheticDigits.generate(TRAIN, 999), folder, "train", true);
        Files.writeString(folder.resolve(SyntheticDigitCache.VERSION_FILE), "jacreg-synthetic-digits 0\n");
        assertRegenerated();
    }

    @Test
    void differentParametersUseDifferentFolders() throws IOException {
        SyntheticDigitCache.loadOrGenerate(cacheDir, TRAIN, TEST, SEED);
        DigitDataset[] other = SyntheticDigitCache.loadOrGenerate(cacheDir, TRAIN, TEST, SEED + 1);
        assertEquals(SyntheticDigits.trainAndTest(TRAIN, TEST, SEED + 1)[0], other[0]);
        assertEquals(2, listing(cacheDir).size());
    }

    @Test
    void unwritableCacheStillReturnsTheData() throws IOException {
        Path notADirectory = Files.writeString(cacheDir.resolve("file"), "x");
        DigitDataset[] sets = SyntheticDigitCache.loadOrGenerate(notADirectory, TRAIN, TEST, SEED);
        assertEquals(expected[0], sets[0]);
        assertEquals(expected[1], sets[1]);
    }

    /** The next call must return the right data and leave a cache that reads cleanly again. */
    private void assertRegenerated() throws IOException {
        DigitDataset[] sets = SyntheticDigitCache.loadOrGenerate(cacheDir, TRAIN, TEST, SEED);
        assertEquals(expected[0], sets[0]);
        assertEquals(expected[1], sets[1]);
        Path folder = SyntheticDigitCache.directoryFor(cacheDir, TRAIN, TEST, SEED);
        assertEquals(expected[0], Idx.readDirectory(folder, "train"));
        assertEquals(expected[1], Idx.readDirectory(folder, "test"));
        assertEquals(List.of(folder), listing(cacheDir), "temporary or old folders left behind");
    }

    private static List<Path> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    /** Name -> (inode key, modification time) of each file: changes if a file is rewritten or replaced. */
    private static Map<String, Object> fileIdentities(Path dir) throws IOException {
        Map<String, Object> result = new TreeMap<>();
        for (Path p : listing(dir)) {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            result.put(p.getFileName().toString(), List.of(String.valueOf(a.fileKey()), a.lastModifiedTime()));
        }
        return result;
    }
}
