package dev.jacreg.data;

import java.util.Arrays;

/**
 * Labelled examples for classification, read one at a time: {@link #size()} examples, each a float feature array of
 * {@link #featureShape()} (row-major; C×H×W for images of any channel count, D for plain feature vectors) and a label
 * in 0..{@link #numClasses()}−1. A {@link DataLoader} turns a dataset into shuffled, batched tensors.
 *
 * <p>Implementations: {@link InMemoryDataset} (over a {@code float[]} or {@code FloatBuffer}), and through
 * {@link InMemoryDataset#of(DigitDataset)} the IDX files, the bundled synthetic digits and Fashion-MNIST.
 */
public interface Dataset {
    /** {@return the number of examples} */
    int size();

    /** {@return the shape of one example's features, e.g. {1, 28, 28} or {20}} */
    long[] featureShape();

    /** {@return the number of classes; every label is in 0..numClasses−1} */
    int numClasses();

    /**
     * The label of example {@code index}.
     *
     * @param index the example, in [0, size())
     * @return its class, in [0, numClasses())
     */
    int label(int index);

    /**
     * Copies example {@code index}'s features (row-major, {@link #featureCount()} values) into {@code target} from
     * {@code offset}: the batch access a loader uses, with no array per example.
     *
     * @param index the example, in [0, size())
     * @param target the array written to
     * @param offset where in {@code target} the first value goes
     */
    void copyFeatures(int index, float[] target, int offset);

    /**
     * One example: its features (row-major, of {@link #featureShape()}) and its label.
     *
     * @param features the example's values, row-major
     * @param label its class, in [0, numClasses)
     */
    record Example(float[] features, int label) {
        /** {@return a copy of the features} */
        @Override
        public float[] features() {
            return features.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Example e && label == e.label && Arrays.equals(features, e.features);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(features) + label;
        }

        @Override
        public String toString() {
            return "Example[label=" + label + ", " + features.length + " features]";
        }
    }

    /**
     * Example {@code index} as a new array and its label.
     *
     * @param index the example, in [0, size())
     * @return a copy of its features and its label
     */
    default Example get(int index) {
        float[] features = new float[featureCount()];
        copyFeatures(index, features, 0);
        return new Example(features, label(index));
    }

    /** {@return the number of feature values per example (the product of {@link #featureShape()})} */
    default int featureCount() {
        long n = 1;
        for (long d : featureShape()) n = Math.multiplyExact(n, d);
        return Math.toIntExact(n);
    }

    /**
     * Throws an IndexOutOfBoundsException naming the index and the size unless 0 ≤ index &lt; size.
     *
     * @param index the index to check
     */
    default void checkIndex(int index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException("example index " + index + " is out of range for a dataset of " + size());
        }
    }
}
