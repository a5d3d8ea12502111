package dev.jacreg.data;

import dev.jacreg.io.AtomicFile;
import java.io.BufferedInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * Reads and writes the MNIST IDX format (as used by MNIST and Fashion-MNIST), plain or gzip.
 *
 * <p>An IDX file is a big-endian header followed by raw data: a magic number {@code 0x0000TTNN}
 * (TT = element type, NN = number of dimensions), NN 32-bit dimension sizes, then the elements.
 * Images are {@code 0x00000803} (unsigned bytes, count x rows x cols), labels {@code 0x00000801}
 * (unsigned bytes, count). This library adds per-image rotation angles as {@code 0x00000D01}
 * (float32, count), so the synthetic data keep their angles when cached.
 *
 * <p>Gzip is detected from the file's first two bytes (1f 8b), not its name. Every decoding problem
 * raises {@link IdxFormatException} naming the file; headers are checked against the file size (plain)
 * or a size cap (gzip) before large arrays are allocated, so a corrupt header cannot exhaust memory.
 * Writes go to a temporary file in the target directory that is then atomically renamed, so a
 * reader never sees a half-written file.
 */
public final class Idx {

    /** The magic number of an images file: unsigned bytes, three dimensions (count, height, width). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** The magic number of a labels file: unsigned bytes, one dimension. */
    public static final int LABELS_MAGIC = 0x00000801;
    /** The magic number of an angles file (jacreg's extension): big-endian float32, one dimension. */
    public static final int ANGLES_MAGIC = 0x00000D01;

    /** Largest data section accepted (1e9 bytes); more than any real dataset, less than a crash. */
    public static final long MAX_DATA_BYTES = 1_000_000_000L;

    private static final int TYPE_UNSIGNED_BYTE = 0x08;
    private static final int TYPE_FLOAT = 0x0D;
    private static final int NUM_CLASSES = DigitDataset.DEFAULT_NUM_CLASSES;

    /** Byte value -> pixel value; the generator uses the same {@code k / 255f}, so round trips are exact. */
    private static final float[] BYTE_TO_PIXEL = new float[256];

    static {
        for (int k = 0; k < 256; k++) {
            BYTE_TO_PIXEL[k] = k / 255f;
        }
    }

    private Idx() {
    }

    // ---------------------------------------------------------------- file names

    /**
     * {@code train-images-idx3-ubyte} or {@code t10k-images-idx3-ubyte} (without {@code .gz}).
     *
     * @param split "train" or "test"
     * @return the file name
     */
    public static String imagesFileName(String split) {
        return filePrefix(split) + "-images-idx3-ubyte";
    }

    /**
     * {@code train-labels-idx1-ubyte} or {@code t10k-labels-idx1-ubyte} (without {@code .gz}).
     *
     * @param split "train" or "test"
     * @return the file name
     */
    public static String labelsFileName(String split) {
        return filePrefix(split) + "-labels-idx1-ubyte";
    }

    /**
     * {@code train-angles-idx1-float} or {@code t10k-angles-idx1-float} (without {@code .gz}); our extension.
     *
     * @param split "train" or "test"
     * @return the file name
     */
    public static String anglesFileName(String split) {
        return filePrefix(split) + "-angles-idx1-float";
    }

    /** MNIST calls its test split "t10k". */
    private static String filePrefix(String split) {
        return switch (split.toLowerCase(Locale.ROOT)) {
            case "train" -> "train";
            case "test", "t10k" -> "t10k";
            default -> throw new IllegalArgumentException("split must be \"train\" or \"test\", got \"" + split + "\"");
        };
    }

    // ---------------------------------------------------------------- reading

    /**
     * Reads an images file and a labels file (each plain or gzip); no angles.
     *
     * @param images the images file
     * @param labels the labels file, with as many labels as there are images
     * @return the dataset, pixels scaled to [0, 1]
     * @throws IOException when a file cannot be read, or is corrupt ({@link IdxFormatException})
     */
    public static DigitDataset read(Path images, Path labels) throws IOException {
        return read(images, labels, null);
    }

