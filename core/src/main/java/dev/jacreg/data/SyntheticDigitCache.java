package dev.jacreg.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Keeps generated synthetic digit sets on disk, so repeated runs (and other processes) reuse the
 * same images instead of re-rendering them. Each (train count, test count, seed) gets its own folder
 * {@code synthetic-<train>-<test>-seed<seed>/} holding the four MNIST-named IDX files (gzip) plus
 * the angle files, i.e. a folder {@link Idx#readDirectory} can read like a real MNIST download.
 *
 * <p>A folder is built under a temporary name and renamed into place in one step, so readers see
 * either no folder or a complete one. A folder that fails to read (corrupt, truncated, wrong counts,
 * written by another generator version) is regenerated and replaced. Since the generator is
 * deterministic and stores pixels as exact multiples of 1/255, loaded data equal generated data.
 */
public final class SyntheticDigitCache {

    /**
     * Bump when the generator's output changes, so that stale caches are regenerated rather than
     * silently mixed with new data.
     */
    static final String GENERATOR_VERSION = "jacreg-synthetic-digits 2";

    /** Records which generator wrote the folder; read back to detect stale caches. */
    static final String VERSION_FILE = "generator-version.txt";

    private static final System.Logger LOG = System.getLogger(SyntheticDigitCache.class.getName());

    private SyntheticDigitCache() {
    }

    /**
     * The folder used for these parameters: {@code cacheDir/synthetic-<train>-<test>-seed<seed>}.
     *
     * @param cacheDir the cache's root folder
     * @param trainCount training images
     * @param testCount test images
     * @param seed the generator's seed
     * @return the folder (it may not exist)
     */
    public static Path directoryFor(Path cacheDir, int trainCount, int testCount, long seed) {
        return cacheDir.resolve("synthetic-" + trainCount + "-" + testCount + "-seed" + seed);
    }

    /**
     * Loads {@code [train, test]} from the cache, or generates them with
     * {@link SyntheticDigits#trainAndTest(int, int, long)} and stores them. A cache that cannot be
     * written (e.g. read-only disk) is logged and the generated data are returned anyway: the cache
     * only saves time, it never changes the data.
     *
     * @param cacheDir the cache's root folder
     * @param trainCount training images
     * @param testCount test images
     * @param seed the generator's seed
     * @return {@code [train, test]}
     */
    public static DigitDataset[] loadOrGenerate(Path cacheDir, int trainCount, int testCount, long seed) {
        if (trainCount < 0 || testCount < 0) {
            throw new IllegalArgumentException("counts must be >= 0, got " + trainCount + ", " + testCount);
        }
        Path target = directoryFor(cacheDir, trainCount, testCount, seed);
        if (Files.isDirectory(target)) {
            try {
                return load(target, trainCount, testCount);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "Regenerating synthetic digit cache " + target + ": " + e.getMessage());
            }
        }
        DigitDataset[] sets = SyntheticDigits.trainAndTest(trainCount, testCount, seed);
        try {
            store(sets, cacheDir, target);
        } catch (IOException | UncheckedIOException e) {
            LOG.log(System.Logger.Level.WARNING, "Could not write synthetic digit cache " + target + ": " + e);
        }
        return sets;
    }

    /** Reads a cache folder, checking that it holds what its name promises. */
    static DigitDataset[] load(Path dir, int trainCount, int testCount) throws IOException {
        Path versionFile = dir.resolve(VERSION_FILE);
        String version = Files.isRegularFile(versionFile)
                ? Files.readString(versionFile, StandardCharsets.UTF_8).strip() : "(missing)";
        if (!version.equals(GENERATOR_VERSION)) {
            throw new IOException(versionFile + ": written by generator \"" + version + "\", expected \""
                    + GENERATOR_VERSION + "\"");
        }
        DigitDataset train = Idx.readDirectory(dir, "train");
        DigitDataset test = Idx.readDirectory(dir, "test");
        check(dir, "train", train, trainCount);
        check(dir, "test", test, testCount);
        return new DigitDataset[] {train, test};
    }

    private static void check(Path dir, String split, DigitDataset d, int expectedCount) throws IOException {
        if (d.count() != expectedCount || d.height() != SyntheticDigits.SIZE || d.width() != SyntheticDigits.SIZE
                || !d.hasAngles()) {
            throw new IOException(dir + ": " + split + " split is " + d + ", expected " + expectedCount
                    + " images of " + SyntheticDigits.SIZE + "x" + SyntheticDigits.SIZE + " with angles");
        }
    }

    /** Writes the sets into a fresh temporary folder next to the target, then renames it into place. */
    private static void store(DigitDataset[] sets, Path cacheDir, Path target) throws IOException {
        Files.createDirectories(cacheDir);
        String name = target.getFileName().toString();
        Path temp = Files.createDirectory(cacheDir.resolve("." + name + ".tmp-" + UUID.randomUUID()));
        try {
            Idx.writeDirectory(sets[0], temp, "train", true);
            Idx.writeDirectory(sets[1], temp, "test", true);
            Files.writeString(temp.resolve(VERSION_FILE), GENERATOR_VERSION + "\n", StandardCharsets.UTF_8);
            replaceDirectory(temp, target, cacheDir.resolve("." + name + ".old-" + UUID.randomUUID()));
        } finally {
            deleteRecursively(temp); // no-op after a successful rename
        }
    }

    /**
     * Renames {@code fresh} to {@code target}. A directory cannot be renamed over a non-empty one, so
     * a broken old folder is first renamed aside (itself atomic) and deleted afterwards. If another
     * process publishes the same folder first, its copy is kept: by determinism it holds the same data.
     */
    private static void replaceDirectory(Path fresh, Path target, Path aside) throws IOException {
        boolean movedAside = false;
        if (Files.exists(target)) {
            try {
                moveAtomically(target, aside);
                movedAside = true;
            } catch (NoSuchFileException e) {
                // someone else removed it meanwhile
            }
        }
        try {
            moveAtomically(fresh, target);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            LOG.log(System.Logger.Level.DEBUG, "Another process published " + target + " first; keeping it");
        } finally {
            if (movedAside) {
                deleteRecursively(aside);
            }
        }
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
