package example;

import dev.jacreg.data.Dataset;

import java.util.SplittableRandom;

/**
 * Generated 3×16×16 colour images of one shape each (square, disc, triangle, cross: the class) in a random colour,
 * size and place on a darker random background with pixel noise. Nothing is stored: example i is drawn afresh from
 * (seed, i) whenever it is read, so a loader streaming it never holds more than a batch.
 */
final class ColoredShapes implements Dataset {
    static final int CHANNELS = 3, SIZE = 16;
    static final String[] SHAPES = {"square", "disc", "triangle", "cross"};

    private final int count;
    private final long seed;

    ColoredShapes(int count, long seed) {
        this.count = count;
        this.seed = seed;
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public long[] featureShape() {
        return new long[]{CHANNELS, SIZE, SIZE};
    }

    @Override
    public int numClasses() {
        return SHAPES.length;
    }

    @Override
    public int label(int index) {
        checkIndex(index);
        return index % SHAPES.length;  // balanced classes
    }

    @Override
    public void copyFeatures(int index, float[] target, int offset) {
        int shape = label(index);
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + index);
        float[] background = new float[CHANNELS], colour = new float[CHANNELS];
        for (int c = 0; c < CHANNELS; c++) {
            background[c] = (float) (0.3 * random.nextDouble());
            colour[c] = (float) (0.4 + 0.6 * random.nextDouble());
        }
        int half = 3 + random.nextInt(3);                      // half-width 3..5 pixels
        int cx = half + random.nextInt(SIZE - 2 * half), cy = half + random.nextInt(SIZE - 2 * half);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                boolean inside = covers(shape, x - cx, y - cy, half);
                for (int c = 0; c < CHANNELS; c++) {
                    float value = (inside ? colour[c] : background[c]) + (float) (0.05 * random.nextGaussian());
                    target[offset + (c * SIZE + y) * SIZE + x] = value;
                }
            }
        }
    }

    /** Whether the pixel at (dx, dy) from the shape's centre is part of the shape. */
    private static boolean covers(int shape, int dx, int dy, int half) {
        return switch (shape) {
            case 0 -> Math.abs(dx) <= half && Math.abs(dy) <= half;
            case 1 -> dx * dx + dy * dy <= half * half;
            case 2 -> dy >= -half && dy <= half && 2 * Math.abs(dx) <= dy + half;  // apex up, base at the bottom
            case 3 -> (Math.abs(dx) <= 1 && Math.abs(dy) <= half) || (Math.abs(dy) <= 1 && Math.abs(dx) <= half);
            default -> throw new IllegalStateException("no shape " + shape);
        };
    }
}
