package dev.jacreg.attack;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Module;

import java.util.Arrays;
import java.util.Objects;

/**
 * Square Attack, Andriushchenko et al. 2020, L∞: a score-based black box that only reads the logits. It starts from
 * vertical stripes x + ε·(±1 per column and channel), then, per query, sets one random s×s window to a random corner
 * ±ε per channel and keeps the change if it lowers the margin z_y − max_{k≠y} z_k. The window side follows the
 * published schedule: s = round(√(p·H·W)) clamped to [1, H − 1], p = p_init halved at 10, 50, 200, 500, 1000, 2000,
 * 4000, 6000 and 8000 of 10,000 iterations (rescaled to the budget). An image stops as soon as it is misclassified.
 *
 * <p>The query budget counts every forward pass of an image, the clean one included: at most {@code queries} per
 * image, exactly (see {@link #run}).
 */
public final class Square implements Attack {
    /** AutoAttack's standard version: 5,000 queries per image. */
    public static final int DEFAULT_QUERIES = 5000;
    /** AutoAttack's standard p_init (the fraction of pixels the first windows cover). */
    public static final double DEFAULT_P_INIT = 0.8;
    /** Redraws of a window that would not change the image before the change is tried anyway. */
    private static final int MAX_REDRAWS = 100;

    private final int queries;
    private final double pInit;

    /**
     * Square with a given budget.
     *
     * @param norm the ball the perturbation stays in
     * @param queries forward passes per image, >= 2 (the clean image and the stripes); pInit in (0, 1]
     * @param pInit the fraction of the image the first window covers, in (0, 1]
     */
    public Square(Norm norm, int queries, double pInit) {
        Objects.requireNonNull(norm, "norm");
        if (norm != Norm.LINF) throw new IllegalArgumentException("the Square attack is implemented for linf only, got " + norm.label());
        if (queries < 2) throw new IllegalArgumentException("Square needs a budget of at least 2 queries, got " + queries);
        if (!(pInit > 0 && pInit <= 1)) throw new IllegalArgumentException("Square's p_init must be in (0, 1], got " + pInit);
        this.queries = queries;
        this.pInit = pInit;
    }

    /**
     * Square with the published budget and schedule ({@link #DEFAULT_QUERIES}, {@link #DEFAULT_P_INIT}).
     *
     * @param norm the ball the perturbation stays in
     */
    public Square(Norm norm) {
        this(norm, DEFAULT_QUERIES, DEFAULT_P_INIT);
    }

    @Override
    public String name() {
        return "square";
    }

    @Override
    public Norm norm() {
        return Norm.LINF;
    }

    /** {@return the forward passes allowed per image} */
    public int queries() {
        return queries;
    }

    /** {@return the fraction of the image the first window covers} */
    public double pInit() {
        return pInit;
    }

    @Override
    public Square withDoubledBudget() {
        return new Square(Norm.LINF, 2 * queries, pInit);
    }

    @Override
    public boolean blackBox() {
        return true;
    }

    /**
     * The fraction p of the image a window covers at iteration {@code it} of {@code total} (the published schedule).
     *
     * @param pInit the first iteration's fraction, in (0, 1]
     * @param it the iteration, from 0
     * @param total the iterations of the run (the query budget)
     * @return the fraction p, in (0, pInit]
     */
    public static double fraction(double pInit, int it, int total) {
        int scaled = (int) ((double) it / total * 10000);
        int[] bounds = {10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000};
        double p = pInit;
        for (int b : bounds) {
            if (scaled > b) p /= 2;
        }
        return p;
    }

    /**
     * Window side s at iteration {@code it}: round(√(p·H·W)), at least 1 and at most H − 1.
     *
     * @param pInit the first iteration's fraction, in (0, 1]
     * @param it the iteration, from 0
     * @param total the iterations of the run (the query budget)
     * @param height the image height H, &gt;= 2
     * @param width the image width W
     * @return the side s, in pixels
     */
    public static int windowSide(double pInit, int it, int total, int height, int width) {
        int s = (int) Math.round(Math.sqrt(fraction(pInit, it, total) * height * width));
        return Math.max(1, Math.min(s, height - 1));
    }

    @Override
    public Tensor perturb(Module model, Tensor images, Tensor labels, double epsilon, RandomStream random) {
        return run(model, images, labels, epsilon, random).adversarial();
    }

    /**
     * What a run of Square produced.
     *
     * @param adversarial the images, in the caller's scope
     * @param queries     forward passes spent on each image (the clean one included)
     */
    public record Result(Tensor adversarial, int[] queries) {}

