package dev.jacreg;

import dev.jacreg.bindings.jacreg_h;
import dev.jacreg.internal.NativeCall;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A libtorch tensor owned by Java. Lifetime is deterministic: {@link #close()} frees it at once
 * (closing twice is harmless), the current {@link TensorScope} closes it with the scope, and a Cleaner
 * frees it if it is ever dropped unclosed. Using a closed tensor throws {@link IllegalStateException}.
 *
 * <p>Every operation returns a new tensor (owned by the current scope, whatever the inputs' owners)
 * and never closes its arguments. In-place updates ({@code ...InPlace}) return {@code this}. New
 * tensors are created on {@link Device#defaultDevice()}. A tensor is not safe for concurrent use.
 */
public final class Tensor implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong LIVE = new AtomicLong();

    private final MemorySegment handle;
    private final Cleaner.Cleanable cleanable;
    private boolean closed;
    TensorScope owner;  // maintained by TensorScope

    private Tensor(MemorySegment handle) {
        this.handle = handle;
        LIVE.incrementAndGet();
        this.cleanable = CLEANER.register(this, new Release(handle));
        TensorScope.adopt(this);
    }

    /** Frees the native handle; runs once, from close() or from the Cleaner. */
    private record Release(MemorySegment handle) implements Runnable {
        @Override
        public void run() {
            jacreg_h.jr_tensor_free(handle);
            LIVE.decrementAndGet();
        }
    }

    static Tensor wrap(MemorySegment handle) {
        return new Tensor(handle);
    }

    /** Tensors created through this class and not yet closed or cleaned, process-wide. */
    public static long liveCount() {
        return LIVE.get();
    }

    MemorySegment handle() {
        if (closed) throw new IllegalStateException("tensor is closed");
        return handle;
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (owner != null) owner.release(this);
        cleanable.clean();
    }

    /** Takes this tensor out of its scope: the caller now closes it (or a scope it is kept into). */
    public Tensor releaseFromScope() {
        if (owner != null) owner.release(this);
        return this;
    }

    // ---- creation ----------------------------------------------------------------------------------

    public static Tensor of(float[] data, long... shape) {
        return fromArray(MemorySegment.ofArray(data), DType.FLOAT32, shape);
    }

    public static Tensor of(double[] data, long... shape) {
        return fromArray(MemorySegment.ofArray(data), DType.FLOAT64, shape);
    }

    public static Tensor of(long[] data, long... shape) {
        return fromArray(MemorySegment.ofArray(data), DType.INT64, shape);
    }

    /** Integer labels and indices: stored as int64, the type libtorch indexes with. */
    public static Tensor of(int[] data, long... shape) {
        return of(Arrays.stream(data).asLongStream().toArray(), shape);
    }

    /** A 0-dimensional tensor. */
    public static Tensor scalar(double value, DType dtype) {
        return full(value, dtype);
    }

    private static Tensor fromArray(MemorySegment heap, DType dtype, long[] shape) {
        checkShape(shape);
        long numel = numel(shape);
        if (numel * dtype.byteSize() != heap.byteSize()) {
            throw new IllegalArgumentException("array of " + heap.byteSize() / dtype.byteSize() + " elements does not fit shape "
                    + Arrays.toString(shape) + " (" + numel + " elements)");
        }
        Device device = Device.defaultDevice();
        NativeCall call = Torch.call();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(Math.max(1, heap.byteSize()), 16);
            MemorySegment.copy(heap, 0, data, 0, heap.byteSize());
            MemorySegment dims = call.longs(shape);
            return wrap(call.handle(jacreg_h.jr_tensor_from_data(data, heap.byteSize(), dims, shape.length, dtype.code(),
                    deviceType(device), device.index(), call.error())));
        }
    }

    public static Tensor zeros(long... shape) {
        return zeros(DType.FLOAT32, shape);
    }

    public static Tensor zeros(DType dtype, long... shape) {
        checkShape(shape);
        Device device = Device.defaultDevice();
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_zeros(call.longs(shape), shape.length, dtype.code(), deviceType(device),
                device.index(), call.error())));
    }

    public static Tensor ones(long... shape) {
        return ones(DType.FLOAT32, shape);
    }

    public static Tensor ones(DType dtype, long... shape) {
        checkShape(shape);
        Device device = Device.defaultDevice();
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_ones(call.longs(shape), shape.length, dtype.code(), deviceType(device),
                device.index(), call.error())));
    }

    public static Tensor full(double value, DType dtype, long... shape) {
        checkShape(shape);
        Device device = Device.defaultDevice();
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_full(call.longs(shape), shape.length, value, dtype.code(),
                deviceType(device), device.index(), call.error())));
    }

    /** Uniform on [0, 1), from libtorch's default generator ({@link Torch#manualSeed}). */
    public static Tensor rand(DType dtype, long... shape) {
        checkShape(shape);
        Device device = Device.defaultDevice();
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_rand(call.longs(shape), shape.length, dtype.code(), deviceType(device),
                device.index(), call.error())));
    }

    /** Standard normal, from libtorch's default generator. */
    public static Tensor randn(DType dtype, long... shape) {
        checkShape(shape);
        Device device = Device.defaultDevice();
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_randn(call.longs(shape), shape.length, dtype.code(), deviceType(device),
                device.index(), call.error())));
    }

    /** Uniform integers in [low, high), int64. */
    public static Tensor randint(long low, long high, long... shape) {
        checkShape(shape);
        if (high <= low) throw new IllegalArgumentException("randint needs low < high, got [" + low + ", " + high + ")");
        Device device = Device.defaultDevice();
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_randint(low, high, call.longs(shape), shape.length, deviceType(device),
                device.index(), call.error())));
    }

    /** A random permutation of 0..n-1, int64. */
    public static Tensor randperm(long n) {
        if (n < 0) throw new IllegalArgumentException("randperm needs n >= 0, got " + n);
        Device device = Device.defaultDevice();
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_randperm(n, deviceType(device), device.index(), call.error())));
    }

    // ---- queries -----------------------------------------------------------------------------------

    public long[] shape() {
        NativeCall call = Torch.call();
        int dim = (int) call.status(jacreg_h.jr_tensor_sizes(handle(), call.scratch(), 64, call.error()));
        long[] shape = new long[dim];
        for (int i = 0; i < dim; i++) shape[i] = call.scratchLong(i);
        return shape;
    }

    public int dim() {
        NativeCall call = Torch.call();
        return (int) call.status(jacreg_h.jr_tensor_dim(handle(), call.error()));
    }

    /** Size along one dimension; negative dims count from the end. */
    public long size(int dim) {
        long[] shape = shape();
        int d = dim < 0 ? dim + shape.length : dim;
        if (d < 0 || d >= shape.length) {
            throw new IndexOutOfBoundsException("dimension " + dim + " out of range for shape " + Arrays.toString(shape));
        }
        return shape[d];
    }

    public long numel() {
        NativeCall call = Torch.call();
        return call.status(jacreg_h.jr_tensor_numel(handle(), call.error()));
    }

    public DType dtype() {
        NativeCall call = Torch.call();
        return DType.fromCode(call.status(jacreg_h.jr_tensor_dtype(handle(), call.error())));
    }

    public Device device() {
        NativeCall call = Torch.call();
        int type = call.status(jacreg_h.jr_tensor_device_type(handle(), call.error()));
        int index = call.status(jacreg_h.jr_tensor_device_index(handle(), call.error()));
        return type == jacreg_h.JR_DEVICE_CUDA() ? Device.cuda(index) : Device.CPU;
    }

    /** The single value of a one-element tensor. */
    public double item() {
        NativeCall call = Torch.call();
        return call.value(jacreg_h.jr_tensor_item_double(handle(), call.error()));
    }

    public long itemLong() {
        NativeCall call = Torch.call();
        call.status(jacreg_h.jr_tensor_item_int64(handle(), call.scratch(), call.error()));
        return call.scratchLong(0);
    }

    // ---- copying out -------------------------------------------------------------------------------

    /** All elements in row-major order, converted to float when the dtype differs. */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(numel())];
        copyOut(DType.FLOAT32, MemorySegment.ofArray(out));
        return out;
    }

    public double[] toDoubleArray() {
        double[] out = new double[Math.toIntExact(numel())];
        copyOut(DType.FLOAT64, MemorySegment.ofArray(out));
        return out;
    }

    public long[] toLongArray() {
        long[] out = new long[Math.toIntExact(numel())];
        copyOut(DType.INT64, MemorySegment.ofArray(out));
        return out;
    }

    private void copyOut(DType want, MemorySegment target) {
        if (dtype() != want) {
            try (Tensor converted = to(want)) {
                converted.copyOut(want, target);
            }
            return;
        }
        NativeCall call = Torch.call();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, target.byteSize()), 16);
            call.status(jacreg_h.jr_tensor_copy_to(handle(), buffer, target.byteSize(), call.error()));
            MemorySegment.copy(buffer, 0, target, 0, target.byteSize());
        }
    }

    // ---- conversion and views ----------------------------------------------------------------------

    public Tensor to(Device device) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_to(handle(), dtype().code(), deviceType(device), device.index(),
                call.error())));
    }

    public Tensor to(DType dtype) {
        Device device = device();
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_to(handle(), dtype.code(), deviceType(device), device.index(),
                call.error())));
    }

    /** A copy that autograd still connects to this tensor. */
    @SuppressWarnings("MethodDoesntCallSuperMethod")
    @Override
    public Tensor clone() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_clone(handle(), call.error())));
    }

    /** Same data, cut from the autograd graph. */
    public Tensor detach() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_detach(handle(), call.error())));
    }

    public Tensor contiguous() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_contiguous(handle(), call.error())));
    }

    /** One size may be -1 (inferred). */
    public Tensor reshape(long... shape) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_reshape(handle(), call.longs(shape), shape.length, call.error())));
    }

    public Tensor flatten() {
        return flatten(0, -1);
    }

    public Tensor flatten(long startDim, long endDim) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_flatten(handle(), startDim, endDim, call.error())));
    }

    public Tensor select(long dim, long index) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_select(handle(), dim, index, call.error())));
    }

    public Tensor narrow(long dim, long start, long length) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_narrow(handle(), dim, start, length, call.error())));
    }

    public Tensor indexSelect(long dim, Tensor index) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_index_select(handle(), dim, index.handle(), call.error())));
    }

    public static Tensor cat(List<Tensor> tensors, long dim) {
        return join(tensors, dim, true);
    }

    public static Tensor stack(List<Tensor> tensors, long dim) {
        return join(tensors, dim, false);
    }

    private static Tensor join(List<Tensor> tensors, long dim, boolean cat) {
        if (tensors.isEmpty()) throw new IllegalArgumentException((cat ? "cat" : "stack") + " needs at least one tensor");
        NativeCall call = Torch.call();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment list = handles(arena, tensors);
            MemorySegment result = cat ? jacreg_h.jr_tensor_cat(list, tensors.size(), dim, call.error())
                                       : jacreg_h.jr_tensor_stack(list, tensors.size(), dim, call.error());
            return wrap(call.handle(result));
        }
    }

    // ---- arithmetic --------------------------------------------------------------------------------

    public Tensor add(Tensor other) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_add(handle(), other.handle(), call.error())));
    }

    public Tensor sub(Tensor other) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_sub(handle(), other.handle(), call.error())));
    }

    public Tensor mul(Tensor other) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_mul(handle(), other.handle(), call.error())));
    }

    public Tensor div(Tensor other) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_div(handle(), other.handle(), call.error())));
    }

    public Tensor pow(Tensor exponent) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_pow(handle(), exponent.handle(), call.error())));
    }

    public Tensor add(double value) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_add_scalar(handle(), value, call.error())));
    }

    public Tensor sub(double value) {
        return add(-value);
    }

    public Tensor mul(double value) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_mul_scalar(handle(), value, call.error())));
    }

    /** Division by a scalar, as multiplication by its reciprocal (floating-point tensors). */
    public Tensor div(double value) {
        return mul(1.0 / value);
    }

    public Tensor pow(double exponent) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_pow_scalar(handle(), exponent, call.error())));
    }

    public Tensor square() {
        return mul(this);
    }

    public Tensor neg() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_neg(handle(), call.error())));
    }

    public Tensor exp() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_exp(handle(), call.error())));
    }

    public Tensor log() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_log(handle(), call.error())));
    }

    public Tensor sqrt() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_sqrt(handle(), call.error())));
    }

    public Tensor abs() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_abs(handle(), call.error())));
    }

    public Tensor matmul(Tensor other) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_matmul(handle(), other.handle(), call.error())));
    }

    // ---- reductions --------------------------------------------------------------------------------

    public Tensor sum() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_sum(handle(), call.error())));
    }

    public Tensor sum(long[] dims, boolean keepDim) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_sum_dims(handle(), call.longs(dims), dims.length, keepDim ? 1 : 0,
                call.error())));
    }

    public Tensor mean() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_mean(handle(), call.error())));
    }

    public Tensor mean(long[] dims, boolean keepDim) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_mean_dims(handle(), call.longs(dims), dims.length, keepDim ? 1 : 0,
                call.error())));
    }

    public Tensor max() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_max(handle(), call.error())));
    }

    public Tensor min() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_min(handle(), call.error())));
    }

    public Tensor argmax(long dim) {
        return argmax(dim, false);
    }

    public Tensor argmax(long dim, boolean keepDim) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_argmax(handle(), dim, keepDim ? 1 : 0, call.error())));
    }

    // ---- comparison and selection ------------------------------------------------------------------

    public Tensor eq(Tensor other) { return compare(other, jacreg_h.JR_COMPARE_EQ()); }
    public Tensor ne(Tensor other) { return compare(other, jacreg_h.JR_COMPARE_NE()); }
    public Tensor lt(Tensor other) { return compare(other, jacreg_h.JR_COMPARE_LT()); }
    public Tensor le(Tensor other) { return compare(other, jacreg_h.JR_COMPARE_LE()); }
    public Tensor gt(Tensor other) { return compare(other, jacreg_h.JR_COMPARE_GT()); }
    public Tensor ge(Tensor other) { return compare(other, jacreg_h.JR_COMPARE_GE()); }
    public Tensor eq(double value) { return compare(value, jacreg_h.JR_COMPARE_EQ()); }
    public Tensor ne(double value) { return compare(value, jacreg_h.JR_COMPARE_NE()); }
    public Tensor lt(double value) { return compare(value, jacreg_h.JR_COMPARE_LT()); }
    public Tensor le(double value) { return compare(value, jacreg_h.JR_COMPARE_LE()); }
    public Tensor gt(double value) { return compare(value, jacreg_h.JR_COMPARE_GT()); }
    public Tensor ge(double value) { return compare(value, jacreg_h.JR_COMPARE_GE()); }

    private Tensor compare(Tensor other, int op) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_compare(handle(), other.handle(), op, call.error())));
    }

    private Tensor compare(double value, int op) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_compare_scalar(handle(), value, op, call.error())));
    }

    /** Elementwise {@code condition ? ifTrue : ifFalse}, broadcasting. */
    public static Tensor where(Tensor condition, Tensor ifTrue, Tensor ifFalse) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_where(condition.handle(), ifTrue.handle(), ifFalse.handle(),
                call.error())));
    }

    // ---- in-place updates (for optimisers and statistics; return this) -----------------------------

    /** this += alpha * other */
    public Tensor addInPlace(Tensor other, double alpha) {
        NativeCall call = Torch.call();
        call.status(jacreg_h.jr_tensor_add_(handle(), other.handle(), alpha, call.error()));
        return this;
    }

    public Tensor mulInPlace(double value) {
        NativeCall call = Torch.call();
        call.status(jacreg_h.jr_tensor_mul_scalar_(handle(), value, call.error()));
        return this;
    }

    public Tensor copyFrom(Tensor source) {
        NativeCall call = Torch.call();
        call.status(jacreg_h.jr_tensor_copy_(handle(), source.handle(), call.error()));
        return this;
    }

    public Tensor fillInPlace(double value) {
        NativeCall call = Torch.call();
        call.status(jacreg_h.jr_tensor_fill_(handle(), value, call.error()));
        return this;
    }

    public Tensor zeroInPlace() {
        NativeCall call = Torch.call();
        call.status(jacreg_h.jr_tensor_zero_(handle(), call.error()));
        return this;
    }

    // ---- autograd ----------------------------------------------------------------------------------

    public boolean requiresGrad() {
        NativeCall call = Torch.call();
        return call.status(jacreg_h.jr_tensor_requires_grad(handle(), call.error())) == 1;
    }

    /** Marks a leaf tensor for gradient tracking; returns this. */
    public Tensor requiresGrad(boolean requiresGrad) {
        NativeCall call = Torch.call();
        call.status(jacreg_h.jr_tensor_set_requires_grad(handle(), requiresGrad ? 1 : 0, call.error()));
        return this;
    }

    /** The accumulated gradient as a new tensor, or null when backward has not reached this tensor. */
    public Tensor grad() {
        NativeCall call = Torch.call();
        call.status(jacreg_h.jr_tensor_grad(handle(), call.scratch(), call.error()));
        MemorySegment result = call.scratch().get(ValueLayout.ADDRESS, 0);
        return result.address() == 0 ? null : wrap(result);
    }

    /** Drops the accumulated gradient, so the next backward starts from nothing. */
    public Tensor clearGrad() {
        NativeCall call = Torch.call();
        call.status(jacreg_h.jr_tensor_clear_grad(handle(), call.error()));
        return this;
    }

    /** Backpropagates from a scalar. */
    public void backward() {
        backward(null, false, false);
    }

    public void backward(Tensor gradient, boolean retainGraph, boolean createGraph) {
        NativeCall call = Torch.call();
        MemorySegment seed = gradient == null ? MemorySegment.NULL : gradient.handle();
        call.status(jacreg_h.jr_tensor_backward(handle(), seed, retainGraph ? 1 : 0, createGraph ? 1 : 0, call.error()));
    }

    // ---- helpers -----------------------------------------------------------------------------------

    static MemorySegment handles(Arena arena, List<Tensor> tensors) {
        MemorySegment list = arena.allocate(ValueLayout.ADDRESS, Math.max(1, tensors.size()));
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            list.setAtIndex(ValueLayout.ADDRESS, i, t == null ? MemorySegment.NULL : t.handle());
        }
        return list;
    }

    static int deviceType(Device device) {
        return device.isCuda() ? jacreg_h.JR_DEVICE_CUDA() : jacreg_h.JR_DEVICE_CPU();
    }

    private static void checkShape(long[] shape) {
        for (long size : shape) {
            if (size < 0) throw new IllegalArgumentException("negative size in shape " + Arrays.toString(shape));
        }
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long size : shape) n = Math.multiplyExact(n, size);
        return n;
    }

    @Override
    public String toString() {
        if (closed) return "Tensor[closed]";
        return "Tensor[shape=" + Arrays.toString(shape()) + ", dtype=" + dtype() + ", device=" + device() + "]";
    }
}
