package dev.jacreg;

import java.util.SplittableRandom;

/**
 * A source of random tensors: uniform values, standard normals and permutations. Everything in jacreg that
 * draws at random (initial weights, shuffling, penalty directions, test noise) takes one, so that who draws
 * from which stream is explicit.
 *
 * <p>{@link #libtorch()} draws from libtorch's default generator, which is process-global: two threads drawing
 * from it interleave nondeterministically. {@link #seeded(long)} draws in Java from a private
 * {@link SplittableRandom} and uploads the values, so its tensors depend only on its seed and the order of its
 * own draws, whatever other threads do. Each instance is meant for one thread at a time.
 */
public interface RandomStream {
    /**
     * Uniform on [0, 1).
     *
     * @param dtype a floating-point type
     * @param shape the tensor's shape
     * @return a new tensor (current scope)
     */
    Tensor uniform(DType dtype, long... shape);

    /**
     * Standard normal.
     *
     * @param dtype a floating-point type
     * @param shape the tensor's shape
     * @return a new tensor (current scope) of mean 0 and variance 1
     */
    Tensor normal(DType dtype, long... shape);

    /**
     * A random permutation of 0..n-1, int64.
     *
     * @param n the number of elements, &gt;= 0
     * @return a new tensor (current scope) of n elements
     */
    Tensor permutation(long n);

    /**
     * A new stream, independent of this one, for a second purpose; taking it advances this stream by a fixed
     * amount, so the pair stays reproducible. (libtorch's global generator has only itself to give.)
     *
     * @return the new stream
     */
    RandomStream split();

    /** {@return libtorch's default generator (seed it with {@link Torch#manualSeed})} */
    static RandomStream libtorch() {
        return LibtorchRandom.INSTANCE;
    }

    /**
     * A private Java-side stream whose draws depend only on the seed.
     *
     * @param seed any value
     * @return the stream
     */
    static RandomStream seeded(long seed) {
        return new JavaRandom(new SplittableRandom(seed));
    }

    /**
     * A seed for one purpose derived from a base seed, e.g. {@code derive(7, "noise")}: different purposes and
     * different base seeds give unrelated seeds (SplitMix64 finaliser over both).
     *
     * @param seed the base seed
     * @param purpose a name for what the derived seed is for
     * @return the derived seed
     */
    static long derive(long seed, String purpose) {
        long z = seed * 0x9E3779B97F4A7C15L + purpose.hashCode();
        for (int i = 0; i < 2; i++) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
        }
        return z;
    }

    /** The draws of {@link Tensor#rand}, {@link Tensor#randn} and {@link Tensor#randperm}. */
    final class LibtorchRandom implements RandomStream {
        static final LibtorchRandom INSTANCE = new LibtorchRandom();

        private LibtorchRandom() {}

        @Override
        public Tensor uniform(DType dtype, long... shape) {
            return Tensor.rand(dtype, shape);
        }

        @Override
        public Tensor normal(DType dtype, long... shape) {
            return Tensor.randn(dtype, shape);
        }

        @Override
        public Tensor permutation(long n) {
            return Tensor.randperm(n);
        }

        @Override
        public RandomStream split() {
            return this;
        }
    }

    /** Draws with {@link SplittableRandom} and uploads them with {@link Tensor#of}. */
    final class JavaRandom implements RandomStream {
        private final SplittableRandom random;

        JavaRandom(SplittableRandom random) {
            this.random = random;
        }

        @Override
        public Tensor uniform(DType dtype, long... shape) {
            int n = count(shape);
            return switch (dtype) {
                case FLOAT32 -> {
                    float[] v = new float[n];
                    for (int i = 0; i < n; i++) v[i] = random.nextFloat();
                    yield Tensor.of(v, shape);
                }
                case FLOAT64 -> {
                    double[] v = new double[n];
                    for (int i = 0; i < n; i++) v[i] = random.nextDouble();
                    yield Tensor.of(v, shape);
                }
                default -> uploadAs(dtype, uniform(DType.FLOAT64, shape));
            };
        }

        @Override
        public Tensor normal(DType dtype, long... shape) {
            int n = count(shape);
            if (dtype == DType.FLOAT32) {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) v[i] = (float) random.nextGaussian();
                return Tensor.of(v, shape);
            }
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = random.nextGaussian();
            return dtype == DType.FLOAT64 ? Tensor.of(v, shape) : uploadAs(dtype, Tensor.of(v, shape));
        }

        @Override
        public Tensor permutation(long n) {
            if (n < 0) throw new IllegalArgumentException("permutation needs n >= 0, got " + n);
            long[] p = new long[count(new long[]{n})];
            for (int i = 0; i < p.length; i++) p[i] = i;
            for (int i = p.length - 1; i > 0; i--) {  // Fisher–Yates
                int j = random.nextInt(i + 1);
                long t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
            return Tensor.of(p, n);
        }

        @Override
        public RandomStream split() {
            return new JavaRandom(random.split());
        }

        private static Tensor uploadAs(DType dtype, Tensor values) {
            try (values) {
                return values.to(dtype);
            }
        }

        /** Java arrays hold at most 2³¹−1 values; larger draws are a caller error here. */
        private static int count(long[] shape) {
            long n = 1;
            for (long d : shape) {
                if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + java.util.Arrays.toString(shape));
                n = Math.multiplyExact(n, d);
            }
            if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("too many values for one draw: " + n);
            return (int) n;
        }
    }
}
