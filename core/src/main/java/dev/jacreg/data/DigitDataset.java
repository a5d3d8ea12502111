package dev.jacreg.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable set of labelled grayscale images, e.g. the synthetic digits or MNIST.
 *
 * <p>Pixels are stored row-major, image after image, in one flat {@code float[]} of length
 * {@code count * height * width}, with values in [0, 1] (0 = dark background, 1 = bright stroke).
 * One flat array is used (rather than one array per image) because the training code copies the
 * whole set into native memory in a single bulk copy.
 *
 * <p>The accessors return the internal arrays <b>without copying</b> (copying 5,000 images on every
 * call would be wasteful, and callers index them in tight loops). Callers must treat them as
 * read-only; mutating them breaks the immutability every other user of the dataset relies on.
 */
public final class DigitDataset {

    /** Digits 0-9, and Fashion-MNIST's ten clothing classes. */
    public static final int DEFAULT_NUM_CLASSES = 10;

    private final int count;
    private final int height;
    private final int width;
    private final float[] pixels;
    private final int[] labels;
    private final float[] anglesDegrees;
    private final int numClasses;

    /**
     * Same as {@link #DigitDataset(int, int, int, float[], int[], float[], int)} with 10 classes.
     *
     * @param count the number of images
     * @param height image height in pixels
     * @param width image width in pixels
     * @param pixels count·height·width values in [0, 1], row-major, image after image
     * @param labels one label per image, in 0..9
     * @param anglesDegrees each image's rotation in degrees, or null when unknown
     */
    public DigitDataset(int count, int height, int width, float[] pixels, int[] labels, float[] anglesDegrees) {
        this(count, height, width, pixels, labels, anglesDegrees, DEFAULT_NUM_CLASSES);
    }

    /**
     * Wraps the given arrays (no copy: the caller hands over ownership and must not modify them).
     *
     * @param count the number of images
     * @param height image height in pixels
     * @param width image width in pixels
     * @param pixels count·height·width values in [0, 1], row-major, image after image
     * @param labels one label per image, in 0..numClasses−1
     * @param anglesDegrees rotation angle of each image in degrees (positive = counter-clockwise as
     *     seen in the image), or {@code null} when unknown (e.g. MNIST)
     * @param numClasses the number of classes, &gt;= 1
     * @throws IllegalArgumentException naming the mismatch when a length, label or pixel value is
     *     inconsistent with the declared shape
     */
    public DigitDataset(int count, int height, int width, float[] pixels, int[] labels, float[] anglesDegrees,
            int numClasses) {
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(labels, "labels");
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
        }
        if (numClasses <= 0) {
            throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        }
        // long arithmetic: a corrupt caller could make count*h*w overflow int and slip past the check.
        long expectedPixels = (long) count * height * width;
        if (pixels.length != expectedPixels) {
            throw new IllegalArgumentException("pixels length mismatch: count*height*width = " + count + "*"
                    + height + "*" + width + " = " + expectedPixels + " but pixels.length = " + pixels.length);
        }
        if (labels.length != count) {
            throw new IllegalArgumentException(
                    "labels length mismatch: count = " + count + " but labels.length = " + labels.length);
        }
        if (anglesDegrees != null && anglesDegrees.length != count) {
            throw new IllegalArgumentException("anglesDegrees length mismatch: count = " + count
                    + " but anglesDegrees.length = " + anglesDegrees.length);
        }
        for (int i = 0; i < count; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label out of range at index " + i + ": " + labels[i]
                        + " (expected 0.." + (numClasses - 1) + ")");
            }
        }
        // The models assume [0,1] inputs; catching a 0..255 array here beats a silent accuracy loss later.
        for (int i = 0; i < pixels.length; i++) {
            float v = pixels[i];
            if (!(v >= 0f && v <= 1f)) {
                throw new IllegalArgumentException("pixel value out of range [0,1] at flat index " + i
                        + " (image " + (i / (height * width)) + "): " + v);
            }
        }
        this.count = count;
        this.height = height;
        this.width = width;
        this.pixels = pixels;
        this.labels = labels;
        this.anglesDegrees = anglesDegrees;
        this.numClasses = numClasses;
    }

    /** {@return the number of images} */
    public int count() {
        return count;
    }

    /** {@return the image height in pixels} */
    public int height() {
        return height;
    }

    /** {@return the image width in pixels} */
    public int width() {
        return width;
    }

    /** {@return pixels per image, {@code height * width}} */
    public int imageSize() {
        return height * width;
    }

    /**
     * The internal pixel array (row-major, image after image, values in [0,1]); not a copy, must
     * not be mutated.
     *
     * @return the live array (count·height·width values)
     */
    public float[] pixels() {
        return pixels;
    }

    /** {@return the internal label array (values 0..numClasses-1); not a copy, must not be mutated} */
    public int[] labels() {
        return labels;
    }

    /**
     * The internal per-image rotation angles in degrees (positive = counter-clockwise), or
     * {@code null} when unknown; not a copy, must not be mutated.
     *
     * @return the live array (one per image), or null
     */
    public float[] anglesDegrees() {
        return anglesDegrees;
    }

    /** {@return whether the images' rotation angles are known} */
    public boolean hasAngles() {
        return anglesDegrees != null;
    }

    /** {@return the number of classes; every label is in 0..numClasses−1} */
    public int numClasses() {
        return numClasses;
    }

    /**
     * A copy of images {@code [fromInclusive, toExclusive)} with their labels and angles.
     *
     * @param fromInclusive the first image taken
     * @param toExclusive one past the last image taken
     * @return the new dataset
     */
    public DigitDataset subset(int fromInclusive, int toExclusive) {
        Objects.checkFromToIndex(fromInclusive, toExclusive, count);
        int size = imageSize();
        float[] subPixels = Arrays.copyOfRange(pixels, fromInclusive * size, toExclusive * size);
        int[] subLabels = Arrays.copyOfRange(labels, fromInclusive, toExclusive);
        float[] subAngles = anglesDegrees == null ? null
                : Arrays.copyOfRange(anglesDegrees, fromInclusive, toExclusive);
        return new DigitDataset(toExclusive - fromInclusive, height, width, subPixels, subLabels, subAngles,
                numClasses);
    }

    /** {@return number of images of each class, indexed by label} */
    public int[] classCounts() {
        int[] counts = new int[numClasses];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /** Value equality over shape, pixels, labels and angles (so a cached copy equals the original). */
    @Override
    public boolean equals(Object o) {
        return o instanceof DigitDataset d
                && count == d.count && height == d.height && width == d.width && numClasses == d.numClasses
                && Arrays.equals(labels, d.labels)
                && Arrays.equals(anglesDegrees, d.anglesDegrees)
                && Arrays.equals(pixels, d.pixels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(count, height, width, numClasses, Arrays.hashCode(labels), Arrays.hashCode(pixels),
                Arrays.hashCode(anglesDegrees));
    }

    @Override
    public String toString() {
        return "DigitDataset[count=" + count + ", " + height + "x" + width + ", numClasses=" + numClasses
                + ", angles=" + (anglesDegrees != null) + "]";
    }
}
