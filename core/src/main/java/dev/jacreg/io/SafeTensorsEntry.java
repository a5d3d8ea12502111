package dev.jacreg.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One named tensor of a safetensors file: element type, shape (row-major) and raw little-endian data.
 *
 * <p>The canonical constructor checks that the data holds exactly {@code numel() * dtype.byteSize()} bytes (the
 * buffer's remaining bytes count) and keeps a read-only, little-endian view of it without copying; {@link #data()}
 * returns a fresh view on each call, so callers may move its position freely. {@link #shape()} returns a copy.
 * The {@code of(...)} factories copy the given array.
 *
 * @param name  tensor name, not null
 * @param dtype element type, not null
 * @param shape dimensions, each {@code >= 0}; an empty array is a scalar (one element)
 * @param data  exactly {@code numel() * dtype.byteSize()} remaining bytes, little-endian, row-major
 */
public record SafeTensorsEntry(String name, SafeTensorsDType dtype, long[] shape, ByteBuffer data) {

    /** Checks the components: names and types not null, the data's length matching the shape and dtype. */
    public SafeTensorsEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        long n = numel(name, shape);
        long expectedBytes;
        try {
            expectedBytes = Math.multiplyExact(n, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape)
                    + " is too large for dtype " + dtype);
        }
        if (data.remaining() != expectedBytes) {
            throw new IllegalArgumentException("tensor '" + name + "': dtype " + dtype + " shape "
                    + Arrays.toString(shape) + " needs " + expectedBytes + " bytes (" + n + " elements) but data has "
                    + data.remaining() + " bytes");
        }
        data = data.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** {@return a fresh read-only little-endian view of the data (position 0, limit = byte size)} */
    @Override
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** {@return a copy of the shape} */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** {@return number of dimensions (0 for a scalar)} */
    public int rank() {
        return shape.length;
    }

    /** {@return number of elements: the product of the shape, 1 for a scalar} */
    public long numel() {
        return numel(name, shape);
    }

    /** {@return size of the data in bytes} */
    public long byteSize() {
        return data.remaining();
    }

    /** {@return the elements of an {@link SafeTensorsDType#F32} tensor} */
    public float[] toFloatArray() {
        requireDtype(SafeTensorsDType.F32, "toFloatArray");
        float[] out = new float[checkedLength()];
        data().asFloatBuffer().get(out);
        return out;
    }

    /** {@return the elements of an {@link SafeTensorsDType#F64} tensor} */
    public double[] toDoubleArray() {
        requireDtype(SafeTensorsDType.F64, "toDoubleArray");
        double[] out = new double[checkedLength()];
        data().asDoubleBuffer().get(out);
        return out;
    }

    /** {@return the elements of an {@link SafeTensorsDType#I64} tensor} */
    public long[] toLongArray() {
        requireDtype(SafeTensorsDType.I64, "toLongArray");
        long[] out = new long[checkedLength()];
        data().asLongBuffer().get(out);
        return out;
    }

    /** {@return the elements of an {@link SafeTensorsDType#I32} tensor} */
    public int[] toIntArray() {
        requireDtype(SafeTensorsDType.I32, "toIntArray");
        int[] out = new int[checkedLength()];
        data().asIntBuffer().get(out);
        return out;
    }

    /**
     * An F32 tensor holding a copy of {@code data}; {@code shape} must have {@code data.length} elements.
     *
     * @param name the tensor's name in the file
     * @param data the values, row-major
     * @param shape the dimensions
     * @return the entry
     */
    public static SafeTensorsEntry of(String name, float[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        checkLength(name, SafeTensorsDType.F32, data.length, shape);
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(data.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        return new SafeTensorsEntry(name, SafeTensorsDType.F32, shape, b);
    }

    /**
     * An F64 tensor holding a copy of {@code data}; {@code shape} must have {@code data.length} elements.
     *
     * @param name the tensor's name in the file
     * @param data the values, row-major
     * @param shape the dimensions
     * @return the entry
     */
    public static SafeTensorsEntry of(String name, double[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        checkLength(name, SafeTensorsDType.F64, data.length, shape);
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(data.length, 8)).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(data);
        return new SafeTensorsEntry(name, SafeTensorsDType.F64, shape, b);
    }

    /**
     * An I64 tensor holding a copy of {@code data}; {@code shape} must have {@code data.length} elements.
     *
     * @param name the tensor's name in the file
     * @param data the values, row-major
     * @param shape the dimensions
     * @return the entry
     */
    public static SafeTensorsEntry of(String name, long[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        checkLength(name, SafeTensorsDType.I64, data.length, shape);
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(data.length, 8)).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(data);
        return new SafeTensorsEntry(name, SafeTensorsDType.I64, shape, b);
    }

    /**
     * An I32 tensor holding a copy of {@code data}; {@code shape} must have {@code data.length} elements.
     *
     * @param name the tensor's name in the file
     * @param data the values, row-major
     * @param shape the dimensions
     * @return the entry
     */
    public static SafeTensorsEntry of(String name, int[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        checkLength(name, SafeTensorsDType.I32, data.length, shape);
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(data.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(data);
        return new SafeTensorsEntry(name, SafeTensorsDType.I32, shape, b);
    }

    /** Value equality: same name, dtype, shape and data bytes. */
    @Override
    public boolean equals(Object o) {
        return o instanceof SafeTensorsEntry e && name.equals(e.name) && dtype == e.dtype
                && Arrays.equals(shape, e.shape) && data.equals(e.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), data);
    }

    @Override
    public String toString() {
        return "SafeTensorsEntry[" + name + ", " + dtype + " " + Arrays.toString(shape) + "]";
    }

    private void requireDtype(SafeTensorsDType expected, String method) {
        if (dtype != expected) {
            throw new IllegalStateException("tensor '" + name + "' has dtype " + dtype + ", " + method
                    + "() needs " + expected);
        }
    }

    private int checkedLength() {
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor '" + name + "' has " + n + " elements, too many for a Java array");
        }
        return (int) n;
    }

    private static void checkLength(String name, SafeTensorsDType dtype, int length, long[] shape) {
        Objects.requireNonNull(shape, "shape");
        long n = numel(name, shape);
        if (n != length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape)
                    + (shape.length == 0 ? " (scalar)" : "") + " has " + n + " elements but the " + dtype
                    + " data has " + length);
        }
    }

    static long numel(String name, long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in shape "
                        + Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape)
                        + " overflows a long element count");
            }
        }
        return n;
    }
}
