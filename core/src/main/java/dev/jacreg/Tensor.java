package dev.jacreg;

import dev.jacreg.bindings.jacreg_h;
import dev.jacreg.internal.NativeCall;
import dev.jacreg.internal.TensorHandles;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A libtorch tensor owned by Java. Lifetime is deterministic: {@link #close()} frees it at once
 * (closing twice is harmless), its owner (the {@link TensorScope} current when it was made, or the detached
 * owner it was handed to) closes it with itself, and a Cleaner frees it if it is dropped unclosed while no
 * current scope owns it. Using a closed tensor throws {@link IllegalStateException}.
 *
 * <p>Every operation returns a new tensor (owned by the current scope, whatever the inputs' owners)
 * and never closes its arguments. Most methods are one-liners over {@link Ops}, which is generated from
 * the shim's op table (native/include/jacreg_ops.def). In-place updates ({@code ...InPlace}) return {@code this}. New
 * tensors are created on {@link Device#defaultDevice()}. A tensor is not safe for concurrent use.
 */
public final class Tensor implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong LIVE = new AtomicLong();
    private static final AtomicLong FREED_BY_CLEANER = new AtomicLong();

    static {
        TensorHandles.install(Tensor::handles, Tensor::wrap);  // for the collectives of dev.jacreg.distributed
    }

    private final MemorySegment handle;
    private Release release;              // with cleanable: null while a current scope owns it (the scope frees it)
    private Cleaner.Cleanable cleanable;
    private boolean closed;
    TensorScope owner;  // maintained by TensorScope
    int slot = -1;      // index in owner's list, maintained by TensorScope

    private Tensor(MemorySegment handle) {
        this.handle = handle;
        LIVE.incrementAndGet();
        TensorScope.adopt(this);
    }

    /** Frees the native handle; runs once, from close() or from the Cleaner. Holds no reference to the Tensor. */
    private static final class Release implements Runnable {
        private final MemorySegment handle;
        private volatile boolean closed;  // set by close(): then it is no Cleaner rescue

        Release(MemorySegment handle) {
            this.handle = handle;
        }

        @Override
        public void run() {
            if (!closed) FREED_BY_CLEANER.incrementAndGet();
            free(handle);
        }
    }

    private static void free(MemorySegment handle) {
        jacreg_h.jr_tensor_free(handle);
        LIVE.decrementAndGet();
    }

    /** From now on the Cleaner frees this tensor if it is dropped unclosed (called once it can be dropped). */
    void registerCleaner() {
        if (cleanable != null || closed) return;
        release = new Release(handle);
        cleanable = CLEANER.register(this, release);
    }

    static Tensor wrap(MemorySegment handle) {
        return new Tensor(handle);
    }

    // Reachability (issue 8.1). Once handle() has been read, nothing obliges the JIT to keep its Tensor
    // alive: with no scope holding it, the Cleaner could free the handle while native code still uses
    // it. Every native call therefore fences the tensors it used *after* it returns (Ops does it for
    // every op of the table); Reference.reachabilityFence makes that use real (it costs nothing at run time).

    /** Wraps the result of a native call that used {@code used}'s handle. */
    static Tensor wrap(MemorySegment handle, Object used) {
        Reference.reachabilityFence(used);
        return new Tensor(handle);
    }

    /** Returns a native call's status after keeping the object whose handle it used alive until then. */
    static int keepAlive(int status, Object used) {
        Reference.reachabilityFence(used);
        return status;
    }

    static long keepAlive(long status, Object used) {
        Reference.reachabilityFence(used);
        return status;
    }

    static int keepAlive(int status, Object used1, Object used2) {
        Reference.reachabilityFence(used1);
        Reference.reachabilityFence(used2);
        return status;
    }

    /** {@return the number of tensors created through this class and not yet closed or cleaned, process-wide} */
    public static long liveCount() {
        return LIVE.get();
    }

    /**
     * Tensors the Cleaner freed because they were dropped without {@link #close()} and outside any scope,
     * process-wide since start: each one is a missing close (harmless, but late).
     *
     * @return the count
     */
    public static long freedByCleaner() {
        return FREED_BY_CLEANER.get();
    }

    /** The handle of a tensor argument, with a clear message when it is null. */
    static MemorySegment handleOf(Tensor tensor, String name) {
        return Objects.requireNonNull(tensor, name).handle();
    }

    /** The handle of an optional tensor argument: NULL for null. */
    static MemorySegment handleOrNull(Tensor tensor) {
        return tensor == null ? MemorySegment.NULL : tensor.handle();
    }

    MemorySegment handle() {
        if (closed) throw new IllegalStateException("tensor is closed");
        return handle;
    }

    /** {@return whether {@link #close()} has freed this tensor} */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (owner != null) owner.release(this);
        if (cleanable == null) {
            free(handle);
        } else {
            release.closed = true;
            cleanable.clean();
        }
    }

    /**
     * Takes this tensor out of its scope or owner: the caller now closes it (or hands it to an owner with
     * {@link TensorScope#take}). Long-lived holders use a {@link TensorScope#detached() detached owner} instead.
     *
     * @return this tensor
     */
    public Tensor releaseFromScope() {
        if (owner != null) owner.release(this);
        registerCleaner();
        return this;
    }

    /** {@return the detached owner or scope that will close this tensor, or null when the caller must} */
    public TensorScope owner() {
        return owner;
    }

    // ---- creation ----------------------------------------------------------------------------------

    /**
     * A float32 tensor holding a copy of {@code data}, on the default device.
     * @param data the values, row-major
     * @param shape the dimensions; their product must be data.length
     * @return a new tensor in the current scope
     */
    public static Tensor of(float[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        return fromArray(MemorySegment.ofArray(data), DType.FLOAT32, shape);
    }

    /**
     * A float64 tensor holding a copy of {@code data}, on the default device.
     * @param data the values, row-major
     * @param shape the dimensions; their product must be data.length
     * @return a new tensor in the current scope
     */
    public static Tensor of(double[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        return fromArray(MemorySegment.ofArray(data), DType.FLOAT64, shape);
    }

    /**
     * An int64 tensor holding a copy of {@code data}, on the default device.
     * @param data the values, row-major
     * @param shape the dimensions; their product must be data.length
     * @return a new tensor in the current scope
     */
    public static Tensor of(long[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        return fromArray(MemorySegment.ofArray(data), DType.INT64, shape);
    }

    /**
     * Integer labels and indices: stored as int64, the type libtorch indexes with.
     *
     * @param data the values, row-major
     * @param shape the dimensions; their product must be data.length
     * @return a new int64 tensor on the default device, in the current scope
     */
    public static Tensor of(int[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        return of(Arrays.stream(data).asLongStream().toArray(), shape);
    }

    /**
     * A tensor of any {@link DType} from its elements' raw bytes, little-endian and row-major (the layout of a
     * safetensors file); {@code data}'s remaining bytes are copied.
     *
     * @param data numel·dtype.byteSize() bytes from its position
     * @param dtype the element type
     * @param shape the dimensions
     * @return a new tensor on the default device, in the current scope
     */
    public static Tensor fromBytes(ByteBuffer data, DType dtype, long... shape) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(dtype, "dtype");
        checkLittleEndian();
        return fromArray(MemorySegment.ofBuffer(data.slice()), dtype, shape);
    }

    /** {@return a copy of the elements' raw bytes, little-endian and row-major (the inverse of {@link #fromBytes})} */
    public ByteBuffer toBytes() {
        checkLittleEndian();
        DType dtype = dtype();
        byte[] out = new byte[Math.toIntExact(Math.multiplyExact(numel(), (long) dtype.byteSize()))];
        copyOut(dtype, MemorySegment.ofArray(out));
        return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void checkLittleEndian() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("raw tensor bytes are little-endian; this platform is not");
        }
    }

    /**
     * A 0-dimensional tensor.
     *
     * @param value the value, converted to the dtype
     * @param dtype the element type
     * @return a new tensor on the default device, in the current scope
     */
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
        try (Arena arena = Arena.ofConfined(); NativeCall.Frame frame = call.frame()) {
            MemorySegment data = arena.allocate(Math.max(1, heap.byteSize()), 16);
            MemorySegment.copy(heap, 0, data, 0, heap.byteSize());
            return wrap(call.handle(jacreg_h.jr_tensor_from_data(data, heap.byteSize(), frame.longs(shape, "shape"),
                    shape.length, dtype.code(), device.type().code(), device.index(), call.error())));
        }
    }

    /** The native creation functions that take (shape, ndim, dtype, device type, device index, error). */
    @FunctionalInterface
    private interface Creation {
        MemorySegment create(MemorySegment shape, long ndim, int dtype, int deviceType, int deviceIndex, MemorySegment error);
    }

    private static Tensor create(Creation creation, DType dtype, long[] shape) {
        Objects.requireNonNull(dtype, "dtype");
        checkShape(shape);
        Device device = Device.defaultDevice();
        NativeCall call = Torch.call();
        try (NativeCall.Frame frame = call.frame()) {
            return wrap(call.handle(creation.create(frame.longs(shape, "shape"), shape.length, dtype.code(),
                    device.type().code(), device.index(), call.error())));
        }
    }

    /**
     * A float32 tensor of zeros on the default device.
     * @param shape the dimensions
     * @return a new tensor in the current scope
     */
    public static Tensor zeros(long... shape) {
        return zeros(DType.FLOAT32, shape);
    }

    /**
     * A tensor of zeros on the default device.
     * @param dtype the element type
     * @param shape the dimensions
     * @return a new tensor in the current scope
     */
    public static Tensor zeros(DType dtype, long... shape) {
        return create(jacreg_h::jr_tensor_zeros, dtype, shape);
    }

    /**
     * A float32 tensor of ones on the default device.
     * @param shape the dimensions
     * @return a new tensor in the current scope
     */
    public static Tensor ones(long... shape) {
        return ones(DType.FLOAT32, shape);
    }

    /**
     * A tensor of ones on the default device.
     * @param dtype the element type
     * @param shape the dimensions
     * @return a new tensor in the current scope
     */
    public static Tensor ones(DType dtype, long... shape) {
        return create(jacreg_h::jr_tensor_ones, dtype, shape);
    }

    /**
     * A tensor with every element {@code value}, on the default device.
     * @param value the value
     * @param dtype the element type
     * @param shape the dimensions
     * @return a new tensor in the current scope
     */
    public static Tensor full(double value, DType dtype, long... shape) {
        return create((dims, ndim, type, deviceType, deviceIndex, error) ->
                jacreg_h.jr_tensor_full(dims, ndim, value, type, deviceType, deviceIndex, error), dtype, shape);
    }

    /**
     * Uniform on [0, 1), from libtorch's default generator ({@link Torch#manualSeed}).
     *
     * @param dtype a floating-point type
     * @param shape the dimensions
     * @return a new tensor on the default device, in the current scope
     */
    public static Tensor rand(DType dtype, long... shape) {
        return create(jacreg_h::jr_tensor_rand, dtype, shape);
    }

    /**
     * Standard normal, from libtorch's default generator.
     *
     * @param dtype a floating-point type
     * @param shape the dimensions
     * @return a new tensor on the default device, in the current scope
     */
    public static Tensor randn(DType dtype, long... shape) {
        return create(jacreg_h::jr_tensor_randn, dtype, shape);
    }

    /**
     * Uniform integers in [low, high), int64.
     *
     * @param low the smallest value drawn
     * @param high one more than the largest value drawn
     * @param shape the dimensions
     * @return a new tensor on the default device, in the current scope
     */
    public static Tensor randint(long low, long high, long... shape) {
        if (high <= low) throw new IllegalArgumentException("randint needs low < high, got [" + low + ", " + high + ")");
        return create((dims, ndim, type, deviceType, deviceIndex, error) ->
                jacreg_h.jr_tensor_randint(low, high, dims, ndim, deviceType, deviceIndex, error), DType.INT64, shape);
    }

    /**
     * A random permutation of 0..n-1, int64.
     *
     * @param n the number of elements, &gt;= 0
     * @return a new tensor on the default device, in the current scope
     */
    public static Tensor randperm(long n) {
        if (n < 0) throw new IllegalArgumentException("randperm needs n >= 0, got " + n);
        Device device = Device.defaultDevice();
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_randperm(n, device.type().code(), device.index(), call.error())));
    }

    // ---- queries -----------------------------------------------------------------------------------

    /** {@return the size of each dimension (empty for a 0-dimensional tensor)} */
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

    /** {@return the number of dimensions} */
    public int dim() { return (int) Ops.dim(this); }

    /**
     * Size along one dimension; negative dims count from the end.
     *
     * @param dim the dimension
     * @return its size
     */
    public long size(int dim) {
        long[] shape = shape();
        int d = dim < 0 ? dim + shape.length : dim;
        if (d < 0 || d >= shape.length) {
            throw new IndexOutOfBoundsException("dimension " + dim + " out of range for shape " + Arrays.toString(shape));
        }
        return shape[d];
    }

    /** {@return the number of elements: the product of the shape} */
    public long numel() { return Ops.numel(this); }

    /** {@return the element type} */
    public DType dtype() { return DType.fromCode(Ops.dtype(this)); }

    /** {@return where the data lives} */
    public Device device() { return new Device(Device.Type.fromCode(Ops.deviceType(this)), Ops.deviceIndex(this)); }

    /** {@return the single value of a one-element tensor} */
    public double item() { return Ops.itemDouble(this); }

    /** {@return the single value of a one-element integer tensor} */
    public long itemLong() {
        NativeCall call = Torch.call();
        call.status(keepAlive(jacreg_h.jr_tensor_item_int64(handle(), call.scratch(), call.error()), this));
        return call.scratchLong(0);
    }

    // ---- copying out -------------------------------------------------------------------------------

    /** {@return all elements in row-major order, converted to float when the dtype differs} */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(numel())];
        copyOut(DType.FLOAT32, MemorySegment.ofArray(out));
        return out;
    }

    /** {@return all elements in row-major order, converted to double when the dtype differs} */
    public double[] toDoubleArray() {
        double[] out = new double[Math.toIntExact(numel())];
        copyOut(DType.FLOAT64, MemorySegment.ofArray(out));
        return out;
    }

    /** {@return all elements of an integer tensor in row-major order, as long} */
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
    // The ops below are one-liners over Ops, generated from the shim's op table (native/include/jacreg_ops.def).

    /**
     * The data on another device: a copy, or the same data when it is there already (as libtorch's to()).
     * @param device where the data goes; checked against the loaded libtorch
     * @return the tensor on that device, in the current scope
     */
    public Tensor to(Device device) {
        Torch.checkAvailable(Objects.requireNonNull(device, "device"), "(Tensor.to)");
        return convert(dtype(), device);
    }

    /**
     * The data converted to another element type: a copy, or the same data when it has that type already.
     * @param dtype the new element type
     * @return the converted tensor, in the current scope
     */
    public Tensor to(DType dtype) {
        return convert(Objects.requireNonNull(dtype, "dtype"), device());
    }

    private Tensor convert(DType dtype, Device device) {
        NativeCall call = Torch.call();
        return wrap(call.handle(jacreg_h.jr_tensor_to(handle(), dtype.code(), device.type().code(), device.index(),
                call.error())), this);
    }

    /** A copy that autograd still connects to this tensor. */
    @SuppressWarnings("MethodDoesntCallSuperMethod")
    @Override
    public Tensor clone() { return Ops.clone(this); }

    /** {@return same data, cut from the autograd graph} */
    public Tensor detach() { return Ops.detach(this); }

    /** {@return this tensor's data in row-major order: itself when it already is, else a copy} */
    public Tensor contiguous() { return Ops.contiguous(this); }

    /**
     * The same elements in another shape.
     *
     * One size may be -1 (inferred).
     *
     * @param shape the new dimensions, with as many elements in all as this tensor
     * @return a view where possible, else a copy
     */
    public Tensor reshape(long... shape) { return Ops.reshape(this, shape); }

    /** {@return a one-dimensional view (or copy) of all elements} */
    public Tensor flatten() { return flatten(0, -1); }

    /**
     * Merges dimensions {@code startDim..endDim} into one.
     * @param startDim the first dimension merged; negative counts from the end
     * @param endDim the last dimension merged; negative counts from the end
     * @return a view where possible, else a copy
     */
    public Tensor flatten(long startDim, long endDim) { return Ops.flatten(this, startDim, endDim); }

    /**
     * The slice at one index of a dimension, without that dimension.
     * @param dim the dimension
     * @param index the position along it
     * @return a view
     */
    public Tensor select(long dim, long index) { return Ops.select(this, dim, index); }

    /**
     * The elements {@code start..start+length-1} along a dimension.
     * @param dim the dimension
     * @param start the first index kept
     * @param length how many are kept
     * @return a view
     */
    public Tensor narrow(long dim, long start, long length) { return Ops.narrow(this, dim, start, length); }

    /**
     * The slices at the given indices of a dimension, in their order (a gather).
     * @param dim the dimension
     * @param index int64 indices, one-dimensional, on this tensor's device
     * @return a new tensor in the current scope
     */
    public Tensor indexSelect(long dim, Tensor index) { return Ops.indexSelect(this, dim, index); }

    /**
     * Joins tensors along an existing dimension.
     * @param tensors at least one tensor, equal in every other dimension
     * @param dim the dimension joined along
     * @return a new tensor in the current scope
     */
    public static Tensor cat(List<Tensor> tensors, long dim) {
        return join(tensors, dim, true);
    }

    /**
     * Joins tensors of one shape along a new dimension.
     * @param tensors at least one tensor, all of one shape
     * @param dim where the new dimension goes
     * @return a new tensor in the current scope
     */
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

    /**
     * {@return this + other, elementwise with broadcasting}
     * @param other the tensor added
     */
    public Tensor add(Tensor other) { return Ops.add(this, other); }

    /**
     * {@return this − other, elementwise with broadcasting}
     * @param other the tensor subtracted
     */
    public Tensor sub(Tensor other) { return Ops.sub(this, other); }

    /**
     * {@return this · other, elementwise with broadcasting}
     * @param other the factor
     */
    public Tensor mul(Tensor other) { return Ops.mul(this, other); }

    /**
     * {@return this / other, elementwise with broadcasting}
     * @param other the divisor
     */
    public Tensor div(Tensor other) { return Ops.div(this, other); }

    /**
     * {@return this raised to {@code exponent}, elementwise with broadcasting}
     * @param exponent the exponents
     */
    public Tensor pow(Tensor exponent) { return Ops.pow(this, exponent); }

    /**
     * {@return this + value, elementwise}
     * @param value the scalar added
     */
    public Tensor add(double value) { return Ops.addScalar(this, value); }

    /**
     * {@return this − value, elementwise}
     * @param value the scalar subtracted
     */
    public Tensor sub(double value) { return add(-value); }

    /**
     * {@return this · value, elementwise}
     * @param value the scalar factor
     */
    public Tensor mul(double value) { return Ops.mulScalar(this, value); }

    /**
     * Division by a scalar, as multiplication by its reciprocal (floating-point tensors).
     *
     * @param value the divisor
     * @return a new tensor in the current scope
     */
    public Tensor div(double value) { return mul(1.0 / value); }

    /**
     * {@return each element raised to {@code exponent}}
     * @param exponent the exponent
     */
    public Tensor pow(double exponent) { return Ops.powScalar(this, exponent); }

    /** {@return each element squared} */
    public Tensor square() { return mul(this); }

    /** {@return −this, elementwise} */
    public Tensor neg() { return Ops.neg(this); }

    /** {@return e to the power of each element} */
    public Tensor exp() { return Ops.exp(this); }

    /** {@return the natural logarithm of each element} */
    public Tensor log() { return Ops.log(this); }

    /** {@return the square root of each element} */
    public Tensor sqrt() { return Ops.sqrt(this); }

    /** {@return the absolute value of each element} */
    public Tensor abs() { return Ops.abs(this); }

    /**
     * {@return the matrix product, batched over leading dimensions as torch.matmul}
     * @param other the right-hand factor
     */
    public Tensor matmul(Tensor other) { return Ops.matmul(this, other); }

    // ---- reductions --------------------------------------------------------------------------------

    /** {@return the sum of all elements, a 0-dimensional tensor} */
    public Tensor sum() { return Ops.sum(this); }

    /**
     * The sums over some dimensions.
     * @param dims the dimensions summed over
     * @param keepDim whether they stay as size 1
     * @return a new tensor in the current scope
     */
    public Tensor sum(long[] dims, boolean keepDim) { return Ops.sumDims(this, dims, keepDim); }

    /** {@return the mean of all elements, a 0-dimensional tensor} */
    public Tensor mean() { return Ops.mean(this); }

    /**
     * The means over some dimensions.
     * @param dims the dimensions averaged over
     * @param keepDim whether they stay as size 1
     * @return a new tensor in the current scope
     */
    public Tensor mean(long[] dims, boolean keepDim) { return Ops.meanDims(this, dims, keepDim); }

    /** {@return the largest element, a 0-dimensional tensor} */
    public Tensor max() { return Ops.max(this); }

    /** {@return the smallest element, a 0-dimensional tensor} */
    public Tensor min() { return Ops.min(this); }

    /**
     * {@return the int64 index of the largest value along {@code dim}, that dimension removed}
     * @param dim the dimension searched
     */
    public Tensor argmax(long dim) { return argmax(dim, false); }

    /**
     * The int64 index of the largest value along a dimension (the first one on ties).
     * @param dim the dimension searched
     * @param keepDim whether it stays as size 1
     * @return a new tensor in the current scope
     */
    public Tensor argmax(long dim, boolean keepDim) { return Ops.argmax(this, dim, keepDim); }

    // ---- comparison and selection ------------------------------------------------------------------

    /**
     * {@return the bool tensor of this == other, elementwise with broadcasting}
     * @param other the tensor compared with
     */
    public Tensor eq(Tensor other) { return Ops.compare(this, other, jacreg_h.JR_COMPARE_EQ()); }
    /**
     * {@return the bool tensor of this != other, elementwise with broadcasting}
     * @param other the tensor compared with
     */
    public Tensor ne(Tensor other) { return Ops.compare(this, other, jacreg_h.JR_COMPARE_NE()); }
    /**
     * {@return the bool tensor of this &lt; other, elementwise with broadcasting}
     * @param other the tensor compared with
     */
    public Tensor lt(Tensor other) { return Ops.compare(this, other, jacreg_h.JR_COMPARE_LT()); }
    /**
     * {@return the bool tensor of this &lt;= other, elementwise with broadcasting}
     * @param other the tensor compared with
     */
    public Tensor le(Tensor other) { return Ops.compare(this, other, jacreg_h.JR_COMPARE_LE()); }
    /**
     * {@return the bool tensor of this &gt; other, elementwise with broadcasting}
     * @param other the tensor compared with
     */
    public Tensor gt(Tensor other) { return Ops.compare(this, other, jacreg_h.JR_COMPARE_GT()); }
    /**
     * {@return the bool tensor of this &gt;= other, elementwise with broadcasting}
     * @param other the tensor compared with
     */
    public Tensor ge(Tensor other) { return Ops.compare(this, other, jacreg_h.JR_COMPARE_GE()); }
    /**
     * {@return the bool tensor of this == value, elementwise}
     * @param value the scalar compared with
     */
    public Tensor eq(double value) { return Ops.compareScalar(this, value, jacreg_h.JR_COMPARE_EQ()); }
    /**
     * {@return the bool tensor of this != value, elementwise}
     * @param value the scalar compared with
     */
    public Tensor ne(double value) { return Ops.compareScalar(this, value, jacreg_h.JR_COMPARE_NE()); }
    /**
     * {@return the bool tensor of this &lt; value, elementwise}
     * @param value the scalar compared with
     */
    public Tensor lt(double value) { return Ops.compareScalar(this, value, jacreg_h.JR_COMPARE_LT()); }
    /**
     * {@return the bool tensor of this &lt;= value, elementwise}
     * @param value the scalar compared with
     */
    public Tensor le(double value) { return Ops.compareScalar(this, value, jacreg_h.JR_COMPARE_LE()); }
    /**
     * {@return the bool tensor of this &gt; value, elementwise}
     * @param value the scalar compared with
     */
    public Tensor gt(double value) { return Ops.compareScalar(this, value, jacreg_h.JR_COMPARE_GT()); }
    /**
     * {@return the bool tensor of this &gt;= value, elementwise}
     * @param value the scalar compared with
     */
    public Tensor ge(double value) { return Ops.compareScalar(this, value, jacreg_h.JR_COMPARE_GE()); }

    /**
     * Elementwise {@code condition ? ifTrue : ifFalse}, broadcasting.
     *
     * @param condition a bool tensor
     * @param ifTrue the values taken where the condition holds
     * @param ifFalse the values taken elsewhere
     * @return a new tensor in the current scope
     */
    public static Tensor where(Tensor condition, Tensor ifTrue, Tensor ifFalse) {
        return Ops.where(condition, ifTrue, ifFalse);
    }

    // ---- in-place updates (for optimisers and statistics; return this) -----------------------------

    /**
     * this += alpha * other
     *
     * @param other the tensor added, of this shape or broadcasting to it
     * @param alpha its factor
     * @return this tensor
     */
    public Tensor addInPlace(Tensor other, double alpha) {
        Ops.addInPlace(this, other, alpha);
        return this;
    }

    /**
     * this ·= value, in place.
     * @param value the factor
     * @return this tensor
     */
    public Tensor mulInPlace(double value) {
        Ops.mulScalarInPlace(this, value);
        return this;
    }

    /**
     * Overwrites this tensor's elements with {@code source}'s, in place (converting type and device).
     * @param source a tensor of this shape, or one that broadcasts to it
     * @return this tensor
     */
    public Tensor copyFrom(Tensor source) {
        Ops.copyInPlace(this, source);
        return this;
    }

    /**
     * Sets every element to {@code value}, in place.
     * @param value the value
     * @return this tensor
     */
    public Tensor fillInPlace(double value) {
        Ops.fillInPlace(this, value);
        return this;
    }

    /**
     * Sets every element to 0, in place.
     * @return this tensor
     */
    public Tensor zeroInPlace() {
        Ops.zeroInPlace(this);
        return this;
    }

    // ---- autograd ----------------------------------------------------------------------------------

    /** {@return whether autograd tracks this tensor} */
    public boolean requiresGrad() { return Ops.requiresGrad(this) == 1; }

    /**
     * Marks a leaf tensor for gradient tracking; returns this.
     *
     * @param requiresGrad true to track gradients, false to stop
     * @return this tensor
     */
    public Tensor requiresGrad(boolean requiresGrad) {
        Ops.setRequiresGrad(this, requiresGrad);
        return this;
    }

    /** {@return the accumulated gradient as a new tensor, or null when backward has not reached this tensor} */
    public Tensor grad() {
        NativeCall call = Torch.call();
        call.status(keepAlive(jacreg_h.jr_tensor_grad(handle(), call.scratch(), call.error()), this));
        MemorySegment result = call.scratch().get(ValueLayout.ADDRESS, 0);
        return result.address() == 0 ? null : wrap(result);
    }

    /**
     * Drops the accumulated gradient, so the next backward starts from nothing.
     *
     * @return this tensor
     */
    public Tensor clearGrad() {
        Ops.clearGrad(this);
        return this;
    }

    /** Backpropagates from a scalar. */
    public void backward() {
        backward(null, false, false);
    }

    /**
     * Backpropagates from this tensor, accumulating into the leaves' gradients ({@link #grad()}).
     * @param gradient the seed, of this tensor's shape; null for a scalar (seed 1)
     * @param retainGraph keep the graph for another backward pass
     * @param createGraph make the gradients differentiable themselves
     */
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