    /**
     * Reads images, labels and, when {@code angles} is not null, per-image angles.
     *
     * @param images the images file
     * @param labels the labels file, with as many labels as there are images
     * @param angles the angles file, or null
     * @return the dataset, pixels scaled to [0, 1]
     * @throws IdxFormatException if a file is corrupt or the files disagree on the image count
     */
    public static DigitDataset read(Path images, Path labels, Path angles) throws IOException {
        IdxArray imageArray = readArray(images, IMAGES_MAGIC);
        int count = imageArray.dims[0];
        int rows = imageArray.dims[1];
        int cols = imageArray.dims[2];
        if (rows == 0 || cols == 0) {
            throw new IdxFormatException(images, "invalid image size " + rows + "x" + cols
                    + ": rows and columns must be positive");
        }
        int[] labelValues = readLabels(labels);
        if (labelValues.length != count) {
            throw new IdxFormatException(labels, "count mismatch: " + labelValues.length + " labels but "
                    + count + " images in " + images);
        }
        float[] angleValues = null;
        if (angles != null) {
            angleValues = readAngles(angles);
            if (angleValues.length != count) {
                throw new IdxFormatException(angles, "count mismatch: " + angleValues.length + " angles but "
                        + count + " images in " + images);
            }
        }
        byte[] data = imageArray.data;
        float[] pixels = new float[data.length];
        for (int i = 0; i < data.length; i++) {
            pixels[i] = BYTE_TO_PIXEL[data[i] & 0xFF];
        }
        return new DigitDataset(count, rows, cols, pixels, labelValues, angleValues, NUM_CLASSES);
    }

    /**
     * Reads a labels file (magic 0x00000801); every label must be in 0..9.
     *
     * @param labels the labels file, plain or gzip
     * @return the labels
     * @throws IOException when the file cannot be read, or is corrupt ({@link IdxFormatException})
     */
    public static int[] readLabels(Path labels) throws IOException {
        byte[] data = readArray(labels, LABELS_MAGIC).data;
        int[] values = new int[data.length];
        for (int i = 0; i < data.length; i++) {
            values[i] = data[i] & 0xFF;
            if (values[i] >= NUM_CLASSES) {
                throw new IdxFormatException(labels, "label out of range at index " + i + ": " + values[i]
                        + " (expected 0.." + (NUM_CLASSES - 1) + ")");
            }
        }
        return values;
    }

