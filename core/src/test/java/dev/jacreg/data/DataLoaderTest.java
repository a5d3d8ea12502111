package dev.jacreg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Datasets over arrays and buffers, and the loader's order, batching, transforms and its two paths to the device. */
class DataLoaderTest {
    /** Example i has features {i, i + 0.5} and label i mod 3, so a batch shows which examples it holds. */
    private static InMemoryDataset indexed(int n) {
        float[] features = new float[2 * n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            features[2 * i] = i;
            features[2 * i + 1] = i + 0.5f;
            labels[i] = i % 3;
        }
        return InMemoryDataset.vectors(features, labels, 2, 3);
    }

    /** The example indices of each batch of one pass, read back from the features. */
    private static List<long[]> indices(DataLoader loader, RandomStream random) {
        List<long[]> batches = new ArrayList<>();
        for (Batch batch : loader.batches(random)) {
            try (TensorScope scope = TensorScope.open()) {
                float[] f = batch.features().toFloatArray();
                long[] labels = batch.labels().toLongArray();
                long[] index = new long[labels.length];
                for (int r = 0; r < index.length; r++) {
                    index[r] = (long) f[2 * r];
                    assertEquals(index[r] + 0.5f, f[2 * r + 1], "row " + r + " keeps its example's features together");
                    assertEquals(index[r] % 3, labels[r], "row " + r + " keeps its example's label");
                }
                assertArrayEquals(new long[]{index.length, 2}, batch.features().shape());
                batches.add(index);
            }
        }
        return batches;
    }

    @Test
    void aShuffledPassFollowsTheStreamsPermutationAndKeepsOrDropsTheLastBatch() {
        try (TensorScope scope = TensorScope.open()) {
            InMemoryDataset data = indexed(10);
            long[] permutation = RandomStream.seeded(42).permutation(10).toLongArray();  // the independent truth
            for (boolean dropLast : new boolean[]{false, true}) {
                for (boolean preload : new boolean[]{false, true}) {
                    try (DataLoader loader = DataLoader.builder(data).batchSize(4).shuffle(true).dropLast(dropLast)
                            .preload(preload).build()) {
                        List<long[]> batches = indices(loader, RandomStream.seeded(42));
                        String what = "dropLast " + dropLast + ", preload " + preload;
                        assertEquals(dropLast ? 2 : 3, batches.size(), what);
                        assertEquals(batches.size(), loader.batchCount(), what);
                        assertArrayEquals(Arrays.copyOfRange(permutation, 0, 4), batches.get(0), what);
                        assertArrayEquals(Arrays.copyOfRange(permutation, 4, 8), batches.get(1), what);
                        if (!dropLast) assertArrayEquals(Arrays.copyOfRange(permutation, 8, 10), batches.get(2), what);
                    }
                }
            }
        }
    }

    @Test
    void withoutShufflingThePassIsInOrderAndNeedsNoStream() {
        try (TensorScope scope = TensorScope.open(); DataLoader loader = DataLoader.builder(indexed(5)).batchSize(2).build()) {
            List<long[]> batches = indices(loader, null);
            assertEquals(List.of("[0, 1]", "[2, 3]", "[4]"), batches.stream().map(Arrays::toString).toList());
        }
    }

