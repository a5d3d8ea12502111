package dev.jacreg.data;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Generates MNIST-like synthetic digits: each digit is drawn from one of several fonts, randomly
 * rotated (uniform in [-45, 45] degrees by default), scaled and shifted, white on black, 28x28.
 * The rotation angle of every image is kept, because the experiments study rotation robustness.
 *
 * <p>Each digit is filled on a 3x larger antialiased canvas (84x84), downsampled by area averaging and
 * blurred a little, which gives the soft edges MNIST has. Pixel values are quantised to multiples of
 * 1/255 like MNIST's bytes, so storing a generated set as IDX and reading it back is lossless.
 *
 * <p>Output depends only on (count, seed, options): the font outlines ship with jacreg (not read from
 * the system's fonts), images are rendered in parallel but image {@code i} uses its own seed drawn up
 * front, never shared random state. Only Java2D geometry and off-screen images are used, so it works
 * headless.
 */
public final class SyntheticDigits {

    /** The image side in pixels, as MNIST's. */
    public static final int SIZE = 28;
    /** The classes: the digits 0 to 9. */
    public static final int NUM_CLASSES = 10;

    /** Oversampling factor of the drawing canvas; 3x3 area averaging gives smooth antialiasing. */
    private static final int SUPERSAMPLE = 3;
    private static final int CANVAS = SIZE * SUPERSAMPLE;

    /** Larger side of an unscaled digit in output pixels; MNIST fits digits in a 20x20 box in 28x28. */
    private static final double BASE_DIGIT_SIZE = 20.0;

    /** Closest a rotated digit may come to the image border, in output pixels. */
    private static final double BORDER_MARGIN = 1.0;

    /**
     * Random transformation ranges.
     *
     * @param maxRotationDegrees rotation uniform in [-max, max]
     * @param minScale smallest digit size factor relative to MNIST's 20-pixel box
     * @param maxScale largest digit size factor
     * @param maxShiftPixels translation uniform in [-max, max] per axis (output pixels), reduced
     *     where it would push the digit out of the frame
     * @param maxExtraStrokePixels strokes thickened by a width uniform in [0, max] output pixels, so
     *     that thin and bold fonts both produce MNIST-like pen widths
     * @param boldFonts whether the heavy font weights (Bold, Demi) are drawn from too
     * @param minIntensity the digit's brightness is uniform in [min, 1] (1: always full white)
     * @param maxBlurPixels a Gaussian blur with standard deviation uniform in [0, max] output pixels
     *     softens each image (0: none)
     */
    public record Options(double maxRotationDegrees, double minScale, double maxScale, double maxShiftPixels,
            double maxExtraStrokePixels, boolean boldFonts, double minIntensity, double maxBlurPixels) {

        /**
         * The experiment's setting: +-45 degrees, scale 0.85-1.15, shift +-2 px, strokes thickened by up to 0.6 px,
         * all font weights, full intensity, and a blur of up to 0.5 px that gives the soft edges of scanned
         * handwriting (crisp font edges made noise far less harmful than it is on MNIST; README "Synthetic digits").
         */
        public static final Options DEFAULT = new Options(45, 0.85, 1.15, 2, 0.6, true, 1, 0.5);

        /** Checks every range. */
        public Options {
            if (!(maxRotationDegrees >= 0 && maxRotationDegrees <= 180)) {
                throw new IllegalArgumentException("maxRotationDegrees must be in [0,180]: " + maxRotationDegrees);
            }
            if (!(minScale > 0 && maxScale >= minScale && maxScale <= 1.4)) {
                throw new IllegalArgumentException(
                        "need 0 < minScale <= maxScale <= 1.4, got " + minScale + ", " + maxScale);
            }
            if (!(maxShiftPixels >= 0 && maxShiftPixels <= 8)) {
                throw new IllegalArgumentException("maxShiftPixels must be in [0,8]: " + maxShiftPixels);
            }
            if (!(maxExtraStrokePixels >= 0 && maxExtraStrokePixels <= 4)) {
                throw new IllegalArgumentException("maxExtraStrokePixels must be in [0,4]: " + maxExtraStrokePixels);
            }
            if (!(minIntensity > 0 && minIntensity <= 1)) {
                throw new IllegalArgumentException("minIntensity must be in (0,1]: " + minIntensity);
            }
            if (!(maxBlurPixels >= 0 && maxBlurPixels <= 3)) {
                throw new IllegalArgumentException("maxBlurPixels must be in [0,3]: " + maxBlurPixels);
            }
        }

        /**
         * The default ranges with a different rotation limit (0 gives upright digits).
         *
         * @param degrees the new rotation limit, in [0, 180]
         * @return the options
         */
        public Options withMaxRotationDegrees(double degrees) {
            return new Options(degrees, minScale, maxScale, maxShiftPixels, maxExtraStrokePixels, boldFonts,
                    minIntensity, maxBlurPixels);
        }
    }

    private SyntheticDigits() {
    }

    /**
     * {@code count} digits with the default options; balanced labels, deterministic for the seed.
     *
     * @param count the number of images
     * @param seed the seed every image derives from
     * @return the images, 28×28
     */
    public static DigitDataset generate(int count, long seed) {
        return generate(count, seed, Options.DEFAULT);
    }

    /**
     * {@code count} digits drawn with the given ranges; balanced labels, deterministic for the seed.
     *
     * @param count the number of images
     * @param seed the seed every image derives from
     * @param options the transformation ranges
     * @return the images, 28×28
     */
    public static DigitDataset generate(int count, long seed, Options options) {
        List<DigitGlyphs.Glyphs> fonts = DigitGlyphs.all().stream().filter(f -> options.boldFonts() || !f.bold()).toList();
        return generate(count, seed, options, fonts);
    }

    /**
     * A training and a test set from one seed. They use different derived seeds, so their images
     * are independent draws from the same distribution (same fonts and transformation ranges).
     *
     * @param trainCount training images
     * @param testCount test images
     * @param seed the seed both sets derive from
     * @return {@code [train, test]}
     */
    public static DigitDataset[] trainAndTest(int trainCount, int testCount, long seed) {
        return trainAndTest(trainCount, testCount, seed, Options.DEFAULT);
    }

    /**
     * A training and a test set from one seed with the given ranges (see {@link #trainAndTest(int, int, long)}).
     *
     * @param trainCount training images
     * @param testCount test images
     * @param seed the seed both sets derive from
     * @param options the transformation ranges
     * @return {@code [train, test]}
     */
    public static DigitDataset[] trainAndTest(int trainCount, int testCount, long seed, Options options) {
        SplittableRandom root = new SplittableRandom(seed);
        long trainSeed = root.nextLong();
        long testSeed = root.nextLong();
        return new DigitDataset[] {
            generate(trainCount, trainSeed, options), generate(testCount, testSeed, options)
        };
    }

    /** Package-private so tests can render with a chosen set of fonts (e.g. only the pen digits). */
    static DigitDataset generate(int count, long seed, Options options, List<DigitGlyphs.Glyphs> fonts) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        if (count > Integer.MAX_VALUE / (SIZE * SIZE)) {
            throw new IllegalArgumentException("count too large for one float[] of pixels: " + count);
        }
        if (fonts.isEmpty()) {
            throw new IllegalArgumentException("no fonts to draw digits with");
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[] labels = balancedShuffledLabels(count, random);
        // Per-image seeds drawn sequentially before the parallel part: image i never depends on scheduling.
        long[] imageSeeds = new long[count];
        for (int i = 0; i < count; i++) {
            imageSeeds[i] = random.nextLong();
        }
        float[] pixels = new float[count * SIZE * SIZE];
        float[] angles = new float[count];
        IntStream.range(0, count).parallel().forEach(i -> {
            SplittableRandom r = new SplittableRandom(imageSeeds[i]);
            angles[i] = renderDigit(labels[i], r, options, fonts, pixels, i * SIZE * SIZE);
        });
        return new DigitDataset(count, SIZE, SIZE, pixels, labels, angles, NUM_CLASSES);
    }

    /** Labels i % 10 shuffled: exactly count/10 per class when count is a multiple of 10, else +-1. */
    static int[] balancedShuffledLabels(int count, SplittableRandom random) {
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = i % NUM_CLASSES;
        }
        for (int i = count - 1; i > 0; i--) { // Fisher-Yates
            int j = random.nextInt(i + 1);
            int tmp = labels[i];
            labels[i] = labels[j];
            labels[j] = tmp;
        }
        return labels;
    }

    /**
     * Draws one digit into {@code out[offset .. offset + 28*28)} and returns its rotation angle.
     * Coordinates below are in canvas pixels (3x the output size).
     */
    private static float renderDigit(int digit, SplittableRandom r, Options options,
            List<DigitGlyphs.Glyphs> fonts, float[] out, int offset) {
        Shape glyph = fonts.get(r.nextInt(fonts.size())).digits()[digit];
        float angleDegrees = options.maxRotationDegrees() == 0 ? 0f
                : (float) r.nextDouble(-options.maxRotationDegrees(), options.maxRotationDegrees());
        double scale = options.minScale() == options.maxScale() ? options.minScale()
                : r.nextDouble(options.minScale(), options.maxScale());
        double shiftX = uniformSymmetric(r, options.maxShiftPixels()) * SUPERSAMPLE;
        double shiftY = uniformSymmetric(r, options.maxShiftPixels()) * SUPERSAMPLE;
        float extraStroke = (float) (r.nextDouble() * options.maxExtraStrokePixels() * SUPERSAMPLE);
        // Drawn only when their range is not a constant, so the default options keep their random stream.
        double intensity = options.minIntensity() == 1 ? 1 : r.nextDouble(options.minIntensity(), 1);
        double blur = options.maxBlurPixels() == 0 ? 0 : r.nextDouble() * options.maxBlurPixels();

        // Scale then rotate about the glyph centre (the normalised outline is centred on the origin).
        // Java2D's y axis points down, so a positive (counter-clockwise) angle is a negative rotation here.
        AffineTransform pose = AffineTransform.getRotateInstance(Math.toRadians(-angleDegrees));
        pose.scale(scale * BASE_DIGIT_SIZE * SUPERSAMPLE, scale * BASE_DIGIT_SIZE * SUPERSAMPLE);
        Shape posed = pose.createTransformedShape(glyph);
        Rectangle2D bounds = posed.getBounds2D();
        double pad = extraStroke / 2 + BORDER_MARGIN * SUPERSAMPLE;

        // Shrink the rare digit whose rotated box would not fit the frame, rather than clip it.
        double usable = CANVAS - 2 * pad;
        double largest = Math.max(bounds.getWidth(), bounds.getHeight());
        if (largest > usable) {
            double shrink = usable / largest;
            posed = AffineTransform.getScaleInstance(shrink, shrink).createTransformedShape(posed);
            bounds = posed.getBounds2D();
        }
        // Centre the rotated box in the frame, then shift, but never past the border margin.
        double dx = CANVAS / 2.0 - bounds.getCenterX() + clampShift(shiftX, bounds.getWidth(), pad);
        double dy = CANVAS / 2.0 - bounds.getCenterY() + clampShift(shiftY, bounds.getHeight(), pad);
        Shape placed = AffineTransform.getTranslateInstance(dx, dy).createTransformedShape(posed);

        BufferedImage canvas = new BufferedImage(CANVAS, CANVAS, BufferedImage.TYPE_BYTE_GRAY); // starts black
        Graphics2D g = canvas.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setColor(Color.WHITE);
            g.fill(placed);
            if (extraStroke > 0) {
                g.setStroke(new BasicStroke(extraStroke, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                g.draw(placed);
            }
        } finally {
            g.dispose();
        }
        float[] image = downsample(((DataBufferByte) canvas.getRaster().getDataBuffer()).getData());
        if (blur > 0) image = GaussianBlur.blur(image, SIZE, SIZE, blur);
        quantise(image, intensity, out, offset);
        return angleDegrees;
    }

    private static double uniformSymmetric(SplittableRandom r, double max) {
        return max == 0 ? 0 : r.nextDouble(-max, max);
    }

    /** The largest shift, towards the requested one, that keeps a centred box of this extent in frame. */
    private static double clampShift(double shift, double extent, double pad) {
        double room = Math.max(0, (CANVAS - 2 * pad - extent) / 2);
        return Math.max(-room, Math.min(room, shift));
    }

    /** Averages each 3x3 block of canvas bytes into one output pixel in [0, 1]. */
    private static float[] downsample(byte[] canvas) {
        float[] image = new float[SIZE * SIZE];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int sum = 0;
                for (int sy = 0; sy < SUPERSAMPLE; sy++) {
                    int row = (y * SUPERSAMPLE + sy) * CANVAS + x * SUPERSAMPLE;
                    for (int sx = 0; sx < SUPERSAMPLE; sx++) {
                        sum += canvas[row + sx] & 0xFF;
                    }
                }
                image[y * SIZE + x] = sum / (float) (SUPERSAMPLE * SUPERSAMPLE * 255);
            }
        }
        return image;
    }

    /** Scales by the digit's intensity and quantises to k/255, like MNIST's bytes. */
    private static void quantise(float[] image, double intensity, float[] out, int offset) {
        for (int i = 0; i < image.length; i++) {
            int level = Math.round((float) (image[i] * intensity * 255));
            // Same expression as the IDX reader, so values survive a write/read round trip bit for bit.
            out[offset + i] = Math.min(255, level) / 255f;
        }
    }
}
