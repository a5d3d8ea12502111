package dev.jacreg.data;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A {@link Dataset} held in memory: the examples' features one after another in a {@code float[]} or a
 * {@code FloatBuffer} (row-major, example after example) and an {@code int[]} of labels. The arrays are used without
 * copying; the caller must not change them afterwards.
 */
public final class InMemoryDataset implements Dataset {
    private final FloatBuffer features;  // absolute reads only, so the buffer's position never matters
    private final int[] labels;
    private final long[] featureShape;
    private final int featureCount;
    private final int numClasses;

    /**
     * A dataset over a buffer's remaining values (read from its position on, which may then change freely).
     *
     * @param features     size × (product of featureShape) values, example after example
     * @param labels       one label per example, each in 0..numClasses−1
     * @param featureShape the shape of one example, e.g. {3, 32, 32} for colour images or {20} for vectors
     * @param numClasses the number of classes, &gt;= 1
     * @throws IllegalArgumentException naming the mismatch when a length, a dimension or a label does not fit
     */
    public InMemoryDataset(FloatBuffer features, int[] labels, long[] featureShape, int numClasses) {
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(featureShape, "featureShape");
        if (featureShape.length == 0) throw new IllegalArgumentException("the feature shape needs at least one dimension");
        long count = 1;
        for (long d : featureShape) {
            if (d < 1) throw new IllegalArgumentException("feature shape " + Arrays.toString(featureShape) + " has a dimension < 1");
            count = Math.multiplyExact(count, d);
        }
        if (numClasses < 1) throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        if ((long) labels.length * count != features.remaining()) {
            throw new IllegalArgumentException(labels.length + " labels of feature shape " + Arrays.toString(featureShape)
                    + " need " + (long) labels.length * count + " feature values, got " + features.remaining());
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " of example " + i + " is outside 0.." + (numClasses - 1));
            }
        }
        this.features = features.slice();
        this.labels = labels;
        this.featureShape = featureShape.clone();
        this.featureCount = Math.toIntExact(count);
        this.numClasses = numClasses;
    }

    /**
     * Over a {@code float[]}; see {@link #InMemoryDataset(FloatBuffer, int[], long[], int)}.
     *
     * @param features size × (product of featureShape) values, example after example (not copied)
     * @param labels one label per example, each in 0..numClasses−1
     * @param featureShape the shape of one example's features
     * @param numClasses the number of classes, &gt;= 1
     */
    public InMemoryDataset(float[] features, int[] labels, long[] featureShape, int numClasses) {
        this(FloatBuffer.wrap(Objects.requireNonNull(features, "features")), labels, featureShape, numClasses);
    }

    /**
     * Images of any channel count: features are N×channels×height×width.
     *
     * @param pixels N·channels·height·width values, image after image, channel-major (CHW)
     * @param labels one label per image, each in 0..numClasses−1
     * @param channels the channel count C, e.g. 1 for gray or 3 for RGB
     * @param height image height H
     * @param width image width W
     * @param numClasses the number of classes, &gt;= 1
     * @return the dataset (over the array, not a copy)
     */
    public static InMemoryDataset images(float[] pixels, int[] labels, int channels, int height, int width, int numClasses) {
        return new InMemoryDataset(pixels, labels, new long[]{channels, height, width}, numClasses);
    }

    /**
     * Plain feature vectors: features are N×dimensions.
     *
     * @param features N·dimensions values, vector after vector
     * @param labels one label per vector, each in 0..numClasses−1
     * @param dimensions the length D of each vector
     * @param numClasses the number of classes, &gt;= 1
     * @return the dataset (over the array, not a copy)
     */
    public static InMemoryDataset vectors(float[] features, int[] labels, int dimensions, int numClasses) {
        return new InMemoryDataset(features, labels, new long[]{dimensions}, numClasses);
    }

    /**
     * The grayscale images of a {@link DigitDataset} (1×H×W each), without copying: the IDX files ({@link Idx}), the
     * synthetic digits ({@link SyntheticDigits}) and Fashion-MNIST ({@link FashionMnist}) all load as one.
     *
     * @param digits the images and labels
     * @return the dataset, sharing the digits' arrays
     */
    public static InMemoryDataset of(DigitDataset digits) {
        return images(digits.pixels(), digits.labels(), 1, digits.height(), digits.width(), digits.numClasses());
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public long[] featureShape() {
        return featureShape.clone();
    }

    @Override
    public int featureCount() {
        return featureCount;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int label(int index) {
        checkIndex(index);
        return labels[index];
    }

    @Override
    public void copyFeatures(int index, float[] target, int offset) {
        checkIndex(index);
        features.get((int) ((long) index * featureCount), target, offset, featureCount);
    }

    @Override
    public String toString() {
        return "InMemoryDataset[" + size() + " examples of " + Arrays.toString(featureShape) + ", " + numClasses + " classes]";
    }
}
