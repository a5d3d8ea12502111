package dev.jacreg.attack;

import dev.jacreg.DType;
import dev.jacreg.RandomStream;

/**
 * Square's L∞ steps (Andriushchenko et al. 2020, Algorithm 1): the search starts from vertical stripes x + ε·(±1 per
 * column and channel); each query sets one random s×s window to a random corner ±ε per channel.
 */
final class SquareLinf implements SquareSteps {
    /** Redraws of a window that would not change the image before the change is tried anyway. */
    private static final int MAX_REDRAWS = 100;

    private final int channels, height, width;
    private final double pInit;

    SquareLinf(int channels, int height, int width, double pInit) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.pInit = pInit;
    }

    /** Window side: round(√(p·H·W)), at least 1 and at most H − 1. */
    static int windowSide(double p, int height, int width) {
        int s = (int) Math.round(Math.sqrt(p * height * width));
        return Math.max(1, Math.min(s, height - 1));
    }

    @Override
    public double[] start(double[] clean, int n, double epsilon, RandomStream random) {
        int c = channels, h = height, w = width, size = c * h * w;
        double[] start = clean.clone();
        // One sign per image, channel and column.
        double[] signs = random.uniform(DType.FLOAT64, (long) n * c * w).toDoubleArray();
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                for (int col = 0; col < w; col++) {
                    double step = signs[(i * c + ch) * w + col] < 0.5 ? -epsilon : epsilon;
                    for (int row = 0; row < h; row++) {
                        int at = i * size + (ch * h + row) * w + col;
                        start[at] = SquareSteps.clip(clean[at] + step);
                    }
                }
            }
        }
        return start;
    }

    @Override
    public double[] candidates(double[] clean, double[] best, int[] open, int iteration, int total, double epsilon,
                               RandomStream random) {
        int c = channels, h = height, w = width, size = c * h * w;
        int s = windowSide(Square.fraction(pInit, iteration, total), h, w);
        double[] candidate = new double[open.length * size];
        for (int k = 0; k < open.length; k++) {
            int i = open[k];
            System.arraycopy(best, i * size, candidate, k * size, size);
            double[] draw = random.uniform(DType.FLOAT64, 2).toDoubleArray();
            int top = (int) (draw[0] * (h - s + 1)), left = (int) (draw[1] * (w - s + 1));
            for (int tries = 0; tries < MAX_REDRAWS; tries++) {
                double[] corner = random.uniform(DType.FLOAT64, c).toDoubleArray();
                boolean changed = false;
                for (int ch = 0; ch < c; ch++) {
                    double step = corner[ch] < 0.5 ? -epsilon : epsilon;
                    for (int row = top; row < top + s; row++) {
                        for (int col = left; col < left + s; col++) {
                            int pixel = (ch * h + row) * w + col;
                            double v = SquareSteps.clip(clean[i * size + pixel] + step);
                            changed |= Math.abs(v - best[i * size + pixel]) > 1e-7;
                            candidate[k * size + pixel] = v;
                        }
                    }
                }
                if (changed) break;
            }
        }
        return candidate;
    }
}
