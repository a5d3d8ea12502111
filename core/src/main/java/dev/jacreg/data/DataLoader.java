package dev.jacreg.data;

import dev.jacreg.DType;
import dev.jacreg.Device;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * Batches of a {@link Dataset} as tensors on a device: each pass ({@link #batches(RandomStream)}) shuffles with the
 * stream it is given (or keeps the dataset's order), cuts the order into batches, drops or keeps the last partial
 * batch, applies the transform and hands out {@link Batch}es.
 *
 * <p>By default batches are <i>streamed</i>: each one is gathered from the dataset in Java and copied to the device on
 * its own, so a set larger than the device's memory still trains. With {@link Builder#preload(boolean) preload} the
 * whole set is copied to the device once and batches are gathered there (index_select): faster for sets that fit.
 * Both give the same batches, value for value. A preloading loader holds device memory: close it.
 *
 * <pre>{@code
 * try (DataLoader loader = DataLoader.builder(data).batchSize(64).dropLast(true).build()) {
 *     for (Batch batch : loader.batches(RandomStream.seeded(epochSeed))) { ... }
 * }
 * }</pre>
 */
public final class DataLoader implements AutoCloseable {
    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final Transform transform;
    private final Device device;
    private final DType dtype;
    private final TensorScope preloaded;  // null when streaming
    private final Tensor allFeatures;
    private final Tensor allLabels;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        this.transform = b.transform;
        this.device = b.device != null ? b.device.requireAvailable("(DataLoader)") : Device.defaultDevice();
        this.dtype = b.dtype;
        if (b.preload) {
            preloaded = TensorScope.detached();
            try (TensorScope scope = TensorScope.open()) {
                int[] all = new int[dataset.size()];
                for (int i = 0; i < all.length; i++) all[i] = i;
                allFeatures = preloaded.take(features(all, 0, all.length));
                allLabels = preloaded.take(labels(all, 0, all.length));
            }
        } else {
            preloaded = null;
            allFeatures = null;
            allLabels = null;
        }
    }

    /**
     * A builder over the dataset: batch size 32, in order, last partial batch kept, no transform, streamed.
     *
     * @param dataset the examples the loader reads
     * @return the builder
     */
    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    /** The settings of a {@link DataLoader}. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 32;
        private boolean shuffle;
        private boolean dropLast;
        private Transform transform;
        private Device device;
        private DType dtype = DType.FLOAT32;
        private boolean preload;

        private Builder(Dataset dataset) {
            this.dataset = Objects.requireNonNull(dataset, "dataset");
        }

        /**
         * Examples per batch, &gt;= 1.
         *
         * @param batchSize the batch size, &gt;= 1
         * @return this builder
         */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Whether each pass visits the examples in a random order (drawn from the pass's stream).
         *
         * @param shuffle true for a new random order each pass
         * @return this builder
         */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /**
         * Whether a last batch smaller than the batch size is dropped (true) or handed out (false).
         *
         * @param dropLast true to drop the last partial batch
         * @return this builder
         */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /**
         * What every batch's features go through; null for nothing.
         *
         * @param transform applied to every batch's features on the device, or null
         * @return this builder
         */
        public Builder transform(Transform transform) {
            this.transform = transform;
            return this;
        }

        /**
         * The device batches go to; by default {@link Device#defaultDevice()}.
         *
         * @param device where batches go
         * @return this builder
         */
        public Builder device(Device device) {
            this.device = Objects.requireNonNull(device, "device");
            return this;
        }

        /**
         * The floating-point type of the features; FLOAT32 by default.
         *
         * @param dtype a floating-point type
         * @return this builder
         */
        public Builder dtype(DType dtype) {
            if (!Objects.requireNonNull(dtype, "dtype").isFloatingPoint()) {
                throw new IllegalArgumentException("features must be floating point, got " + dtype);
            }
            this.dtype = dtype;
            return this;
        }

        /**
         * Copy the whole set to the device once (true) instead of streaming every batch (false, the default).
         *
         * @param preload true to copy the set to the device in {@link #build()}
         * @return this builder
         */
        public Builder preload(boolean preload) {
            this.preload = preload;
            return this;
        }

        /** {@return the loader; preloading copies the set to the device here} */
        public DataLoader build() {
            return new DataLoader(this);
        }
    }

    /** {@return the number of batches one pass hands out} */
    public int batchCount() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /**
     * The same loader's settings over the same dataset, with batches going to another device (its own preload).
     *
     * @param device where the new loader's batches go
     * @return a new loader (this one stays as it is; close both)
     */
    public DataLoader to(Device device) {
        Builder b = builder(dataset).batchSize(batchSize).shuffle(shuffle).dropLast(dropLast).transform(transform)
                .device(device).dtype(dtype).preload(preloaded != null);
        return b.build();
    }

    /**
     * One pass over the dataset. The order is drawn from {@code random} when shuffling (a permutation, first), and
     * random transforms draw from a stream split off it afterwards, so the order does not depend on the transform.
     * Each batch's tensors go to the scope current when {@code next()} is called. random may be null when neither
     * shuffling nor a random transform needs it.
     *
     * @param random the pass's stream, or null
     * @return the batches, in order; iterate once
     */
    public Iterable<Batch> batches(RandomStream random) {
        if ((shuffle || transform != null) && random == null) {
            throw new IllegalArgumentException("a shuffling or transforming loader needs a random stream for each pass");
        }
        int[] order = order(random);
        RandomStream transformRandom = transform == null ? null : random.split();
        int count = batchCount();
        return () -> new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < count;
            }

            @Override
            public Batch next() {
                if (!hasNext()) throw new NoSuchElementException("the pass has " + count + " batches");
                int from = next++ * batchSize;
                int rows = Math.min(batchSize, order.length - from);
                return batch(order, from, rows, transformRandom);
            }
        };
    }

    private int[] order(RandomStream random) {
        int n = dataset.size();
        int[] order = new int[n];
        if (shuffle) {
            try (Tensor permutation = random.permutation(n)) {
                long[] p = permutation.toLongArray();
                for (int i = 0; i < n; i++) order[i] = (int) p[i];
            }
        } else {
            for (int i = 0; i < n; i++) order[i] = i;
        }
        return order;
    }

    private Batch batch(int[] order, int from, int rows, RandomStream transformRandom) {
        Tensor features, labels;
        if (preloaded != null) {
            try (TensorScope scope = TensorScope.open()) {
                long[] picked = new long[rows];
                for (int i = 0; i < rows; i++) picked[i] = order[from + i];
                Tensor index = Tensor.of(picked, rows).to(device);
                features = allFeatures.indexSelect(0, index);
                labels = allLabels.indexSelect(0, index);
                scope.keep(features, labels);
            }
        } else {
            features = features(order, from, rows);
            labels = labels(order, from, rows);
        }
        return new Batch(transform == null ? features : transform.apply(features, transformRandom), labels);
    }

    /** The features of examples order[from..from+rows) as a tensor on the device (current scope). */
    private Tensor features(int[] order, int from, int rows) {
        int perExample = dataset.featureCount();
        float[] values = new float[Math.multiplyExact(rows, perExample)];
        for (int i = 0; i < rows; i++) dataset.copyFeatures(order[from + i], values, i * perExample);
        long[] featureShape = dataset.featureShape();
        long[] shape = new long[featureShape.length + 1];
        shape[0] = rows;
        System.arraycopy(featureShape, 0, shape, 1, featureShape.length);
        try (TensorScope scope = TensorScope.open()) {
            Tensor t = Tensor.of(values, shape);
            if (dtype != DType.FLOAT32) t = t.to(dtype);
            if (!device.equals(t.device())) t = t.to(device);
            return scope.keep(t);
        }
    }

    private Tensor labels(int[] order, int from, int rows) {
        long[] values = new long[rows];
        for (int i = 0; i < rows; i++) values[i] = dataset.label(order[from + i]);
        try (TensorScope scope = TensorScope.open()) {
            Tensor t = Tensor.of(values, rows);
            return scope.keep(device.equals(t.device()) ? t : t.to(device));
        }
    }

    /** {@return the dataset this loader reads} */
    public Dataset dataset() {
        return dataset;
    }

    /** {@return examples per batch} */
    public int batchSize() {
        return batchSize;
    }

    /** {@return whether the last partial batch is dropped} */
    public boolean dropLast() {
        return dropLast;
    }

    /** {@return whether each pass shuffles} */
    public boolean shuffles() {
        return shuffle;
    }

    /** {@return where the batches go} */
    public Device device() {
        return device;
    }

    /** {@return whether the whole set was copied to the device once} */
    public boolean preloaded() {
        return preloaded != null;
    }

    /** Frees the preloaded copy, if any. */
    @Override
    public void close() {
        if (preloaded != null && !preloaded.isClosed()) preloaded.close();
    }
}
