package dev.jacreg.internal;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/** Array arguments of one call never share memory (issue 9), and frames free only their own slices. */
class NativeCallTest {
    private static long[] read(MemorySegment segment) {
        return segment.toArray(ValueLayout.JAVA_LONG);
    }

    @Test
    void twoArraysInOneFrameKeepTheirOwnValues() {
        NativeCall call = NativeCall.current();
        try (NativeCall.Frame frame = call.frame()) {
            MemorySegment kernel = frame.longs(new long[]{3, 3}, "kernel");
            MemorySegment stride = frame.longs(new long[]{2, 1}, "stride");
            MemorySegment padding = frame.longs(new long[]{1, 0}, "padding");
            assertArrayEquals(new long[]{3, 3}, read(kernel));
            assertArrayEquals(new long[]{2, 1}, read(stride));
            assertArrayEquals(new long[]{1, 0}, read(padding));
            assertNotEquals(kernel.address(), stride.address());
        }
    }

    @Test
    void aNestedFrameDoesNotOverwriteTheOuterOne() {
        NativeCall call = NativeCall.current();
        try (NativeCall.Frame outer = call.frame()) {
            MemorySegment first = outer.longs(new long[]{7, 8, 9}, "first");
            try (NativeCall.Frame inner = call.frame()) {
                inner.longs(new long[]{-1, -1, -1, -1}, "inner");
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> outer.longs(new long[]{1}, "late"));
                assertTrue(e.getMessage().contains("inner frame"), e.getMessage());
            }
            MemorySegment second = outer.longs(new long[]{4, 5}, "second");  // reuses the inner frame's memory
            assertArrayEquals(new long[]{7, 8, 9}, read(first));
            assertArrayEquals(new long[]{4, 5}, read(second));
        }
    }

    @Test
    void arraysLargerThanTheThreadAreaGetTheirOwnMemory() {
        NativeCall call = NativeCall.current();
        long[] big = LongStream.range(0, NativeCall.ARGUMENT_LONGS + 10).toArray();
        try (NativeCall.Frame frame = call.frame()) {
            MemorySegment small = frame.longs(new long[]{42}, "small");
            MemorySegment large = frame.longs(big, "big");
            MemorySegment after = frame.longs(new long[]{43}, "after");
            assertArrayEquals(big, read(large));
            assertArrayEquals(new long[]{42}, read(small));
            assertArrayEquals(new long[]{43}, read(after));
        }
    }

    @Test
    void misuseIsAnExceptionNotSharedMemory() {
        NativeCall call = NativeCall.current();
        NativeCall.Frame outer = call.frame();
        NativeCall.Frame inner = call.frame();
        assertThrows(IllegalStateException.class, outer::close);  // out of order
        inner.close();
        outer.close();
        assertThrows(IllegalStateException.class, () -> outer.longs(new long[]{1}, "x"));  // after close
        try (NativeCall.Frame frame = call.frame()) {
            NullPointerException e = assertThrows(NullPointerException.class, () -> frame.longs(null, "kernel"));
            assertEquals("kernel", e.getMessage());
        }
    }
}
