package dev.jacreg.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar's shim is extracted to {@code <cache>/<sha256>/libjacreg.so}: the hash is checked against the JDK's own
 * SHA-256 of the bytes, an intact copy is reused untouched, a corrupt or truncated one is replaced, and two threads
 * extracting at once both get the complete file with no temporary files left behind.
 */
class NativeExtractorTest {
    @TempDir
    Path cache;

    private static byte[] library(long seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void extractsToAFolderNamedByTheContentHash() throws Exception {
        byte[] bytes = library(1, 200_000);
        Path path = NativeExtractor.extract(bytes, cache);
        assertEquals(cache.resolve(sha256(bytes)).resolve("libjacreg.so"), path);
        assertArrayEquals(bytes, Files.readAllBytes(path));

        byte[] other = library(2, 200_000);
        Path otherPath = NativeExtractor.extract(other, cache);
        assertEquals(cache.resolve(sha256(other)).resolve("libjacreg.so"), otherPath, "another build gets its own folder");
        assertArrayEquals(bytes, Files.readAllBytes(path), "and leaves the first one alone");
    }

    @Test
    void reusesAnIntactCopyWithoutRewritingIt() throws Exception {
        byte[] bytes = library(3, 50_000);
        Path path = NativeExtractor.extract(bytes, cache);
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(path, old);
        Object inode = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).fileKey();

        assertEquals(path, NativeExtractor.extract(bytes, cache));
        assertEquals(old, Files.getLastModifiedTime(path), "an intact copy must not be rewritten");
        assertEquals(inode, Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).fileKey());
    }

    @Test
    void replacesACorruptCopyOfTheSameSize() throws Exception {
        byte[] bytes = library(4, 50_000);
        Path path = cache.resolve(sha256(bytes)).resolve("libjacreg.so");
        Files.createDirectories(path.getParent());
        byte[] corrupt = bytes.clone();
        corrupt[12_345] ^= 1;
        Files.write(path, corrupt);

        assertEquals(path, NativeExtractor.extract(bytes, cache));
        assertArrayEquals(bytes, Files.readAllBytes(path));
    }

    @Test
    void replacesATruncatedCopy() throws Exception {
        byte[] bytes = library(5, 50_000);
        Path path = cache.resolve(sha256(bytes)).resolve("libjacreg.so");
        Files.createDirectories(path.getParent());
        Files.write(path, java.util.Arrays.copyOf(bytes, 10_000));

        assertEquals(path, NativeExtractor.extract(bytes, cache));
        assertArrayEquals(bytes, Files.readAllBytes(path));
    }

    @Test
    void twoThreadsExtractingAtOnceBothGetTheCompleteFile() throws Exception {
        byte[] bytes = library(6, 2_000_000);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 20; round++) {
                Path root = cache.resolve("round" + round);
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<Path>> results = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        Path path = NativeExtractor.extract(bytes, root);
                        // What this thread would hand to System.load must be complete when it returns.
                        assertArrayEquals(bytes, Files.readAllBytes(path));
                        return path;
                    }));
                }
                Path expected = root.resolve(sha256(bytes)).resolve("libjacreg.so");
                for (Future<Path> result : results) assertEquals(expected, result.get());
                try (Stream<Path> files = Files.list(expected.getParent())) {
                    assertEquals(List.of("libjacreg.so"), files.map(p -> p.getFileName().toString()).toList(),
                            "temporary files left behind");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void resourceNameIsThePlatformFolderTheBuildUses() throws IOException {
        assertEquals("native/" + NativeExtractor.platform() + "/libjacreg.so", NativeExtractor.resourceName());
        if (System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64")) {
            assertEquals("linux-x86_64", NativeExtractor.platform());
        }
        assertNull(NativeExtractor.extractResource(getClass().getClassLoader(), "native/no-such/libjacreg.so", cache));
        assertTrue(Files.notExists(cache.resolve("native")));
    }
}