    /**
     * The attack, with the queries each image took.
     *
     * @param model the classifier attacked (only its outputs are read)
     * @param images the clean images, N×C×H×W, pixels in [0, 1]
     * @param labels int64 true labels, N
     * @param epsilon the radius, &gt;= 0
     * @param random where the windows and their signs are drawn from
     * @return the adversarial images and each image's query count
     */
    public Result run(Module model, Tensor images, Tensor labels, double epsilon, RandomStream random) {
        AttackMath.checkEpsilon(epsilon);
        AttackMath.checkBatch(images, labels);
        if (images.dim() != 4) {
            throw new IllegalArgumentException("Square needs N×C×H×W images, got " + Arrays.toString(images.shape()));
        }
        int n = (int) images.size(0), c = (int) images.size(1), h = (int) images.size(2), w = (int) images.size(3);
        if (h < 2) throw new IllegalArgumentException("Square needs images at least 2 pixels high, got " + h);
        if (random == null) throw new IllegalArgumentException("Square needs a random stream");
        DType dtype = images.dtype();
        long[] shape = images.shape();
        int size = c * h * w;
        double[] clean = images.detach().to(DType.FLOAT64).toDoubleArray();
        long[] y = labels.toLongArray();
        int[] spent = new int[n];
        if (epsilon == 0) return new Result(images.detach().clone(), spent);

        boolean[] done = new boolean[n];
        double[] cleanMargin = marginsOfRows(model, clean, all(n), y, shape, dtype, spent);
        for (int i = 0; i < n; i++) done[i] = misclassifiedByMargin(cleanMargin[i]);

        // Stripes: one sign per image, channel and column.
        double[] best = clean.clone();
        double[] signs = random.uniform(DType.FLOAT64, (long) n * c * w).toDoubleArray();
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                for (int col = 0; col < w; col++) {
                    double step = signs[(i * c + ch) * w + col] < 0.5 ? -epsilon : epsilon;
                    for (int row = 0; row < h; row++) {
                        int at = i * size + (ch * h + row) * w + col;
                        best[at] = clip(clean[at] + step);
                    }
                }
            }
        }
        int[] open = openImages(done);
        double[] margin = new double[n];
        double[] initial = marginsOfRows(model, best, open, y, shape, dtype, spent);
        for (int k = 0; k < open.length; k++) {
            margin[open[k]] = initial[k];
            if (misclassifiedByMargin(initial[k])) done[open[k]] = true;
        }
        for (int k = 0; k < n; k++) {
            if (misclassifiedByMargin(cleanMargin[k])) System.arraycopy(clean, k * size, best, k * size, size);
        }

        int iterations = queries - 2;
        for (int it = 1; it <= iterations; it++) {
            open = openImages(done);
            if (open.length == 0) break;
            int s = windowSide(pInit, it, queries, h, w);
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
                                double v = clip(clean[i * size + pixel] + step);
                                changed |= Math.abs(v - best[i * size + pixel]) > 1e-7;
                                candidate[k * size + pixel] = v;
                            }
                        }
                    }
                    if (changed) break;
                }
            }
            double[] tried = margins(model, candidate, open, y, shape, dtype, spent);
            for (int k = 0; k < open.length; k++) {
                int i = open[k];
                if (tried[k] < margin[i]) {
                    margin[i] = tried[k];
                    System.arraycopy(candidate, k * size, best, i * size, size);
                    if (misclassifiedByMargin(tried[k])) done[i] = true;
                }
            }
        }
        return new Result(Tensor.of(best, shape).to(dtype), spent);
    }

    /** A margin z_y − max_{k≠y} z_k below 0 means another class scores higher: misclassified. */
    private static boolean misclassifiedByMargin(double margin) {
        return margin < 0;
    }

    private static double clip(double v) {
        return Math.min(1, Math.max(0, v));
    }

    private static int[] all(int n) {
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        return all;
    }

    private static int[] openImages(boolean[] done) {
        return java.util.stream.IntStream.range(0, done.length).filter(i -> !done[i]).toArray();
    }

    /** Margins of the images {@code which} of a full batch {@code pixels}; one query each. */
    private static double[] marginsOfRows(Module model, double[] pixels, int[] which, long[] y, long[] shape, DType dtype,
                                    int[] spent) {
        int size = (int) (shape[1] * shape[2] * shape[3]);
        double[] subset = new double[which.length * size];
        for (int k = 0; k < which.length; k++) System.arraycopy(pixels, which[k] * size, subset, k * size, size);
        return margins(model, subset, which, y, shape, dtype, spent);
    }

    /** Margins of a batch holding the images {@code which}, in order; one query each. */
    private static double[] margins(Module model, double[] batch, int[] which, long[] y, long[] shape, DType dtype,
                                    int[] spent) {
        if (which.length == 0) return new double[0];
        long[] batchShape = shape.clone();
        batchShape[0] = which.length;
        double[] z;
        int classes;
        model.setTraining(false);
        try (TensorScope scope = TensorScope.open(); var off = Autograd.noGrad()) {
            Tensor logits = model.forward(Tensor.of(batch, batchShape).to(dtype));
            classes = (int) logits.size(1);
            z = logits.to(DType.FLOAT64).toDoubleArray();
        }
        double[] margin = new double[which.length];
        for (int k = 0; k < which.length; k++) {
            spent[which[k]]++;
            int label = (int) y[which[k]];
            double other = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                if (j != label) other = Math.max(other, z[k * classes + j]);
            }
            margin[k] = z[k * classes + label] - other;
        }
        return margin;
    }

    @Override
    public String toString() {
        return "Square (" + Norm.LINF.symbol() + ", " + queries + " queries, p_init " + pInit + ")";
    }
}
