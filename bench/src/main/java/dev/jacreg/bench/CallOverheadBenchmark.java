package dev.jacreg.bench;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.bindings.jacreg_h;
import dev.jacreg.internal.NativeCall;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Per-call costs of the Java layer, in ns per operation (average over millions of calls; the error is
 * JMH's 99.9 % confidence interval):
 * <ul>
 *   <li>{@code noop}: {@code Torch.noop()}, the bare FFM downcall; {@code noopCritical}: the same symbol
 *       through a {@code Linker.Option.critical} handle (no thread-state transition), for reference;</li>
 *   <li>{@code smallOp*}: {@code a.add(b)} on 1-element float32 tensors plus closing the result — without
 *       any scope, inside a scope opened and closed per op, and inside one scope per 100 ops; {@code
 *       smallOpRawHandles}: the same add + free through the generated bindings with raw handles (no
 *       {@code Tensor}, no Cleaner, no scope), so the difference is the Java layer's per-tensor cost;</li>
 *   <li>{@code fromFloatArray} / {@code toFloatArray}: a 32×784 float[] into a tensor (and close) / back out;
 *       {@code copyOut*} / {@code copyInCriticalHeap}: the same through raw handles with a fresh arena, a
 *       reused native buffer, and a {@code critical(true)} handle that reads/writes the array in place;</li>
 *   <li>{@code cleanerRegisterClean}, {@code threadLocalGet}, {@code nativeCallCurrent}: the pieces every
 *       tensor creation or call pays, measured alone.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CallOverheadBenchmark {
    private static final int OPS_PER_SCOPE = 100;
    private static final Cleaner CLEANER = Cleaner.create();
    private static final ThreadLocal<Object> LOCAL = ThreadLocal.withInitial(Object::new);

    private Tensor a;
    private Tensor b;
    private Tensor batch;
    private float[] pixels;
    private Arena arena;
    private MemorySegment rawA;
    private MemorySegment rawB;
    private MemorySegment error;
    private MethodHandle noopCritical;
    private MethodHandle copyToHeap;
    private MethodHandle fromHeap;
    private MemorySegment rawBatch;
    private MemorySegment batchShape;
    private MemorySegment reusedBuffer;
    private float[] out;

    @Setup(Level.Trial)
    public void setup() {
        BenchSupport.configureThreads();
        Torch.manualSeed(42);
        a = Tensor.rand(DType.FLOAT32, 1);
        b = Tensor.rand(DType.FLOAT32, 1);
        pixels = new float[BenchSupport.BATCH * BenchSupport.IMG * BenchSupport.IMG];
        Random random = new Random(42);
        for (int i = 0; i < pixels.length; i++) pixels[i] = random.nextFloat();
        batch = Tensor.of(pixels, BenchSupport.BATCH, 1, BenchSupport.IMG, BenchSupport.IMG);
        arena = Arena.ofConfined();
        error = NativeCall.current().error();
        MemorySegment shape = arena.allocateFrom(ValueLayout.JAVA_LONG, 1L);
        rawA = jacreg_h.jr_tensor_rand(shape, 1, jacreg_h.JR_DTYPE_FLOAT32(), jacreg_h.JR_DEVICE_CPU(), 0, error);
        rawB = jacreg_h.jr_tensor_rand(shape, 1, jacreg_h.JR_DTYPE_FLOAT32(), jacreg_h.JR_DEVICE_CPU(), 0, error);
        noopCritical = Linker.nativeLinker().downcallHandle(jacreg_h.jr_noop$address(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT), Linker.Option.critical(false));
        // The same shim functions, but allowed to read/write Java arrays in place (no native staging buffer).
        copyToHeap = Linker.nativeLinker().downcallHandle(jacreg_h.jr_tensor_copy_to$address(),
                jacreg_h.jr_tensor_copy_to$descriptor(), Linker.Option.critical(true));
        fromHeap = Linker.nativeLinker().downcallHandle(jacreg_h.jr_tensor_from_data$address(),
                jacreg_h.jr_tensor_from_data$descriptor(), Linker.Option.critical(true));
        batchShape = arena.allocateFrom(ValueLayout.JAVA_LONG, BenchSupport.BATCH, 1, BenchSupport.IMG, BenchSupport.IMG);
        reusedBuffer = arena.allocate((long) pixels.length * Float.BYTES, 16);
        MemorySegment.copy(MemorySegment.ofArray(pixels), 0, reusedBuffer, 0, reusedBuffer.byteSize());
        rawBatch = jacreg_h.jr_tensor_from_data(reusedBuffer, reusedBuffer.byteSize(), batchShape, 4,
                jacreg_h.JR_DTYPE_FLOAT32(), jacreg_h.JR_DEVICE_CPU(), 0, error);
        out = new float[pixels.length];
    }

    @Benchmark
    public int noop() {
        return Torch.noop();
    }

    @Benchmark
    public int noopCritical() throws Throwable {
        return (int) noopCritical.invokeExact();
    }

    @Benchmark
    public void smallOpNoScope(Blackhole bh) {
        Tensor c = a.add(b);
        bh.consume(c);
        c.close();
    }

    @Benchmark
    public void smallOpScopePerOp(Blackhole bh) {
        try (TensorScope scope = TensorScope.open()) {
            bh.consume(a.add(b));
        }
    }

    /** 100 adds whose results the scope closes: ns per op = score / 100. */
    @Benchmark
    @org.openjdk.jmh.annotations.OperationsPerInvocation(OPS_PER_SCOPE)
    public void smallOpScopeOf100(Blackhole bh) {
        try (TensorScope scope = TensorScope.open()) {
            for (int i = 0; i < OPS_PER_SCOPE; i++) bh.consume(a.add(b));
        }
    }

    @Benchmark
    public void smallOpRawHandles(Blackhole bh) {
        MemorySegment c = jacreg_h.jr_tensor_add(rawA, rawB, error);
        bh.consume(c);
        jacreg_h.jr_tensor_free(c);
    }

    @Benchmark
    public void fromFloatArray(Blackhole bh) {
        Tensor t = Tensor.of(pixels, BenchSupport.BATCH, 1, BenchSupport.IMG, BenchSupport.IMG);
        bh.consume(t);
        t.close();
    }

    @Benchmark
    public float[] toFloatArray() {
        return batch.toFloatArray();
    }

    /** Only the new float[32×784] that toFloatArray returns (allocation and zeroing, GC included). */
    @Benchmark
    public float[] allocFloatArray() {
        return new float[pixels.length];
    }

    /** Copy-out through the raw bindings with a fresh confined arena per call (what toFloatArray does, minus queries). */
    @Benchmark
    public float[] copyOutRawFreshArena() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment buffer = call.allocate((long) out.length * Float.BYTES, 16);
            jacreg_h.jr_tensor_copy_to(rawBatch, buffer, buffer.byteSize(), error);
            MemorySegment.copy(buffer, 0, MemorySegment.ofArray(out), 0, buffer.byteSize());
        }
        return out;
    }

    /** Copy-out through a reused native buffer: no allocation, still two copies. */
    @Benchmark
    public float[] copyOutRawReusedBuffer() {
        jacreg_h.jr_tensor_copy_to(rawBatch, reusedBuffer, reusedBuffer.byteSize(), error);
        MemorySegment.copy(reusedBuffer, 0, MemorySegment.ofArray(out), 0, reusedBuffer.byteSize());
        return out;
    }

    /** Copy-out straight into the float[] (Linker.Option.critical(true)): one copy. */
    @Benchmark
    public float[] copyOutCriticalHeap() throws Throwable {
        int status = (int) copyToHeap.invokeExact(rawBatch, MemorySegment.ofArray(out), (long) out.length * Float.BYTES, error);
        if (status != 0) throw new IllegalStateException("copy failed");
        return out;
    }

    /** Tensor from the float[] in place (Linker.Option.critical(true)) and free: one copy. */
    @Benchmark
    public void copyInCriticalHeap(Blackhole bh) throws Throwable {
        MemorySegment t = (MemorySegment) fromHeap.invokeExact(MemorySegment.ofArray(pixels), (long) pixels.length * Float.BYTES,
                batchShape, 4L, jacreg_h.JR_DTYPE_FLOAT32(), jacreg_h.JR_DEVICE_CPU(), 0, error);
        bh.consume(t);
        jacreg_h.jr_tensor_free(t);
    }

    @Benchmark
    public void cleanerRegisterClean(Blackhole bh) {
        Object o = new Object();
        Cleaner.Cleanable cleanable = CLEANER.register(o, () -> { });
        bh.consume(o);
        cleanable.clean();
    }

    @Benchmark
    public Object threadLocalGet() {
        return LOCAL.get();
    }

    @Benchmark
    public MemorySegment nativeCallCurrent() {
        return NativeCall.current().error();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        jacreg_h.jr_tensor_free(rawA);
        jacreg_h.jr_tensor_free(rawB);
        jacreg_h.jr_tensor_free(rawBatch);
        arena.close();
        a.close();
        b.close();
        batch.close();
    }
}
