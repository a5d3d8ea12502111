package dev.jacreg;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Seeded fuzz of random op sequences with random, often bad, arguments: wrong shapes and dims, negative
 * sizes, mixed dtypes, closed tensors, null arguments, NaN and infinite scalars. Every call must end in a
 * result or a Java exception with a message (never a JVM crash or an Error), and once a sequence's scope
 * is closed the live handle counts are back where they started. The normal run makes
 * {@code jacreg.fuzz.calls} = 2,000 calls; {@code make soak} / {@code -Psoak} makes 100,000. A failure
 * names the sequence's seed and the step; {@code -Djacreg.fuzz.seed=N} replays that sequence.
 */
class OpSequenceFuzzTest {
    private static final int OPS = 50;
    private static final int STEPS = 40;
    private static final long CALLS = Long.getLong("jacreg.fuzz.calls", 2_000);
    private static final Set<Class<? extends RuntimeException>> EXPECTED = Set.of(TorchException.class,
            IllegalArgumentException.class, IllegalStateException.class, IndexOutOfBoundsException.class,
            NullPointerException.class);
    private static final double[] SCALARS = {0.0, 1.0, -1.0, 2.5, -0.5, Double.NaN, Double.POSITIVE_INFINITY, 1e300};

    /** One call: which op, which pool tensors, and its raw (often bad) arguments. */
    record Step(int op, int first, int second, int dim, int other, int length, long[] shape, double value) {
        static Step random(SplittableRandom r) {
            long[] shape = new long[r.nextInt(5)];
            for (int i = 0; i < shape.length; i++) shape[i] = r.nextInt(-1, 5);
            double value = r.nextBoolean() ? r.nextDouble(-3, 3) : SCALARS[r.nextInt(SCALARS.length)];
            return new Step(r.nextInt(OPS), r.nextInt(64), r.nextInt(64), r.nextInt(-5, 6), r.nextInt(-5, 6),
                    r.nextInt(-2, 7), shape, value);
        }

        @Override
        public String toString() {
            return "op " + op + " on #" + first + ", #" + second + " dim " + dim + "/" + other + " len " + length
                    + " shape " + Arrays.toString(shape) + " value " + value;
        }
    }

    @BeforeAll
    static void collectEarlierGarbage() {
        LiveCounts.settle();  // the sequences leave no garbage of their own: everything is in their scopes
    }

    @Test
    void everyCallEndsInAResultOrAJavaException() {
        Long replay = Long.getLong("jacreg.fuzz.seed");
        long sequences = replay != null ? 1 : Math.max(1, CALLS / STEPS);
        SplittableRandom seeds = new SplittableRandom(20261125);
        for (long n = 0; n < sequences; n++) {
            long seed = replay != null ? replay : seeds.nextLong();
            runSequence(seed);
        }
    }

    private static void runSequence(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long javaBefore = Tensor.liveCount(), nativeBefore = Torch.nativeLiveTensors();
        List<Tensor> pool = new ArrayList<>();
        try (TensorScope scope = TensorScope.open()) {
            seed(pool);
            for (int i = 0; i < STEPS; i++) {
                Step step = Step.random(random);
                String where = "sequence seed " + seed + " (-Djacreg.fuzz.seed=" + seed + "), step " + i + ": " + step;
                try {
                    Object result = apply(step, pool);
                    if (result instanceof Tensor t && pool.size() < 64) pool.add(t);
                } catch (RuntimeException e) {
                    if (EXPECTED.stream().noneMatch(c -> c.isInstance(e))) throw new AssertionError("unexpected exception at " + where, e);
                    if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("no message at " + where, e);
                }
            }
        }
        String where = "after sequence seed " + seed;
        for (Tensor t : pool) assertTrue(t.isClosed(), "a tensor outlived its scope " + where);
        assertEquals(javaBefore, Tensor.liveCount(), "Java-side live tensors " + where);
        assertEquals(nativeBefore, Torch.nativeLiveTensors(), "native live tensors " + where);
        assertTrue(Autograd.isGradEnabled(), "gradient mode leaked " + where);
    }

    private static void seed(List<Tensor> pool) {
        pool.add(Tensor.rand(DType.FLOAT32, 2, 3));
        pool.add(Tensor.randn(DType.FLOAT64, 3, 3));
        pool.add(Tensor.of(new long[]{0, 2, 1}, 3));
        pool.add(Tensor.rand(DType.FLOAT32, 2, 3, 5, 5));
        pool.add(Tensor.randn(DType.FLOAT32, 4, 3, 3, 3));
        pool.add(Tensor.ones(3).requiresGrad(true));
        pool.add(Tensor.scalar(2.0, DType.FLOAT32));
    }

