package dev.jacreg.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import org.junit.jupiter.api.Test;

class SafeTensorsEntryTest {
    @Test
    void factoriesValidateElementCount() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SafeTensorsEntry.of("w", new float[5], 2, 3));
        assertEquals("tensor 'w': shape [2, 3] has 6 elements but the F32 data has 5", e.getMessage());
        String scalar = assertThrows(IllegalArgumentException.class,
                () -> SafeTensorsEntry.of("s", new double[2])).getMessage();
        assertTrue(scalar.contains("(scalar)"), scalar);
        assertThrows(IllegalArgumentException.class, () -> SafeTensorsEntry.of("n", new long[0], -1));
        assertEquals(6, SafeTensorsEntry.of("w", new long[6], 3, 2).numel());
        assertEquals(1, SafeTensorsEntry.of("s", new double[1]).numel());
        assertEquals(0, SafeTensorsEntry.of("e", new float[0], 3, 0).numel());
    }

    @Test
    void constructorChecksByteLength() {
        String msg = assertThrows(IllegalArgumentException.class, () -> new SafeTensorsEntry("u", SafeTensorsDType.U8,
                new long[] {3}, ByteBuffer.allocate(4))).getMessage();
        assertTrue(msg.contains("needs 3 bytes") && msg.contains("has 4"), msg);
        SafeTensorsEntry half = new SafeTensorsEntry("h", SafeTensorsDType.BF16, new long[] {2}, ByteBuffer.allocate(4));
        assertEquals(4, half.byteSize());
    }

    @Test
    void accessorsCheckDtype() {
        SafeTensorsEntry f = SafeTensorsEntry.of("f", new float[] {1, 2}, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class, f::toDoubleArray);
        assertEquals("tensor 'f' has dtype F32, toDoubleArray() needs F64", e.getMessage());
        assertThrows(IllegalStateException.class, f::toLongArray);
        assertThrows(IllegalStateException.class, SafeTensorsEntry.of("d", new double[1])::toFloatArray);
        assertThrows(IllegalStateException.class, SafeTensorsEntry.of("l", new long[1])::toIntArray);
    }

    @Test
    void dataIsAReadOnlyLittleEndianViewAndShapeIsCopied() {
        long[] shape = {2};
        SafeTensorsEntry f = SafeTensorsEntry.of("f", new float[] {1, 2}, shape);
        shape[0] = 99;
        assertArrayEquals(new long[] {2}, f.shape());
        f.shape()[0] = 5;
        assertArrayEquals(new long[] {2}, f.shape());
        ByteBuffer b = f.data();
        assertTrue(b.isReadOnly());
        assertEquals(ByteOrder.LITTLE_ENDIAN, b.order());
        assertEquals(8, b.remaining());
        assertEquals(0x3f800000, b.getInt()); // 1.0f read little-endian
        assertThrows(ReadOnlyBufferException.class, () -> b.put(0, (byte) 1));
        assertEquals(0, f.data().position()); // fresh view each time
        assertArrayEquals(new float[] {1, 2}, f.toFloatArray());
    }

    @Test
    void valueEquality() {
        assertEquals(SafeTensorsEntry.of("a", new double[] {1, 2}, 2), SafeTensorsEntry.of("a", new double[] {1, 2}, 2));
        assertEquals(SafeTensorsEntry.of("a", new double[] {1, 2}, 2).hashCode(),
                SafeTensorsEntry.of("a", new double[] {1, 2}, 2).hashCode());
        assertNotEquals(SafeTensorsEntry.of("a", new double[] {1, 2}, 2), SafeTensorsEntry.of("a", new double[] {1, 2}, 1, 2));
        assertNotEquals(SafeTensorsEntry.of("a", new double[] {1, 2}, 2), SafeTensorsEntry.of("a", new double[] {1, 3}, 2));
        assertEquals("SafeTensorsEntry[a, F64 [2]]", SafeTensorsEntry.of("a", new double[] {1, 2}, 2).toString());
    }

    @Test
    void dtypeNamesAndSizes() {
        assertEquals(SafeTensorsDType.BF16, SafeTensorsDType.fromJsonName("BF16"));
        assertEquals(8, SafeTensorsDType.F64.byteSize());
        assertEquals(1, SafeTensorsDType.BOOL.byteSize());
        assertEquals(2, SafeTensorsDType.F16.byteSize());
        String msg = assertThrows(IllegalArgumentException.class, () -> SafeTensorsDType.fromJsonName("f32")).getMessage();
        assertTrue(msg.contains("'f32'") && msg.contains("F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL"), msg);
    }
}
