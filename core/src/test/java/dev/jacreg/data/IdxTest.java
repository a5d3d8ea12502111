package dev.jacreg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {

    @TempDir
    Path dir;

    private static DigitDataset digits;

    @BeforeAll
    static void generate() {
        digits = SyntheticDigits.generate(40, 123);
    }

    // ------------------------------------------------------------ round trips

    @Test
    void plainRoundTripIsExactForGeneratedDigits() throws IOException {
        Path images = dir.resolve("img");
        Path labels = dir.resolve("lbl");
        Idx.write(digits, images, labels, false);
        assertEquals(16 + 40 * 28 * 28, Files.size(images));
        assertEquals(8 + 40, Files.size(labels));
        DigitDataset back = Idx.read(images, labels);
        assertArrayEquals(digits.pixels(), back.pixels());
        assertArrayEquals(digits.labels(), back.labels());
        assertNull(back.anglesDegrees());
    }

    @Test
    void gzipRoundTripIsExactAndActuallyCompressed() throws IOException {
        Path images = dir.resolve("img.gz");
        Path labels = dir.resolve("lbl.gz");
        Idx.write(digits, images, labels, true);
        byte[] head = Arrays.copyOf(Files.readAllBytes(images), 2);
        assertArrayEquals(new byte[] {0x1f, (byte) 0x8b}, head);
        assertTrue(Files.size(images) < 40 * 28 * 28 / 2, "compressed size " + Files.size(images));
        DigitDataset back = Idx.read(images, labels);
        assertArrayEquals(digits.pixels(), back.pixels());
        assertArrayEquals(digits.labels(), back.labels());
    }

    @Test
    void arbitraryPixelsAreQuantisedToBytes() throws IOException {
        float[] pixels = new float[2 * 3 * 5];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) Math.pow(i / 29.0, 1.7);
        }
        DigitDataset d = new DigitDataset(2, 3, 5, pixels, new int[] {9, 0}, null);
        Idx.write(d, dir.resolve("i"), dir.resolve("l"), false);
        DigitDataset back = Idx.read(dir.resolve("i"), dir.resolve("l"));
        assertEquals(3, back.height());
        assertEquals(5, back.width(), "non-square sizes are kept");
        for (int i = 0; i < pixels.length; i++) {
            assertEquals(pixels[i], back.pixels()[i], 0.5f / 255 + 1e-6f);
            assertEquals(Math.round(pixels[i] * 255) / 255f, back.pixels()[i], 0f);
        }
        assertArrayEquals(new int[] {9, 0}, back.labels());
    }

    @Test
    void gzipIsDetectedByContentNotName() throws IOException {
        Path gzipWithoutSuffix = dir.resolve("images-plain-name");
        Path plainWithSuffix = dir.resolve("labels.gz");
        Idx.write(digits, gzipWithoutSuffix, dir.resolve("unused.gz"), true);
        Idx.write(digits, dir.resolve("unused"), plainWithSuffix, false);
        DigitDataset back = Idx.read(gzipWithoutSuffix, plainWithSuffix);
        assertArrayEquals(digits.pixels(), back.pixels());
        assertArrayEquals(digits.labels(), back.labels());
    }

    @Test
    void anglesRoundTripPlainAndGzip() throws IOException {
        float[] angles = {-45f, 44.99f, 0f, -0.001f, 12.5f};
        Idx.writeAngles(angles, dir.resolve("a"), false);
        Idx.writeAngles(angles, dir.resolve("a.gz"), true);
        assertEquals(8 + 4 * 5, Files.size(dir.resolve("a")));
        assertArrayEquals(angles, Idx.readAngles(dir.resolve("a")));
        assertArrayEquals(angles, Idx.readAngles(dir.resolve("a.gz")));
    }

    @Test
    void directoryRoundTripWithMnistNamesAndAngles() throws IOException {
        DigitDataset testSet = SyntheticDigits.generate(20, 9);
        Idx.writeDirectory(digits, dir, "train", true);
        Idx.writeDirectory(testSet, dir, "test", false);
        assertTrue(Files.exists(dir.resolve("train-images-idx3-ubyte.gz")));
        assertTrue(Files.exists(dir.resolve("train-labels-idx1-ubyte.gz")));
        assertTrue(Files.exists(dir.resolve("train-angles-idx1-float.gz")));
        assertTrue(Files.exists(dir.resolve("t10k-images-idx3-ubyte")));
        assertTrue(Files.exists(dir.resolve("t10k-labels-idx1-ubyte")));
        assertTrue(Files.exists(dir.resolve("t10k-angles-idx1-float")));
        assertEquals(digits, Idx.readDirectory(dir, "train"));
        assertEquals(testSet, Idx.readDirectory(dir, "test"));
    }

    @Test
    void directoryWithoutAnglesFileHasNoAngles() throws IOException {
        // Like a real MNIST download.
        Idx.write(digits, dir.resolve("train-images-idx3-ubyte"), dir.resolve("train-labels-idx1-ubyte"), false);
        DigitDataset back = Idx.readDirectory(dir, "train");
        assertNull(back.anglesDegrees());
        assertArrayEquals(digits.labels(), back.labels());
    }

    @Test
    void rewritingADirectoryRemovesTheOtherVariant() throws IOException {
        Idx.writeDirectory(digits, dir, "train", false);
        DigitDataset other = SyntheticDigits.generate(10, 1);
        Idx.writeDirectory(other, dir, "train", true);
        assertFalse(Files.exists(dir.resolve("train-images-idx3-ubyte")), "stale plain file would shadow the gz");
        assertEquals(other, Idx.readDirectory(dir, "train"));
        DigitDataset noAngles = other.subset(0, 10);
        noAngles = new DigitDataset(10, 28, 28, noAngles.pixels(), noAngles.labels(), null);
        Idx.writeDirectory(noAngles, dir, "train", true);
        assertNull(Idx.readDirectory(dir, "train").anglesDegrees(), "stale angles must not be attached");
    }

    @Test
    void missingDirectoryFilesAreNamedInTheError() {
        var e = assertThrows(NoSuchFileException.class, () -> Idx.readDirectory(dir, "test"));
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte"), e.getMessage());
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte.gz"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Idx.readDirectory(dir, "validation"));
    }

    @Test
    void writesLeaveNoTemporaryFilesAndReplaceExistingOnes() throws IOException {
        Path images = dir.resolve("img");
        Path labels = dir.resolve("lbl");
        Idx.write(digits, images, labels, false);
        DigitDataset smaller = digits.subset(0, 5);
        Idx.write(smaller, images, labels, false);
        assertEquals(5, Idx.read(images, labels).count());
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "only the two target files remain");
        }
    }

    @Test
    void failedWriteKeepsTheOldFileAndCleansUp() throws IOException {
        Path images = dir.resolve("img");
        Path labels = dir.resolve("lbl");
        Idx.write(digits, images, labels, false);
        byte[] before = Files.readAllBytes(labels);
        // 300 classes are legal in a DigitDataset but label 299 does not fit IDX's unsigned byte.
        DigitDataset unwritable = new DigitDataset(1, 1, 1, new float[1], new int[] {299}, null, 300);
        assertThrows(IllegalArgumentException.class, () -> Idx.write(unwritable, images, labels, false));
        assertArrayEquals(before, Files.readAllBytes(labels));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "temporary file left behind");
        }
    }

    // ------------------------------------------------------------ corrupt input

    @Test
    void emptyFile() throws IOException {
        Path images = write("empty-images", new byte[0]);
        assertCorrupt(images, () -> Idx.read(images, validLabels(1)), "empty");
        Path gzImages = write("empty-images.gz", gzip(new byte[0]));
        assertCorrupt(gzImages, () -> Idx.read(gzImages, validLabels(1)), "empty");
    }

    @Test
    void badMagicShowsExpectedAndFoundInHex() throws IOException {
        Path images = write("jpeg-images", header(0x12345678, 1, 28, 28));
        var e = assertCorrupt(images, () -> Idx.read(images, validLabels(1)), "magic");
        assertTrue(e.getMessage().contains("0x00000803") && e.getMessage().contains("0x12345678"), e.getMessage());
    }

    @Test
    void wrongElementType() throws IOException {
        Path images = write("float-images", header(0x00000D03, 1, 1, 1, 0));
        assertCorrupt(images, () -> Idx.read(images, validLabels(1)), "element type", "0x0D");
        Path angles = write("byte-angles", header(0x00000801, 2, 0x0000));
        assertCorrupt(angles, () -> Idx.readAngles(angles), "element type");
    }

    @Test
    void wrongNumberOfDimensions() throws IOException {
        Path labelsGivenAsImages = write("labels-as-images", header(0x00000801, 2, 0x0000));
        assertCorrupt(labelsGivenAsImages, () -> Idx.read(labelsGivenAsImages, validLabels(2)), "dimensions");
    }

    @Test
    void truncatedHeader() throws IOException {
        Path images = write("short-header", Arrays.copyOf(header(0x00000803, 1, 28, 28), 9));
        assertCorrupt(images, () -> Idx.read(images, validLabels(1)), "truncated header", "found 9");
        Path labels = write("two-bytes", new byte[] {0, 0});
        assertCorrupt(labels, () -> Idx.readLabels(labels), "truncated header");
    }

    @Test
    void truncatedDataPlainAndGzip() throws IOException {
        byte[] bytes = withData(header(0x00000803, 10, 28, 28), 100);
        Path plain = write("truncated-images", bytes);
        assertCorrupt(plain, () -> Idx.read(plain, validLabels(10)), "truncated data", "expected 7840", "found 100");
        Path gz = write("truncated-images.gz", gzip(bytes));
        assertCorrupt(gz, () -> Idx.read(gz, validLabels(10)), "truncated data", "expected 7840", "found 100");
    }

    @Test
    void truncatedGzipStream() throws IOException {
        Idx.write(digits, dir.resolve("img.gz"), dir.resolve("lbl.gz"), true);
        byte[] whole = Files.readAllBytes(dir.resolve("img.gz"));
        Path cut = write("cut-images.gz", Arrays.copyOf(whole, whole.length / 2));
        assertCorrupt(cut, () -> Idx.read(cut, dir.resolve("lbl.gz")), "truncated");
    }

    @Test
    void corruptGzipData() throws IOException {
        byte[] gz = gzip(withData(header(0x00000803, 2, 28, 28), 2 * 784));
        for (int i = 10; i < gz.length - 8; i++) {
            gz[i] = (byte) 0xFF; // destroy the deflate stream, keep the gzip header
        }
        Path file = write("garbled-images.gz", gz);
        assertCorrupt(file, () -> Idx.read(file, validLabels(2)), "gzip");
    }

    @Test
    void trailingData() throws IOException {
        Path labels = write("long-labels", withData(header(0x00000801, 3), 5));
        assertCorrupt(labels, () -> Idx.readLabels(labels), "trailing");
        Path gzLabels = write("long-labels.gz", gzip(withData(header(0x00000801, 3), 5)));
        assertCorrupt(gzLabels, () -> Idx.readLabels(gzLabels), "trailing");
    }

    @Test
    void imageAndLabelCountMismatchNamesBothFiles() throws IOException {
        Path images = write("five-images", withData(header(0x00000803, 5, 28, 28), 5 * 784));
        Path labels = validLabels(4);
        var e = assertCorrupt(labels, () -> Idx.read(images, labels), "mismatch");
        assertTrue(e.getMessage().contains("five-images"), e.getMessage());
    }

    @Test
    void anglesCountMismatchAndNonFiniteAngles() throws IOException {
        Idx.write(digits, dir.resolve("img"), dir.resolve("lbl"), false);
        Idx.writeAngles(new float[39], dir.resolve("angles"), false);
        assertCorrupt(dir.resolve("angles"), () -> Idx.read(dir.resolve("img"), dir.resolve("lbl"), dir.resolve("angles")),
                "mismatch");
        Idx.writeAngles(new float[] {1f, Float.NaN}, dir.resolve("nan-angles"), false);
        assertCorrupt(dir.resolve("nan-angles"), () -> Idx.readAngles(dir.resolve("nan-angles")), "finite");
    }

    @Test
    void labelOutOfRange() throws IOException {
        byte[] bytes = header(0x00000801, 3);
        bytes = Arrays.copyOf(bytes, bytes.length + 3);
        bytes[bytes.length - 2] = 10;
        Path labels = write("label-ten", bytes);
        assertCorrupt(labels, () -> Idx.readLabels(labels), "out of range", "index 1", "10");
    }

    @Test
    void negativeAndEmptyDimensions() throws IOException {
        Path negative = write("negative-images", header(0x00000803, -5, 28, 28));
        assertCorrupt(negative, () -> Idx.read(negative, validLabels(1)), "negative", "-5");
        Path zeroRows = write("zero-row-images", header(0x00000803, 1, 0, 28));
        assertCorrupt(zeroRows, () -> Idx.read(zeroRows, validLabels(1)), "invalid image size");
    }

    @Test
    void absurdDimensionsAreRejectedBeforeAllocating() throws IOException {
        // 2e9 * 28 * 28 bytes: over the cap.
        Path huge = write("huge-images", header(0x00000803, 2_000_000_000, 28, 28));
        assertCorrupt(huge, () -> Idx.read(huge, validLabels(1)), "too large");
        Path hugeGz = write("huge-images.gz", gzip(header(0x00000803, 2_000_000_000, 28, 28)));
        assertCorrupt(hugeGz, () -> Idx.read(hugeGz, validLabels(1)), "too large");
        // 1e6 * 28 * 28 = 784 MB: under the cap, but the file cannot hold it.
        Path big = write("big-images", withData(header(0x00000803, 1_000_000, 28, 28), 784));
        assertCorrupt(big, () -> Idx.read(big, validLabels(1)), "truncated data", "expected 784000000");
        Path bigGz = write("big-images.gz", gzip(withData(header(0x00000803, 1_000_000, 28, 28), 784)));
        assertCorrupt(bigGz, () -> Idx.read(bigGz, validLabels(1)), "truncated data", "found 784");
    }

    // ------------------------------------------------------------ helpers

    @FunctionalInterface
    interface IdxCall {
        void run() throws IOException;
    }

    /** Asserts an IdxFormatException naming the file and containing each of the words (case-insensitive). */
    private static IdxFormatException assertCorrupt(Path file, IdxCall call, String... words) {
        IdxFormatException e = assertThrows(IdxFormatException.class, call::run);
        String message = e.getMessage();
        assertTrue(message.contains(file.getFileName().toString()), "message does not name the file: " + message);
        assertEquals(file, e.file());
        for (String word : words) {
            assertTrue(message.toLowerCase(Locale.ROOT).contains(word.toLowerCase(Locale.ROOT)),
                    "message lacks \"" + word + "\": " + message);
        }
        return e;
    }

    private Path validLabels(int count) throws IOException {
        return write("valid-labels-" + count, withData(header(0x00000801, count), count));
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static byte[] header(int magic, int... dims) {
        return bytes(out -> {
            try {
                out.writeInt(magic);
                for (int d : dims) {
                    out.writeInt(d);
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    /** The header followed by {@code n} zero bytes of data. */
    private static byte[] withData(byte[] header, int n) {
        return Arrays.copyOf(header, header.length + n);
    }

    private static byte[] bytes(Consumer<DataOutputStream> body) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        body.accept(new DataOutputStream(buffer));
        return buffer.toByteArray();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(buffer)) {
            gz.write(data);
        }
        return buffer.toByteArray();
    }
}