    private static Object apply(Step s, List<Tensor> pool) {
        Tensor a = pool.get(Math.floorMod(s.first(), pool.size()));
        Tensor b = s.other() == -5 ? null : pool.get(Math.floorMod(s.second(), pool.size()));  // sometimes null
        DType dtype = DType.values()[Math.floorMod(s.dim() + s.length(), DType.values().length)];
        long[] shape = s.shape();
        int dim = s.dim();
        double x = s.value();
        return switch (s.op()) {
            case 0 -> Tensor.zeros(dtype, shape);
            case 1 -> Tensor.ones(dtype, shape);
            case 2 -> Tensor.full(x, dtype, shape);
            case 3 -> Tensor.rand(dtype, shape);
            case 4 -> Tensor.randn(dtype, shape);
            case 5 -> Tensor.randint(dim, s.other(), shape);
            case 6 -> Tensor.randperm(s.length());
            case 7 -> Tensor.of(new float[Math.max(0, s.length())], shape);
            case 8 -> a.add(b);
            case 9 -> a.sub(b);
            case 10 -> a.mul(b);
            case 11 -> a.div(b);
            case 12 -> a.pow(b);
            case 13 -> a.matmul(b);
            case 14 -> a.add(x);
            case 15 -> a.mul(x);
            case 16 -> a.pow(x);
            case 17 -> switch (Math.floorMod(dim, 5)) {
                case 0 -> a.neg();
                case 1 -> a.exp();
                case 2 -> a.log();
                case 3 -> a.sqrt();
                default -> a.abs();
            };
            case 18 -> a.sum();
            case 19 -> a.mean();
            case 20 -> a.max();
            case 21 -> a.min();
            case 22 -> a.argmax(dim, s.other() > 0);
            case 23 -> a.sum(new long[]{dim}, s.other() > 0);
            case 24 -> a.mean(new long[]{dim, s.other()}, false);
            case 25 -> a.reshape(shape);
            case 26 -> a.flatten(dim, s.other());
            case 27 -> a.select(dim, s.other());
            case 28 -> a.narrow(dim, s.other(), s.length());
            case 29 -> a.indexSelect(dim, b);
            case 30 -> Tensor.cat(List.of(a, b == null ? a : b), dim);
            case 31 -> Tensor.stack(List.of(a, b == null ? a : b), dim);
            case 32 -> a.to(dtype);
            case 33 -> switch (Math.floorMod(dim, 6)) {
                case 0 -> a.eq(b);
                case 1 -> a.lt(x);
                case 2 -> Tensor.where(a.gt(0.5), a, b);
                case 3 -> a.clone();
                case 4 -> a.detach();
                default -> a.contiguous();
            };
            case 34 -> Functional.linear(a, b, s.other() > 0 ? null : a);
            case 35 -> Functional.conv2d(a, b, null, s.length(), s.other());
            case 36 -> Functional.batchNorm(a, null, null, s.other() > 0 ? b : null, s.other() > 0 ? b : null, dim > 0, 0.1, 1e-5);
            case 37 -> switch (Math.floorMod(dim, 3)) {
                case 0 -> Functional.relu(a);
                case 1 -> Functional.softmax(a, s.other());
                default -> Functional.logSoftmax(a, s.other());
            };
            case 38 -> Functional.oneHot(a, s.length());
            case 39 -> a.addInPlace(b, x);
            case 40 -> switch (Math.floorMod(dim, 4)) {
                case 0 -> a.mulInPlace(x);
                case 1 -> a.fillInPlace(x);
                case 2 -> a.zeroInPlace();
                default -> a.copyFrom(b);
            };
            case 41 -> a.requiresGrad(s.other() > 0);
            case 42 -> {
                a.backward();
                yield a.grad();
            }
            case 43 -> Autograd.grad(a, b, s.other() > 0);
            case 44 -> {
                try (var off = Autograd.noGrad()) {
                    yield a.mul(b);
                }
            }
            case 45 -> Arrays.toString(a.shape()) + a.dim() + a.numel() + a.dtype() + a.device() + a;
            case 46 -> switch (Math.floorMod(dim, 3)) {
                case 0 -> a.item();
                case 1 -> a.itemLong();
                default -> a.toFloatArray();
            };
            case 47 -> {
                if (s.other() > 2) a.close();  // later steps then meet a closed tensor
                yield null;
            }
            case 48 -> Functional.maxPool2d(a, new long[]{dim, s.length()}, new long[]{s.other(), s.length()},
                    new long[]{s.other(), dim});  // two or three int64[] arguments in one call
            case 49 -> Functional.dropout(a, x, dim > 0);  // p outside [0, 1) is refused in Java
            default -> throw new AssertionError("no op " + s.op());
        };
    }
}
