package dev.jacreg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DigitDatasetTest {

    /** Three 2x2 images whose pixels encode their position, labels 3,1,3. */
    private static DigitDataset small(float[] angles) {
        float[] pixels = new float[12];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = i / 11f;
        }
        return new DigitDataset(3, 2, 2, pixels, new int[] {3, 1, 3}, angles);
    }

    @Test
    void accessorsExposeShapeAndTheSameArrays() {
        float[] angles = {10f, -20f, 30f};
        DigitDataset d = small(angles);
        assertEquals(3, d.count());
        assertEquals(2, d.height());
        assertEquals(2, d.width());
        assertEquals(4, d.imageSize());
        assertEquals(10, d.numClasses());
        assertTrue(d.hasAngles());
        assertSame(angles, d.anglesDegrees(), "angles are handed over without a copy");
        assertSame(d.pixels(), d.pixels(), "pixels are returned without copying");
    }

    @Test
    void anglesMayBeUnknown() {
        DigitDataset d = small(null);
        assertNull(d.anglesDegrees());
        assertTrue(!d.hasAngles());
        assertNull(d.subset(0, 2).anglesDegrees());
    }

    @Test
    void rejectsPixelLengthMismatch() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new DigitDataset(3, 2, 2, new float[11], new int[3], null));
        assertTrue(e.getMessage().contains("pixels"), e.getMessage());
        assertTrue(e.getMessage().contains("11") && e.getMessage().contains("12"), e.getMessage());
    }

    @Test
    void rejectsLabelLengthMismatch() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new DigitDataset(3, 2, 2, new float[12], new int[2], null));
        assertTrue(e.getMessage().contains("labels"), e.getMessage());
    }

    @Test
    void rejectsAngleLengthMismatch() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new DigitDataset(3, 2, 2, new float[12], new int[3], new float[4]));
        assertTrue(e.getMessage().contains("angles"), e.getMessage());
    }

    @Test
    void rejectsOverflowingShapeInsteadOfWrappingAround() {
        // 65536*65536*1 overflows int to 0; the check must still fail.
        var e = assertThrows(IllegalArgumentException.class,
                () -> new DigitDataset(65536, 65536, 1, new float[0], new int[65536], null));
        assertTrue(e.getMessage().contains("pixels"), e.getMessage());
    }

    @Test
    void rejectsLabelsOutOfRange() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new DigitDataset(3, 2, 2, new float[12], new int[] {0, 10, 1}, null));
        assertTrue(e.getMessage().contains("label") && e.getMessage().contains("10"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new DigitDataset(3, 2, 2, new float[12], new int[] {0, -1, 1}, null));
    }

    @Test
    void rejectsPixelsOutsideUnitInterval() {
        for (float bad : new float[] {-0.01f, 1.01f, 255f, Float.NaN}) {
            float[] pixels = new float[12];
            pixels[5] = bad;
            var e = assertThrows(IllegalArgumentException.class,
                    () -> new DigitDataset(3, 2, 2, pixels, new int[3], null));
            assertTrue(e.getMessage().contains("pixel") && e.getMessage().contains("image 1"), e.getMessage());
        }
    }

    @Test
    void subsetCopiesTheRequestedImages() {
        DigitDataset d = small(new float[] {10f, -20f, 30f});
        DigitDataset s = d.subset(1, 3);
        assertEquals(2, s.count());
        assertArrayEquals(new float[] {4 / 11f, 5 / 11f, 6 / 11f, 7 / 11f, 8 / 11f, 9 / 11f, 10 / 11f, 1f},
                s.pixels());
        assertArrayEquals(new int[] {1, 3}, s.labels());
        assertArrayEquals(new float[] {-20f, 30f}, s.anglesDegrees());
        assertNotSame(d.pixels(), s.pixels());
        assertEquals(0, d.subset(2, 2).count());
        assertThrows(IndexOutOfBoundsException.class, () -> d.subset(2, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> d.subset(2, 1));
    }

    @Test
    void classCountsCountEachLabel() {
        int[] counts = small(null).classCounts();
        assertEquals(10, counts.length);
        assertEquals(2, counts[3]);
        assertEquals(1, counts[1]);
        assertEquals(3, java.util.Arrays.stream(counts).sum());
    }

    @Test
    void equalityIsByValue() {
        assertEquals(small(new float[] {1, 2, 3}), small(new float[] {1, 2, 3}));
        assertEquals(small(null).hashCode(), small(null).hashCode());
        assertNotEquals(small(new float[] {1, 2, 3}), small(new float[] {1, 2, 4}));
        assertNotEquals(small(null), small(new float[] {1, 2, 3}));
    }
}
