package dev.jacreg.experiment;

import dev.jacreg.data.DigitDataset;
import dev.jacreg.data.FashionMnist;
import dev.jacreg.data.Idx;
import dev.jacreg.data.IdxFormatException;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.data.SyntheticDigitCache;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where the images come from: the built-in synthetic digits (default, no download, cached on disk as
 * IDX), Fashion-MNIST from Debian's package (the whole set, or its first images), or a directory of MNIST-style IDX
 * files ({@code idx:DIR}).
 */
public sealed interface DataSource {
    /** Training images of "synthetic" when no sizes are given (docs/experiment.md's). */
    int DEFAULT_TRAIN_COUNT = 5000;
    /** Test images of "synthetic" when no sizes are given. */
    int DEFAULT_TEST_COUNT = 5000;

    /** [train, test]. */
    DigitDataset[] load(long seed) throws IOException;

    String describe();

    /** The {@code --data} value that selects this source again ({@link #parse} reads it back). */
    String argument();

    /** The built-in synthetic digits at the default sizes. */
    static DataSource defaultSynthetic(Path cacheDir) {
        return new Synthetic(DEFAULT_TRAIN_COUNT, DEFAULT_TEST_COUNT, cacheDir);
    }

    private static boolean defaultCounts(int trainCount, int testCount) {
        return trainCount == DEFAULT_TRAIN_COUNT && testCount == DEFAULT_TEST_COUNT;
    }

    record Synthetic(int trainCount, int testCount, Path cacheDir) implements DataSource {
        public Synthetic {
            if (trainCount < 1 || testCount < 1) throw new IllegalArgumentException("synthetic set sizes must be >= 1");
        }

        @Override
        public DigitDataset[] load(long seed) {
            return SyntheticDigitCache.loadOrGenerate(cacheDir, trainCount, testCount, seed);
        }

        @Override
        public String describe() {
            return "synthetic digits (" + trainCount + " train + " + testCount + " test, cache " + cacheDir + ")";
        }

        @Override
        public String argument() {
            return defaultCounts(trainCount, testCount) ? "synthetic" : "synthetic:" + trainCount + "," + testCount;
        }
    }

    record IdxDirectory(Path dir) implements DataSource {
        @Override
        public DigitDataset[] load(long seed) throws IOException {
            DigitDataset[] sets = Idx.readTrainAndTest(dir);
            if (sets[0].height() < SeedNetwork.MIN_SIZE || sets[0].width() < SeedNetwork.MIN_SIZE) {
                throw new IdxFormatException(dir.resolve(Idx.imagesFileName("train")), "images are " + sets[0].height() + "×"
                        + sets[0].width() + " pixels; the network needs at least " + SeedNetwork.MIN_SIZE + "×"
                        + SeedNetwork.MIN_SIZE + " (its first convolution is 5×5 without padding)");
            }
            return sets;
        }

        @Override
        public String describe() {
            return "IDX files in " + dir;
        }

        @Override
        public String argument() {
            return "idx:" + dir.toAbsolutePath();
        }
    }

    /**
     * The first TRAIN and TEST images of Fashion-MNIST from Debian's dataset-fashion-mnist (all of them: 60,000 and
     * 10,000, {@link #whole}); the seed is unused.
     */
    record FashionMnistFiles(int trainCount, int testCount, Path dir) implements DataSource {
        public FashionMnistFiles {
            if (trainCount < 1 || testCount < 1) throw new IllegalArgumentException("Fashion-MNIST set sizes must be >= 1");
        }

        /** Every image of the package's files. */
        public static FashionMnistFiles whole(Path dir) {
            return new FashionMnistFiles(FashionMnist.TRAIN_SIZE, FashionMnist.TEST_SIZE, dir);
        }

        private boolean isWhole() {
            return trainCount == FashionMnist.TRAIN_SIZE && testCount == FashionMnist.TEST_SIZE;
        }

        @Override
        public DigitDataset[] load(long seed) throws IOException {
            return FashionMnist.load(dir, trainCount, testCount);
        }

        @Override
        public String describe() {
            return "Fashion-MNIST (" + (isWhole() ? "all " : "first ") + trainCount + " train + " + testCount + " test, "
                    + dir + ")";
        }

        @Override
        public String argument() {
            return isWhole() ? "fashion-mnist" : "fashion-mnist:" + trainCount + "," + testCount;
        }
    }

    /** The default cache folder: $XDG_CACHE_HOME/jacreg, else ~/.cache/jacreg. */
    static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("jacreg");
    }

    /**
     * Parses "synthetic", "synthetic:TRAIN,TEST", "fashion-mnist" (all 60,000 + 10,000 images), "fashion-mnist:TRAIN,TEST"
     * (the first TRAIN and TEST) or "idx:DIR".
     */
    static DataSource parse(String text, Path cacheDir) {
        if (text.equals("synthetic")) return defaultSynthetic(cacheDir);
        if (text.startsWith("synthetic:")) {
            String[] counts = text.substring("synthetic:".length()).split(",");
            try {
                if (counts.length == 2) {
                    return new Synthetic(Integer.parseInt(counts[0].trim()), Integer.parseInt(counts[1].trim()), cacheDir);
                }
            } catch (NumberFormatException e) {
                // fall through
            }
            throw new IllegalArgumentException("bad data source '" + text + "': use synthetic:TRAIN,TEST, e.g. synthetic:"
                    + DEFAULT_TRAIN_COUNT + "," + DEFAULT_TEST_COUNT);
        }
        if (text.equals("fashion-mnist")) return FashionMnistFiles.whole(FashionMnist.DEFAULT_DIR);
        if (text.startsWith("fashion-mnist:")) {
            int[] counts = counts(text.substring("fashion-mnist:".length()));
            if (counts == null || counts[0] < 1 || counts[1] < 1 || counts[0] > FashionMnist.TRAIN_SIZE
                    || counts[1] > FashionMnist.TEST_SIZE) {
                throw new IllegalArgumentException("bad data source '" + text + "': use fashion-mnist:TRAIN,TEST with "
                        + "TRAIN in 1.." + FashionMnist.TRAIN_SIZE + " and TEST in 1.." + FashionMnist.TEST_SIZE
                        + ", e.g. fashion-mnist:" + DEFAULT_TRAIN_COUNT + "," + DEFAULT_TEST_COUNT);
            }
            return new FashionMnistFiles(counts[0], counts[1], FashionMnist.DEFAULT_DIR);
        }
        if (text.startsWith("idx:") && text.length() > 4) return new IdxDirectory(Path.of(text.substring(4)));
        throw new IllegalArgumentException("unknown data source '" + text + "': use synthetic, synthetic:TRAIN,TEST, "
                + "fashion-mnist[:TRAIN,TEST] or idx:DIR");
    }

    /** "TRAIN,TEST" as two ints, or null. */
    private static int[] counts(String text) {
        String[] parts = text.split(",");
        if (parts.length != 2) return null;
        try {
            return new int[]{Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