    @Test
    void twoPassesWithDifferentStreamsDifferAndTheSameStreamRepeats() {
        try (TensorScope scope = TensorScope.open();
             DataLoader loader = DataLoader.builder(indexed(50)).batchSize(50).shuffle(true).build()) {
            long[] a = indices(loader, RandomStream.seeded(1)).get(0);
            assertArrayEquals(a, indices(loader, RandomStream.seeded(1)).get(0));
            assertFalse(Arrays.equals(a, indices(loader, RandomStream.seeded(2)).get(0)));
            long[] sorted = a.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < 50; i++) assertEquals(i, sorted[i], "every example exactly once");
        }
    }

    @Test
    void colourImagesStreamedAndPreloadedGiveTheSameBatchesAsTheSourceArray() {
        int n = 7, channels = 3, h = 4, w = 5, size = channels * h * w;
        float[] pixels = new float[n * size];
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) Math.sin(i);
        int[] labels = {0, 4, 2, 3, 1, 4, 0};
        InMemoryDataset data = InMemoryDataset.images(pixels, labels, channels, h, w, 5);
        try (TensorScope scope = TensorScope.open();
             DataLoader streamed = DataLoader.builder(data).batchSize(3).shuffle(true).dtype(DType.FLOAT64).build();
             DataLoader preloaded = DataLoader.builder(data).batchSize(3).shuffle(true).dtype(DType.FLOAT64).preload(true).build()) {
            assertTrue(preloaded.preloaded());
            List<Batch> a = new ArrayList<>(), b = new ArrayList<>();
            streamed.batches(RandomStream.seeded(9)).forEach(a::add);
            preloaded.batches(RandomStream.seeded(9)).forEach(b::add);
            long[] order = RandomStream.seeded(9).permutation(n).toLongArray();
            assertEquals(3, a.size());
            for (int k = 0; k < a.size(); k++) {
                assertEquals(DType.FLOAT64, a.get(k).features().dtype());
                assertArrayEquals(a.get(k).features().toDoubleArray(), b.get(k).features().toDoubleArray(), "batch " + k);
                assertArrayEquals(a.get(k).labels().toLongArray(), b.get(k).labels().toLongArray(), "batch " + k);
                long rows = a.get(k).size();
                assertArrayEquals(new long[]{rows, channels, h, w}, a.get(k).features().shape());
                float[] values = a.get(k).features().toFloatArray();
                for (int r = 0; r < rows; r++) {
                    int example = (int) order[k * 3 + r];
                    assertArrayEquals(Arrays.copyOfRange(pixels, example * size, (example + 1) * size),
                            Arrays.copyOfRange(values, r * size, (r + 1) * size), "batch " + k + " row " + r);
                    assertEquals(labels[example], a.get(k).labels().toLongArray()[r]);
                }
            }
        }
    }

    @Test
    void aDigitDatasetLoadsAsTheTrainersDeviceDatasetDoes() {
        DigitDataset digits = SyntheticDigits.generate(30, 3);
        try (TensorScope scope = TensorScope.open(); DeviceDataset device = new DeviceDataset(digits, DType.FLOAT32);
             DataLoader loader = DataLoader.builder(InMemoryDataset.of(digits)).batchSize(30).build()) {
            Batch all = loader.batches(null).iterator().next();
            assertArrayEquals(device.images().shape(), all.features().shape());
            assertArrayEquals(device.images().toFloatArray(), all.features().toFloatArray());
            assertArrayEquals(device.labels().toLongArray(), all.labels().toLongArray());
            assertEquals(digits.numClasses(), loader.dataset().numClasses());
        }
    }

    @Test
    void transformsApplyToFeaturesOnlyAndDrawAfterTheOrder() {
        InMemoryDataset data = indexed(6);
        Transform noise = (batch, random) -> batch.add(random.normal(batch.dtype(), batch.shape()));
        try (TensorScope scope = TensorScope.open();
             DataLoader plain = DataLoader.builder(data).batchSize(6).shuffle(true).build();
             DataLoader noisy = DataLoader.builder(data).batchSize(6).shuffle(true).transform(noise).build();
             DataLoader normalized = DataLoader.builder(data).batchSize(6)
                     .transform(Transform.normalize(new double[]{2}, new double[]{4})).build()) {
            Batch a = plain.batches(RandomStream.seeded(5)).iterator().next();
            Batch b = noisy.batches(RandomStream.seeded(5)).iterator().next();
            Batch c = noisy.batches(RandomStream.seeded(5)).iterator().next();
            assertArrayEquals(a.labels().toLongArray(), b.labels().toLongArray(), "the order does not depend on the transform");
            assertNotEquals(Arrays.toString(a.features().toFloatArray()), Arrays.toString(b.features().toFloatArray()));
            assertArrayEquals(b.features().toFloatArray(), c.features().toFloatArray(), "the same stream repeats the noise");
            float[] n = normalized.batches(RandomStream.seeded(0)).iterator().next().features().toFloatArray();
            for (int i = 0; i < 6; i++) {
                assertEquals((i - 2) / 4.0, n[2 * i], 1e-7);
                assertEquals((i + 0.5 - 2) / 4.0, n[2 * i + 1], 1e-7);
            }
            Batch clean = DataLoader.builder(data).batchSize(6).transform(Transform.corruption(Corruption.REPLACE, 0)).build()
                    .batches(RandomStream.seeded(1)).iterator().next();
            assertArrayEquals(a.features().shape(), clean.features().shape());
        }
    }

    @Test
    void aFloatBufferDatasetReadsFromItsPosition() {
        FloatBuffer buffer = FloatBuffer.wrap(new float[]{99, 1, 2, 3, 4, 5, 6});
        buffer.position(1);
        InMemoryDataset data = new InMemoryDataset(buffer, new int[]{0, 1}, new long[]{3}, 2);
        assertArrayEquals(new float[]{4, 5, 6}, data.get(1).features());
        assertEquals(1, data.get(1).label());
        assertEquals(1, buffer.position(), "reading leaves the caller's buffer alone");
    }

    @Test
    void badDataAndSettingsAreRejectedNamingTheValue() {
        assertEquals("3 labels of feature shape [2] need 6 feature values, got 5", assertThrows(IllegalArgumentException.class,
                () -> InMemoryDataset.vectors(new float[5], new int[3], 2, 2)).getMessage());
        assertEquals("label 2 of example 1 is outside 0..1", assertThrows(IllegalArgumentException.class,
                () -> InMemoryDataset.vectors(new float[4], new int[]{0, 2}, 2, 2)).getMessage());
        assertEquals("example index 5 is out of range for a dataset of 2", assertThrows(IndexOutOfBoundsException.class,
                () -> InMemoryDataset.vectors(new float[4], new int[2], 2, 2).get(5)).getMessage());
        assertEquals("batch size must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> DataLoader.builder(indexed(3)).batchSize(0)).getMessage());
        DataLoader shuffling = DataLoader.builder(indexed(3)).shuffle(true).build();
        assertThrows(IllegalArgumentException.class, () -> shuffling.batches(null));
        assertEquals("normalize std must be finite and > 0, got 0.0", assertThrows(IllegalArgumentException.class,
                () -> Transform.normalize(new double[]{0}, new double[]{0})).getMessage());
    }
}
