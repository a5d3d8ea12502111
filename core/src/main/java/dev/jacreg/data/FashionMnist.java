package dev.jacreg.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Fashion-MNIST (Zalando; 60,000 training and 10,000 test images of clothing, 28×28 grey, 10 classes) as
 * installed by Debian's {@code dataset-fashion-mnist} package: gzip'd IDX files in
 * {@code /usr/share/datasets/fashion-mnist}. The same file format as MNIST, so {@link Idx} reads it.
 */
public final class FashionMnist {
    /** The Debian package that provides the files. */
    public static final String PACKAGE = "dataset-fashion-mnist";
    /** Where the package puts them. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** The images in the training files. */
    public static final int TRAIN_SIZE = 60_000;
    /** The images in the test files. */
    public static final int TEST_SIZE = 10_000;

    private FashionMnist() {}

    /**
     * The first {@code trainCount} training and {@code testCount} test images, as {train, test}.
     *
     * @param dir the folder with the four IDX files (Debian's dataset-fashion-mnist puts them in
     *     /usr/share/datasets/fashion-mnist)
     * @param trainCount training images to read, 1 to {@link #TRAIN_SIZE}
     * @param testCount test images to read, 1 to {@link #TEST_SIZE}
     * @return {train, test}
     * @throws NoSuchFileException  naming the missing file and the package to install
     * @throws IllegalArgumentException when a count is below 1 or above what the file holds
     */
    public static DigitDataset[] load(Path dir, int trainCount, int testCount) throws IOException {
        if (trainCount < 1 || testCount < 1) {
            throw new IllegalArgumentException("Fashion-MNIST set sizes must be >= 1, got " + trainCount + "," + testCount);
        }
        return new DigitDataset[]{split(dir, "train", trainCount), split(dir, "test", testCount)};
    }

    private static DigitDataset split(Path dir, String split, int count) throws IOException {
        Path images = file(dir, Idx.imagesFileName(split));
        Path labels = file(dir, Idx.labelsFileName(split));
        DigitDataset all = Idx.read(images, labels);
        if (count > all.count()) {
            throw new IllegalArgumentException("Fashion-MNIST has " + all.count() + " " + split + " images, "
                    + count + " asked for");
        }
        return count == all.count() ? all : all.subset(0, count);
    }

    /** The {@code .gz} file the package installs (or an unpacked copy); a missing one names the package. */
    private static Path file(Path dir, String baseName) throws NoSuchFileException {
        Path gzip = dir.resolve(baseName + ".gz");
        if (Files.isRegularFile(gzip)) return gzip;
        Path plain = dir.resolve(baseName);
        if (Files.isRegularFile(plain)) return plain;
        throw new NoSuchFileException(gzip.toString(), null, "Fashion-MNIST is not installed: install Debian's package "
                + PACKAGE + " (make fashion-mnist, or sudo apt-get install " + PACKAGE + ")");
    }
}
