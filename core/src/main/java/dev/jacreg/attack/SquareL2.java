package dev.jacreg.attack;

import dev.jacreg.DType;
import dev.jacreg.RandomStream;

/**
 * Square's L2 steps, as in AutoAttack's reference implementation (fra31/auto-attack, {@code autoattack/square.py},
 * {@code SquareAttack.attack_single_run}, the {@code norm == 'L2'} branch, with {@code eta} and
 * {@code eta_rectangles}; {@code meta_pseudo_gaussian_pert} in the authors' max-andr/square-attack) and Andriushchenko
 * et al. 2020, Algorithm 3:
 *
 * <ul>
 * <li>a <em>bump</em> of side s is two pseudo-Gaussian rectangles of opposite signs stacked (the upper ⌊s/2⌋ rows and
 * the rest), each a sum of concentric rectangles weighted 1/(r+1)², scaled to unit L2 norm and transposed with
 * probability ½;
 * <li>the search starts from a grid of bumps of side ⌊H/5⌋ (from offset ⌊(H − 5⌊H/5⌋)/2⌋, as many as fit), each with a
 * random sign per channel, the sum scaled to the sphere of radius ε and clipped to [0, 1];
 * <li>each query picks two random s×s windows (s from {@link #windowSide}) and per channel moves the perturbation's
 * mass of both into the first: the first window gets its old content normalised plus a fresh bump with a random
 * sign, scaled to √(max(ε² − ‖δ‖², 0)/C + ‖δ on both windows‖²), the second is zeroed; then the whole perturbation is
 * scaled back to the sphere of radius ε and the image clipped to [0, 1], so every iterate is within the ball.
 * </ul>
 *
 * Two departures from the reference, neither changing what is searched: the windows (and the bumps' orientation) are
 * drawn per image, as in the paper's algorithm, where the reference draws one pair per batch; and a window's corner is
 * uniform over all H − s + 1 positions (as for L∞ here), where the reference's {@code random_int(0, h - s)} never places
 * a window smaller than the image on the last row or column.
 */
final class SquareL2 implements SquareSteps {
    /** The reference's guard against dividing by a zero norm. */
    private static final double TINY = 1e-12;

    private final int channels, height, width;
    private final double pInit;

