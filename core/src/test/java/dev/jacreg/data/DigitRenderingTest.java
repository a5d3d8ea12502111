package dev.jacreg.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Shape;
import java.awt.geom.Rectangle2D;
import org.junit.jupiter.api.Test;

/** The shipped outlines, the blur and the intensity/blur/weight options of the generator. */
class DigitRenderingTest {

    /**
     * The default digits are pinned: a seed gives these exact pixels on every machine, since nothing depends on
     * installed fonts. The hash changes only when the generator does (then bump SyntheticDigitCache's version).
     */
    @Test
    void defaultDigitsAreTheSameOnEveryMachine() {
        DigitDataset d = SyntheticDigits.generate(64, 2026);
        long hash = 1125899906842597L;
        for (float v : d.pixels()) hash = 31 * hash + Math.round(v * 255);
        for (int label : d.labels()) hash = 31 * hash + label;
        assertEquals(GOLDEN_HASH, hash, "the generator's output changed");
    }

    private static final long GOLDEN_HASH = -7893827532415599645L;

    @Test
    void shippedOutlinesAreNormalisedDigits() {
        for (DigitGlyphs.Glyphs font : DigitGlyphs.fontGlyphs()) {
            assertEquals(10, font.digits().length);
            for (Shape digit : font.digits()) {
                Rectangle2D b = digit.getBounds2D();
                assertEquals(1.0, Math.max(b.getWidth(), b.getHeight()), 1e-9, font.name());
                assertEquals(0.0, b.getCenterX(), 1e-9, font.name());
                assertEquals(0.0, b.getCenterY(), 1e-9, font.name());
            }
        }
    }

    @Test
    void outlineParserNamesTheBadLine() {
        String good = "F 0 nonzero M 0 0 L 1 0 L 1 1 Z\n";
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DigitGlyphs.parse("# c\n" + good + "F 1 nonzero M 0 0 X 1 1\n"));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("X"), e.getMessage());
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> DigitGlyphs.parse(good));
        assertTrue(missing.getMessage().contains("lacks digit 1"), missing.getMessage());
    }

    @Test
    void gaussianKernelIsTheNormalisedClosedForm() {
        float[] k = GaussianBlur.kernel(1.0);
        assertEquals(7, k.length);  // radius ceil(3 sigma)
        double total = 0;
        for (int i = -3; i <= 3; i++) total += Math.exp(-i * i / 2.0);
        for (int i = -3; i <= 3; i++) assertEquals(Math.exp(-i * i / 2.0) / total, k[i + 3], 1e-7);
    }

    @Test
    void blurOfAPointIsTheKernelsOuterProductAndKeepsItsMass() {
        float[] image = new float[15 * 15];
        image[7 * 15 + 7] = 1f;
        float[] blurred = GaussianBlur.blur(image, 15, 15, 0.8);
        float[] k = GaussianBlur.kernel(0.8);
        int r = k.length / 2;
        double mass = 0;
        for (int y = 0; y < 15; y++) {
            for (int x = 0; x < 15; x++) {
                int dy = y - 7, dx = x - 7;
                double expected = Math.abs(dy) <= r && Math.abs(dx) <= r ? k[dy + r] * k[dx + r] : 0;
                assertEquals(expected, blurred[y * 15 + x], 1e-7);
                mass += blurred[y * 15 + x];
            }
        }
        assertEquals(1.0, mass, 1e-6);
    }

    @Test
    void intensityBoundsTheBrightestPixel() {
        var dim = new SyntheticDigits.Options(45, 0.85, 1.15, 2, 0.6, true, 0.5, 0);
        DigitDataset d = SyntheticDigits.generate(200, 3, dim);
        int belowFull = 0;
        for (int i = 0; i < d.count(); i++) {
            float max = 0;
            for (float v : DigitImages.image(d, i)) max = Math.max(max, v);
            assertTrue(max >= 0.5f - 1e-6f && max <= 1f, "image " + i + " peaks at " + max);
            if (max < 0.9f) belowFull++;
        }
        // Intensity is uniform in [0.5, 1]: about 80 % of the images peak below 0.9.
        assertTrue(belowFull > 120, belowFull + " of 200 images are dimmer than 0.9");
    }

    @Test
    void blurSoftensEdges() {
        var sharp = new SyntheticDigits.Options(45, 0.85, 1.15, 2, 0.6, true, 1, 0);
        var soft = new SyntheticDigits.Options(45, 0.85, 1.15, 2, 0.6, true, 1, 1.5);
        assertTrue(meanEdge(SyntheticDigits.generate(100, 5, soft)) < 0.8 * meanEdge(SyntheticDigits.generate(100, 5, sharp)));
    }

    @Test
    void boldFontsCanBeLeftOut() {
        var light = new SyntheticDigits.Options(45, 0.85, 1.15, 2, 0.6, false, 1, 0);
        var bold = new SyntheticDigits.Options(45, 0.85, 1.15, 2, 0.6, true, 1, 0);
        // Same transformations from the same seed; only the pool of fonts differs, and bold strokes carry more ink.
        assertTrue(meanInk(SyntheticDigits.generate(300, 6, light)) < meanInk(SyntheticDigits.generate(300, 6, bold)));
    }

    /** Mean squared difference of horizontally adjacent pixels: large for crisp strokes (blur spreads each step). */
    private static double meanEdge(DigitDataset d) {
        double sum = 0;
        float[] p = d.pixels();
        for (int i = 0; i < d.count(); i++) {
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 27; x++) {
                    int at = i * 784 + y * 28 + x;
                    sum += (p[at + 1] - p[at]) * (p[at + 1] - p[at]);
                }
            }
        }
        return sum / d.count();
    }

    private static double meanInk(DigitDataset d) {
        double sum = 0;
        for (float v : d.pixels()) sum += v;
        return sum / d.count();
    }
}