    /**
     * Reads an angles file (magic 0x00000D01, big-endian float32 degrees); every value must be finite.
     *
     * @param angles the angles file, plain or gzip
     * @return the angles in degrees
     * @throws IOException when the file cannot be read, or is corrupt ({@link IdxFormatException})
     */
    public static float[] readAngles(Path angles) throws IOException {
        byte[] data = readArray(angles, ANGLES_MAGIC).data;
        float[] values = new float[data.length / Float.BYTES];
        ByteBuffer.wrap(data).asFloatBuffer().get(values); // ByteBuffer is big-endian by default, as IDX is
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IdxFormatException(angles, "angle not finite at index " + i + ": " + values[i]);
            }
        }
        return values;
    }

    /**
     * Reads the {@code "train"} or {@code "test"} split from a directory using MNIST's file names,
     * each plain or with {@code .gz} (plain preferred when both exist). Angles are attached when
     * {@link #anglesFileName(String)} (or its {@code .gz}) is present.
     *
     * @param dir the folder
     * @param split "train" or "test"
     * @return the split
     * @throws NoSuchFileException naming both expected paths when neither variant of a file exists
     */
    public static DigitDataset readDirectory(Path dir, String split) throws IOException {
        Path images = locate(dir, imagesFileName(split), split, true);
        Path labels = locate(dir, labelsFileName(split), split, true);
        Path angles = locate(dir, anglesFileName(split), split, false);
        return read(images, labels, angles);
    }

    /**
     * Reads the train and test splits of a directory and checks that their images have one size: a net is
     * built for one size, so a mismatch would otherwise only fail after the whole training run.
     *
     * @param dir the folder with both splits
     * @return {train, test}
     * @throws IOException when a file is missing, cannot be read or is corrupt, or the splits' image sizes differ
     */
    public static DigitDataset[] readTrainAndTest(Path dir) throws IOException {
        DigitDataset train = readDirectory(dir, "train");
        DigitDataset test = readDirectory(dir, "test");
        if (train.height() != test.height() || train.width() != test.width()) {
            Path trainImages = locate(dir, imagesFileName("train"), "train", true);
            Path testImages = locate(dir, imagesFileName("test"), "test", true);
            throw new IdxFormatException(testImages, "images are " + test.height() + "×" + test.width()
                    + " but the training images in " + trainImages + " are " + train.height() + "×" + train.width()
                    + "; train and test images must have one size");
        }
        return new DigitDataset[]{train, test};
    }

    private static Path locate(Path dir, String baseName, String split, boolean required) throws IOException {
        Path plain = dir.resolve(baseName);
        Path gzip = dir.resolve(baseName + ".gz");
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        if (Files.isRegularFile(gzip)) {
            return gzip;
        }
        if (required) {
            throw new NoSuchFileException(plain.toString(), gzip.toString(),
                    "neither exists; expected one of them for the " + split + " split");
        }
        return null;
    }

    /** A decoded IDX file: its dimensions and raw big-endian element bytes. */
    private record IdxArray(int[] dims, byte[] data) {
    }

    /** Reads and validates one IDX file whose magic must equal {@code expectedMagic}. */
    private static IdxArray readArray(Path file, int expectedMagic) throws IOException {
        long fileSize = Files.size(file);
        if (fileSize == 0) {
            throw new IdxFormatException(file, "empty file (0 bytes)");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            InputStream in = raw;
            if (gzip) {
                try {
                    in = new GZIPInputStream(raw, 1 << 16);
                } catch (ZipException | EOFException e) {
                    throw new IdxFormatException(file, "corrupt gzip header: " + e.getMessage(), e);
                }
            }
            return decode(file, in, gzip, fileSize, expectedMagic);
        }
    }

    private static IdxArray decode(Path file, InputStream in, boolean gzip, long fileSize, int expectedMagic)
            throws IOException {
        byte[] magicBytes = new byte[4];
        int got = readUpTo(file, in, magicBytes, 0, 4);
        if (got == 0 && gzip) {
            throw new IdxFormatException(file, "empty file (no data after gzip decompression)");
        }
        if (got < 4) {
            throw new IdxFormatException(file, "truncated header: expected 4 bytes of magic number, found " + got);
        }
        int magic = ByteBuffer.wrap(magicBytes).getInt();
        int expectedType = (expectedMagic >>> 8) & 0xFF;
        int expectedDims = expectedMagic & 0xFF;
        if ((magic >>> 16) != 0) { // the IDX magic always starts with two zero bytes
            throw new IdxFormatException(file, String.format(
                    "bad magic number: expected 0x%08X, found 0x%08X (not an IDX file?)", expectedMagic, magic));
        }
        int type = (magic >>> 8) & 0xFF;
        int numDims = magic & 0xFF;
        if (type != expectedType) {
            throw new IdxFormatException(file, String.format(
                    "wrong element type: expected 0x%02X (%s), found 0x%02X (%s); magic expected 0x%08X, found 0x%08X",
                    expectedType, typeName(expectedType), type, typeName(type), expectedMagic, magic));
        }
        if (numDims != expectedDims) {
            throw new IdxFormatException(file, String.format(
                    "wrong number of dimensions: expected %d, found %d; magic expected 0x%08X, found 0x%08X",
                    expectedDims, numDims, expectedMagic, magic));
        }

        byte[] dimBytes = new byte[4 * numDims];
        got = readUpTo(file, in, dimBytes, 0, dimBytes.length);
        if (got < dimBytes.length) {
            throw new IdxFormatException(file, "truncated header: expected " + (4 + dimBytes.length)
                    + " bytes, found " + (4 + got));
        }
        int[] dims = new int[numDims];
        ByteBuffer.wrap(dimBytes).asIntBuffer().get(dims);
        long elements = 1;
        for (int d = 0; d < numDims; d++) {
            if (dims[d] < 0) {
                throw new IdxFormatException(file, "negative dimension " + d + ": " + dims[d]
                        + " (dimensions " + Arrays.toString(dims) + ")");
            }
            elements *= dims[d]; // cannot overflow: at most 3 factors below 2^31
        }
        long dataBytes = elements * typeSize(type);
        if (dataBytes > MAX_DATA_BYTES) {
            throw new IdxFormatException(file, "dimensions too large: " + Arrays.toString(dims) + " claims "
                    + dataBytes + " bytes of data (limit " + MAX_DATA_BYTES + ")");
        }
        long headerBytes = 4L + dimBytes.length;
        if (!gzip) {
            // Plain file: check the claimed size against the real one before allocating anything.
            long available = fileSize - headerBytes;
            if (available < dataBytes) {
                throw new IdxFormatException(file, "truncated data: expected " + dataBytes
                        + " bytes after the header " + Arrays.toString(dims) + ", found " + available);
            }
            if (available > dataBytes) {
                throw new IdxFormatException(file, "trailing data: expected " + dataBytes + " bytes after the header "
                        + Arrays.toString(dims) + ", found " + available);
            }
        }
        byte[] data = readData(file, in, (int) dataBytes, dims);
        if (gzip && readUpTo(file, in, new byte[1], 0, 1) > 0) {
            throw new IdxFormatException(file, "trailing data: more than the expected " + dataBytes
                    + " bytes after the header " + Arrays.toString(dims));
        }
        return new IdxArray(dims, data);
    }

    /**
     * Reads exactly {@code length} bytes. The buffer grows as data arrive instead of being allocated
     * at the claimed size up front: a corrupt gzip header can claim up to 1 GB, the stream cannot fake it.
     */
    private static byte[] readData(Path file, InputStream in, int length, int[] dims) throws IOException {
        byte[] buffer = new byte[Math.min(length, 1 << 20)];
        int filled = 0;
        while (filled < length) {
            if (filled == buffer.length) {
                buffer = Arrays.copyOf(buffer, (int) Math.min(length, 2L * buffer.length));
            }
            int n = readUpTo(file, in, buffer, filled, buffer.length - filled);
            if (n == 0) {
                throw new IdxFormatException(file, "truncated data: expected " + length + " bytes after the header "
                        + Arrays.toString(dims) + ", found " + filled);
            }
            filled += n;
        }
        return buffer;
    }

    /**
     * Reads until {@code length} bytes or end of stream; returns how many were read. A gzip stream
     * cut short ends with an EOFException from the inflater; it is reported as end of data so the
     * caller can say how much was found.
     */
    private static int readUpTo(Path file, InputStream in, byte[] buffer, int offset, int length)
            throws IOException {
        int total = 0;
        try {
            while (total < length) {
                int n = in.read(buffer, offset + total, length - total);
                if (n < 0) {
                    break;
                }
                total += n;
            }
        } catch (EOFException e) {
            // truncated gzip member: treat as end of data
        } catch (ZipException e) {
            throw new IdxFormatException(file, "corrupt gzip data: " + e.getMessage(), e);
        }
        return total;
    }

    private static int typeSize(int type) {
        return switch (type) {
            case 0x08, 0x09 -> 1;
            case 0x0B -> 2;
            case 0x0C, 0x0D -> 4;
            case 0x0E -> 8;
            default -> 1;
        };
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x08 -> "unsigned byte";
            case 0x09 -> "signed byte";
            case 0x0B -> "short";
            case 0x0C -> "int";
            case 0x0D -> "float";
            case 0x0E -> "double";
            default -> "unknown type";
        };
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes images (pixels rounded to bytes, {@code round(v*255)} clamped to 0..255) and labels,
     * each atomically (temp file in the same directory, then rename). Angles are not written; see
     * {@link #writeAngles} and {@link #writeDirectory}.
     *
     * @param d the dataset
     * @param images the images file to create or replace
     * @param labels the labels file to create or replace
     * @param gzip whether to gzip both
     * @throws IOException when a file cannot be written (an existing one is left as it was)
     */
    public static void write(DigitDataset d, Path images, Path labels, boolean gzip) throws IOException {
        writeAtomically(images, gzip, out -> {
            out.writeInt(IMAGES_MAGIC);
            out.writeInt(d.count());
            out.writeInt(d.height());
            out.writeInt(d.width());
            float[] pixels = d.pixels();
            byte[] chunk = new byte[1 << 16];
            for (int start = 0; start < pixels.length; start += chunk.length) {
                int n = Math.min(chunk.length, pixels.length - start);
                for (int i = 0; i < n; i++) {
                    chunk[i] = (byte) Math.max(0, Math.min(255, Math.round(pixels[start + i] * 255f)));
                }
                out.write(chunk, 0, n);
            }
        });
        writeAtomically(labels, gzip, out -> {
            out.writeInt(LABELS_MAGIC);
            out.writeInt(d.count());
            for (int label : d.labels()) {
                if (label > 255) {
                    throw new IllegalArgumentException("label " + label + " does not fit an unsigned byte");
                }
                out.writeByte(label);
            }
        });
    }

    /**
     * Writes per-image angles (float32, magic 0x00000D01) atomically.
     *
     * @param anglesDegrees one angle per image
     * @param file the file to create or replace
     * @param gzip whether to gzip it
     * @throws IOException when the file cannot be written (an existing one is left as it was)
     */
    public static void writeAngles(float[] anglesDegrees, Path file, boolean gzip) throws IOException {
        writeAtomically(file, gzip, out -> {
            out.writeInt(ANGLES_MAGIC);
            out.writeInt(anglesDegrees.length);
            for (float a : anglesDegrees) {
                out.writeFloat(a);
            }
        });
    }

    /**
     * Writes a split under MNIST's names (with {@code .gz} when {@code gzip}), plus the angles file
     * when the dataset has angles, so {@link #readDirectory} reads it back. Stale files of the other
     * variant (plain vs gzip) and stale angles are removed, so they cannot shadow what was written.
     *
     * @param d the dataset
     * @param dir the folder, created if missing
     * @param split "train" or "test"
     * @param gzip whether to gzip the files
     * @throws IOException when a file cannot be written
     */
    public static void writeDirectory(DigitDataset d, Path dir, String split, boolean gzip) throws IOException {
        Files.createDirectories(dir);
        String suffix = gzip ? ".gz" : "";
        String otherSuffix = gzip ? "" : ".gz";
        String images = imagesFileName(split);
        String labels = labelsFileName(split);
        String angles = anglesFileName(split);
        write(d, dir.resolve(images + suffix), dir.resolve(labels + suffix), gzip);
        Files.deleteIfExists(dir.resolve(images + otherSuffix));
        Files.deleteIfExists(dir.resolve(labels + otherSuffix));
        Files.deleteIfExists(dir.resolve(angles + otherSuffix));
        if (d.hasAngles()) {
            writeAngles(d.anglesDegrees(), dir.resolve(angles + suffix), gzip);
        } else {
            Files.deleteIfExists(dir.resolve(angles + suffix));
        }
    }

    @FunctionalInterface
    private interface IdxWriter {
        void write(DataOutputStream out) throws IOException;
    }

    private static void writeAtomically(Path target, boolean gzip, IdxWriter body) throws IOException {
        Path absolute = target.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        AtomicFile.write(absolute, file -> {
            GZIPOutputStream zipped = gzip ? new GZIPOutputStream(file, 1 << 16) : null;
            DataOutputStream out = new DataOutputStream(zipped != null ? zipped : file);
            body.write(out);
            out.flush();
            if (zipped != null) zipped.finish();  // the gzip trailer, without closing the file underneath
        });
    }
}
