package dev.jacreg;

import dev.jacreg.bindings.jacreg_h;
import dev.jacreg.internal.NativeCall;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
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

    // Reachability (issue 8.1). Once handle() has been read, nothing obliges the JIT to keep its Tensor
    // alive: with no scope holding it, the Cleaner could free the handle while native code still uses
    // it. Every native call therefore passes the tensors it used to keepAlive/wrap *after* it returns;
    // Reference.reachabilityFence makes that use real (it costs nothing at run time).

    /** Wraps the result of a native call that used {@code used}'s handle. */
    static Tensor wrap(MemorySegment handle, Object used) {
        Reference.reachabilityFence(used);
        return new Tensor(handle);
    }

    static Tensor wrap(MemorySegment handle, Object used1, Object used2) {
        Reference.reachabilityFence(used1);
        Reference.reachabilityFence(used2);
        return new Tensor(handle);
    }

    static Tensor wrap(MemorySegment handle, Object used1, Object used2, Object used3) {
        Reference.reachabilityFence(used1);
        Reference.reachabilityFence(used2);
        Reference.reachabilityFence(used3);
        return new Tensor(handle);
    }

    /** Returns a native call's status after keeping the objects whose handles it used alive until then. */
    static int keepAlive(int status, Object used) {
        Reference.reachabilityFence(used);
        return status;
    }

    static long keepAlive(long status, Object used) {
        Reference.reachabilityFence(used);
        return status;
    }

    static double keepAlive(double value, Object used) {
        Reference.reachabilityFence(used);
        return value;
    }

    static int keepAlive(int status, Object used1, Object used2) {
        Reference.reachabilityFence(used1);
        Reference.reachabilityFence(used2);
        return status;
    }

    /** Tensors created through this class and not yet closed or cleaned, process-wide. */
    public static long liveCount() {
        return LIVE.get();
    }

    /** The handle of a tensor argument, with a clear message when it is null. */
    static MemorySegment handleOf(Tensor tensor, String name) {
        return Objects.requireNonNull(tensor, name).handle();
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
        Objects.requireNonNull(data, "data");
        return fromArray(MemorySegment.ofArray(data), DType.FLOAT32, shape);
    }

    public static Tensor of(double[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        return fromArray(MemorySegment.ofArray(data), DType.FLOAT64, shape);
    }

    public static Tensor of(long[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        return fromArray(MemorySegment.ofArray(data), DType.INT64, shape);
    }

    /** Integer labels and indices: stored as int64, the type libtorch indexes with. */
    public static Tensor of(int[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        return of(Arrays.stream(data).asLongStream().toArray(), shape);
    }

    /** A 0-dimensional tensor. */
    public static Tensor scalar(double value, DType dtype) {
        return full(value, dtype);
    }

    private static Tensor fromArray(MemorySegment heap, DType dtype, long[] shape) {
        checkShape(shape);
        long numel = numel(shape);
        if (numel > heap.byteSize() / dtype.byteSize() || numel * dtype.byteSize() != heap.byteSize()) {
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
        Objects.requireNonNull(dtype, "dtype");
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
        int dim = (int) call.status(keepAlive(jacreg_h.jr_tensor_sizes(handle(), call.scratch(), NativeCall.SCRATCH_LONGS,
                call.error()), this));
        if (dim > NativeCall.SCRATCH_LONGS) return longShape(dim);  // more dims than the scratch area holds
        long[] shape = new long[dim];
        for (int i = 0; i < dim; i++) shape[i] = call.scratchLong(i);
        return shape;
    }

    private long[] longShape(int dim) {
        NativeCall call = Torch.call();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sizes = arena.allocate(ValueLayout.JAVA_LONG, dim);
            call.status(keepAlive(jacreg_h.jr_tensor_sizes(handle(), sizes, dim, call.error()), this));
            return sizes.toArray(ValueLayout.JAVA_LONG);
        }
    }

    public int dim() {
        NativeCall call = Torch.call();
        return (int) call.status(keepAlive(jacreg_h.jr_tensor_dim(handle(), call.error()), this));
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
        return call.status(keepAlive(jacreg_h.jr_tensor_numel(handle(), call.error()), this));
    }

    public DType dtype() {
        NativeCall call = Torch.call();
        return DType.fromCode(call.status(keepAlive(jacreg_h.jr_tensor_dtype(handle(), call.error()), this)));
    }

    public Device device() {
        NativeCall call = Torch.call();
        int type = call.status(keepAlive(jacreg_h.jr_tensor_device_type(handle(), call.error()), this));
        int index = call.status(keepAlive(jacreg_h.jr_tensor_device_index(handle(), call.error()), this));
        return type == jacreg_h.JR_DEVICE_CUDA() ? Device.cuda(index) : Device.CPU;
    }

    /** The single value of a one-element tensor. */
    public double item() {
        NativeCall call = Torch.call();
        return call.value(keepAlive(jacreg_h.jr_tensor_item_double(handle(), call.error()), this));
    }

    public long itemLong() {
        NativeCall call = Torch.call();
        call.status(keepAlive(jacreg_h.jr_tensor_item_int64(handle(), call.scratch(), call.error()), this));
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
            call.status(keepAlive(jacreg_h.jr_tensor_copy_to(handle(), buffer, target.byteSize(), call.error()), this));
            MemorySegment.copy(buffer, 0, target, 0, target.byteSize());
        }
    }

    // ---- conversion and views ----------------------------------------------------------------------

    public Tensor to(Device device) {
        Torch.checkAvailable(Objects.requireNonNull(device, "device"), "(Tensor.to)");
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_to(handle(), dtype().code(), deviceType(device), device.index(),
                call.error())), this);
    }

    public Tensor to(DType dtype) {
        Device device = device();
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_to(handle(), dtype.code(), deviceType(device), device.index(),
                call.error())), this);
    }

    /** A copy that autograd still connects to this tensor. */
    @SuppressWarnings("MethodDoesntCallSuperMethod")
    @Override
    public Tensor clone() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_clone(handle(), call.error())), this);
    }

    /** Same data, cut from the autograd graph. */
    public Tensor detach() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_detach(handle(), call.error())), this);
    }

    public Tensor contiguous() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_contiguous(handle(), call.error())), this);
    }

    /** One size may be -1 (inferred). */
    public Tensor reshape(long... shape) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_reshape(handle(), call.longs(shape), shape.length, call.error())), this);
    }

    public Tensor flatten() {
        return flatten(0, -1);
    }

    public Tensor flatten(long startDim, long endDim) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_flatten(handle(), startDim, endDim, call.error())), this);
    }

    public Tensor select(long dim, long index) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_select(handle(), dim, index, call.error())), this);
    }

    public Tensor narrow(long dim, long start, long length) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_narrow(handle(), dim, start, length, call.error())), this);
    }

    public Tensor indexSelect(long dim, Tensor index) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_index_select(handle(), dim, handleOf(index, "index"), call.error())), this, index);
    }

    public static Tensor cat(List<Tensor> tensors, long dim) {
        return join(tensors, dim, true);
    }

    public static Tensor stack(List<Tensor> tensors, long dim) {
        return join(tensors, dim, false);
    }

    private static Tensor join(List<Tensor> tensors, long dim, boolean cat) {
        Objects.requireNonNull(tensors, "tensors");
        if (tensors.isEmpty()) throw new IllegalArgumentException((cat ? "cat" : "stack") + " needs at least one tensor");
        NativeCall call = Torch.call();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment list = handles(arena, tensors);
            MemorySegment result = cat ? jacreg_h.jr_tensor_cat(list, tensors.size(), dim, call.error())
                                       : jacreg_h.jr_tensor_stack(list, tensors.size(), dim, call.error());
            return wrap(call.handle(result), tensors);  // the list keeps every tensor in it reachable
        }
    }

    // ---- arithmetic --------------------------------------------------------------------------------

    public Tensor add(Tensor other) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_add(handle(), handleOf(other, "other"), call.error())), this, other);
    }

    public Tensor sub(Tensor other) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_sub(handle(), handleOf(other, "other"), call.error())), this, other);
    }

    public Tensor mul(Tensor other) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_mul(handle(), handleOf(other, "other"), call.error())), this, other);
    }

    public Tensor div(Tensor other) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_div(handle(), handleOf(other, "other"), call.error())), this, other);
    }

    public Tensor pow(Tensor exponent) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_pow(handle(), handleOf(exponent, "exponent"), call.error())), this, exponent);
    }

    public Tensor add(double value) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_add_scalar(handle(), value, call.error())), this);
    }

    public Tensor sub(double value) {
        return add(-value);
    }

    public Tensor mul(double value) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_mul_scalar(handle(), value, call.error())), this);
    }

    /** Division by a scalar, as multiplication by its reciprocal (floating-point tensors). */
    public Tensor div(double value) {
        return mul(1.0 / value);
    }

    public Tensor pow(double exponent) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_pow_scalar(handle(), exponent, call.error())), this);
    }

    public Tensor square() {
        return mul(this);
    }

    public Tensor neg() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_neg(handle(), call.error())), this);
    }

    public Tensor exp() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_exp(handle(), call.error())), this);
    }

    public Tensor log() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_log(handle(), call.error())), this);
    }

    public Tensor sqrt() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_sqrt(handle(), call.error())), this);
    }

    public Tensor abs() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_abs(handle(), call.error())), this);
    }

    public Tensor matmul(Tensor other) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_matmul(handle(), handleOf(other, "other"), call.error())), this, other);
    }

    // ---- reductions --------------------------------------------------------------------------------

    public Tensor sum() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_sum(handle(), call.error())), this);
    }

    public Tensor sum(long[] dims, boolean keepDim) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_sum_dims(handle(), call.longs(dims), dims.length, keepDim ? 1 : 0,
                call.error())), this);
    }

    public Tensor mean() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_mean(handle(), call.error())), this);
    }

    public Tensor mean(long[] dims, boolean keepDim) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_mean_dims(handle(), call.longs(dims), dims.length, keepDim ? 1 : 0,
                call.error())), this);
    }

    public Tensor max() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_max(handle(), call.error())), this);
    }

    public Tensor min() {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_min(handle(), call.error())), this);
    }

    public Tensor argmax(long dim) {
        return argmax(dim, false);
    }

    public Tensor argmax(long dim, boolean keepDim) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_argmax(handle(), dim, keepDim ? 1 : 0, call.error())), this);
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
        return wrap(call.handle(jacreg_h.jr_tensor_compare(handle(), handleOf(other, "other"), op, call.error())), this, other);
    }

    private Tensor compare(double value, int op) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_compare_scalar(handle(), value, op, call.error())), this);
    }

    /** Elementwise {@code condition ? ifTrue : ifFalse}, broadcasting. */
    public static Tensor where(Tensor condition, Tensor ifTrue, Tensor ifFalse) {
        NativeCall call = Torch.call();
        MemorySegment result = jacreg_h.jr_tensor_where(handleOf(condition, "condition"), handleOf(ifTrue, "ifTrue"),
                handleOf(ifFalse, "ifFalse"), call.error());
        return wrap(call.handle(result), condition, ifTrue, ifFalse);
    }

    // ---- in-place updates (for optimisers and statistics; return this) -----------------------------

    /** this += alpha * other */
    public Tensor addInPlace(Tensor other, double alpha) {
        NativeCall call = Torch.call();
        call.status(keepAlive(jacreg_h.jr_tensor_add_(handle(), handleOf(other, "other"), alpha, call.error()), this, other));
        return this;
    }

    public Tensor mulInPlace(double value) {
        NativeCall call = Torch.call();
        call.status(keepAlive(jacreg_h.jr_tensor_mul_scalar_(handle(), value, call.error()), this));
        return this;
    }

    public Tensor copyFrom(Tensor source) {
        NativeCall call = Torch.call();
        call.status(keepAlive(jacreg_h.jr_tensor_copy_(handle(), handleOf(source, "source"), call.error()), this, source));
        return this;
    }

    public Tensor fillInPlace(double value) {
        NativeCall call = Torch.call();
        call.status(keepAlive(jacreg_h.jr_tensor_fill_(handle(), value, call.error()), this));
        return this;
    }

    public Tensor zeroInPlace() {
        NativeCall call = Torch.call();
        call.status(keepAlive(jacreg_h.jr_tensor_zero_(handle(), call.error()), this));
        return this;
    }

    // ---- autograd ----------------------------------------------------------------------------------

    public boolean requiresGrad() {
        NativeCall call = Torch.call();
        return call.status(keepAlive(jacreg_h.jr_tensor_requires_grad(handle(), call.error()), this)) == 1;
    }

    /** Marks a leaf tensor for gradient tracking; returns this. */
    public Tensor requiresGrad(boolean requiresGrad) {
        NativeCall call = Torch.call();
        call.status(keepAlive(jacreg_h.jr_tensor_set_requires_grad(handle(), requiresGrad ? 1 : 0, call.error()), this));
        return this;
    }

    /** The accumulated gradient as a new tensor, or null when backward has not reached this tensor. */
    public Tensor grad() {
        NativeCall call = Torch.call();
        call.status(keepAlive(jacreg_h.jr_tensor_grad(handle(), call.scratch(), call.error()), this));
        MemorySegment result = call.scratch().get(ValueLayout.ADDRESS, 0);
        return result.address() == 0 ? null : wrap(result);
    }

    /** Drops the accumulated gradient, so the next backward starts from nothing. */
    public Tensor clearGrad() {
        NativeCall call = Torch.call();
        call.status(keepAlive(jacreg_h.jr_tensor_clear_grad(handle(), call.error()), this));
        return this;
    }

    /** Backpropagates from a scalar. */
    public void backward() {
        backward(null, false, false);
    }

    public void backward(Tensor gradient, boolean retainGraph, boolean createGraph) {
        NativeCall call = Torch.call();
        MemorySegment seed = gradient == null ? MemorySegment.NULL : handleOf(gradient, "gradient");
        call.status(keepAlive(jacreg_h.jr_tensor_backward(handle(), seed, retainGraph ? 1 : 0, createGraph ? 1 : 0,
                call.error()), this, gradient));
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
        Objects.requireNonNull(shape, "shape");
        for (long size : shape) {
            if (size < 0) throw new IllegalArgumentException("negative size in shape " + Arrays.toString(shape));
        }
    }

    /** The element count, or an IllegalArgumentException when it does not fit a long. */
    private static long numel(long[] shape) {
        long n = 1;
        for (long size : shape) {
            if (size != 0 && n > Long.MAX_VALUE / size) {
                for (long s : shape) if (s == 0) return 0;
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than " + Long.MAX_VALUE
                        + " elements");
            }
            n *= size;
        }
        return n;
    }

    @Override
    public String toString() {
        if (closed) return "Tensor[closed]";
        return "Tensor[shape=" + Arrays.toString(shape()) + ", dtype=" + dtype() + ", device=" + device() + "]";
    }
}