    SquareL2(int channels, int height, int width, double pInit) {
        if (height < 5 || width < 5) {
            throw new IllegalArgumentException("the L2 Square attack needs images at least 5×5 (its first bumps are a "
                    + "5×5 grid), got " + height + "×" + width);
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.pInit = pInit;
    }

    /** Window side: round(√(p·H·W)), at least 3, made odd, at most min(H, W) (the reference's rule for L2). */
    static int windowSide(double p, int height, int width) {
        int s = Math.max((int) Math.round(Math.sqrt(p * height * width)), 3);
        if (s % 2 == 0) s++;
        return Math.min(s, Math.min(height, width));
    }

    /**
     * The pseudo-Gaussian rectangle ({@code eta_rectangles}): rows×cols, the sum of concentric rectangles around
     * (⌊rows/2⌋, ⌊cols/2⌋) of half-sides r = 0, 1, … weighted 1/(r+1)², scaled to unit L2 norm.
     */
    static double[][] rectangle(int rows, int cols) {
        double[][] r = new double[rows][cols];
        int rowCentre = rows / 2, colCentre = cols / 2;
        for (int ring = 0; ring <= Math.max(rowCentre, colCentre); ring++) {
            double weight = 1.0 / ((ring + 1.0) * (ring + 1.0));
            for (int i = Math.max(rowCentre - ring, 0); i < Math.min(rowCentre + ring + 1, rows); i++) {
                for (int j = Math.max(colCentre - ring, 0); j < Math.min(colCentre + ring + 1, cols); j++) r[i][j] += weight;
            }
        }
        return unit(r);
    }

    /**
     * A bump of side s ({@code eta}, {@code meta_pseudo_gaussian_pert}): the upper ⌊s/2⌋ rows a {@link #rectangle},
     * the others minus one, the whole of unit L2 norm, transposed if asked.
     */
    static double[][] bump(int s, boolean transposed) {
        double[][] upper = rectangle(s / 2, s), lower = rectangle(s - s / 2, s);
        double[][] b = new double[s][];
        for (int i = 0; i < s; i++) b[i] = i < s / 2 ? upper[i].clone() : negated(lower[i - s / 2]);
        b = unit(b);
        if (!transposed) return b;
        double[][] t = new double[s][s];
        for (int i = 0; i < s; i++) for (int j = 0; j < s; j++) t[j][i] = b[i][j];
        return t;
    }

    private static double[] negated(double[] row) {
        double[] n = new double[row.length];
        for (int j = 0; j < row.length; j++) n[j] = -row[j];
        return n;
    }

    /** The matrix divided by its Frobenius norm (an empty or zero one is returned as it is). */
    private static double[][] unit(double[][] m) {
        double sq = 0;
        for (double[] row : m) for (double v : row) sq += v * v;
        if (sq == 0) return m;
        double norm = Math.sqrt(sq);
        for (double[] row : m) for (int j = 0; j < row.length; j++) row[j] /= norm;
        return m;
    }

    @Override
    public double[] start(double[] clean, int n, double epsilon, RandomStream random) {
        int c = channels, h = height, w = width, size = c * h * w;
        int side = h / 5, offset = (h - 5 * side) / 2;
        int rows = (h - offset) / side, cols = (w - offset) / side;
        // Per image and window: the bump's orientation, then a sign per channel.
        int perWindow = 1 + c;
        double[] draws = random.uniform(DType.FLOAT64, (long) n * rows * cols * perWindow).toDoubleArray();
        double[] delta = new double[n * size];
        int d = 0;
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < rows; a++) {
                for (int b = 0; b < cols; b++, d += perWindow) {
                    double[][] bump = bump(side, draws[d] > 0.5);
                    for (int ch = 0; ch < c; ch++) {
                        double sign = draws[d + 1 + ch] < 0.5 ? -1 : 1;
                        addWindow(delta, i * size + ch * h * w, offset + a * side, offset + b * side, bump, sign);
                    }
                }
            }
        }
        double[] start = new double[n * size];
        for (int i = 0; i < n; i++) onSphere(clean, delta, i * size, i * size, size, epsilon, start, i * size);
        return start;
    }

    @Override
    public double[] candidates(double[] clean, double[] best, int[] open, int iteration, int total, double epsilon,
                               RandomStream random) {
        int c = channels, h = height, w = width, plane = h * w, size = c * plane;
        int s = windowSide(Square.fraction(pInit, iteration, total), h, w);
        // Per image: the corners of the two windows, the bump's orientation, a sign per channel.
        int perImage = 5 + c;
        double[] draws = random.uniform(DType.FLOAT64, (long) open.length * perImage).toDoubleArray();
        double[] candidate = new double[open.length * size];
        double[] delta = new double[size];
        for (int k = 0; k < open.length; k++) {
            int i = open[k], d = k * perImage;
            for (int p = 0; p < size; p++) delta[p] = best[i * size + p] - clean[i * size + p];
            int top = corner(draws[d], h, s), left = corner(draws[d + 1], w, s);
            int top2 = corner(draws[d + 2], h, s), left2 = corner(draws[d + 3], w, s);
            double[][] bump = bump(s, draws[d + 4] > 0.5);
            double imageSq = 0;
            for (double v : delta) imageSq += v * v;
            double free = Math.max(epsilon * epsilon - imageSq, 0) / c;
            for (int ch = 0; ch < c; ch++) {
                int base = ch * plane;
                double firstSq = 0, bothSq = 0;
                for (int row = 0; row < h; row++) {
                    for (int col = 0; col < w; col++) {
                        boolean inFirst = inside(row, col, top, left, s), inSecond = inside(row, col, top2, left2, s);
                        double v = delta[base + row * w + col];
                        if (inFirst) firstSq += v * v;
                        if (inFirst || inSecond) bothSq += v * v;
                    }
                }
                // The first window's old content, normalised, plus a fresh bump of random sign...
                double sign = draws[d + 5 + ch] < 0.5 ? -1 : 1;
                double[][] moved = new double[s][s];
                double movedSq = 0;
                for (int r = 0; r < s; r++) {
                    for (int q = 0; q < s; q++) {
                        moved[r][q] = bump[r][q] * sign + delta[base + (top + r) * w + left + q] / (TINY + Math.sqrt(firstSq));
                        movedSq += moved[r][q] * moved[r][q];
                    }
                }
                // ...holding the mass of both windows and the share of the unused radius.
                double scale = Math.sqrt(free + bothSq) / (TINY + Math.sqrt(movedSq));
                for (int r = 0; r < s; r++) for (int q = 0; q < s; q++) delta[base + (top2 + r) * w + left2 + q] = 0;
                for (int r = 0; r < s; r++) for (int q = 0; q < s; q++) delta[base + (top + r) * w + left + q] = moved[r][q] * scale;
            }
            onSphere(clean, delta, i * size, 0, size, epsilon, candidate, k * size);
        }
        return candidate;
    }

    /** A window corner uniform over the n − s + 1 positions where it fits. */
    private static int corner(double u, int n, int s) {
        return (int) (u * (n - s + 1));
    }

    private static boolean inside(int row, int col, int top, int left, int s) {
        return row >= top && row < top + s && col >= left && col < left + s;
    }

    /** Adds sign·bump to the window at (top, left) of the plane starting at {@code base}. */
    private void addWindow(double[] delta, int base, int top, int left, double[][] bump, double sign) {
        for (int r = 0; r < bump.length; r++) {
            for (int q = 0; q < bump.length; q++) delta[base + (top + r) * width + left + q] += sign * bump[r][q];
        }
    }

    /**
     * clip(x + ε·δ/(‖δ‖ + tiny)) into {@code out}: the perturbation scaled to the sphere of radius ε, then the pixels
     * clipped to [0, 1], which only shortens it; checked to be within the ball.
     */
    private static void onSphere(double[] clean, double[] delta, int cleanAt, int deltaAt, int size, double epsilon,
                                 double[] out, int outAt) {
        double sq = 0;
        for (int p = 0; p < size; p++) sq += delta[deltaAt + p] * delta[deltaAt + p];
        double scale = epsilon / (Math.sqrt(sq) + TINY), moved = 0;
        for (int p = 0; p < size; p++) {
            double x = clean[cleanAt + p], v = SquareSteps.clip(x + scale * delta[deltaAt + p]);
            out[outAt + p] = v;
            moved += (v - x) * (v - x);
        }
        // Clipping shortens every coordinate of δ only when the clean pixels are in [0, 1].
        if (Math.sqrt(moved) > epsilon * (1 + 1e-9)) {
            throw new IllegalStateException("the L2 Square attack left the ε-ball (‖δ‖₂ " + Math.sqrt(moved) + " > ε "
                    + epsilon + "); the images' pixels must be in [0, 1]");
        }
    }
}
