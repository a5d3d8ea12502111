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
 * Square Attack, Andriushchenko et al. 2020: a score-based black box that only reads the logits, in L∞ or L2. From a
 * random starting point on the boundary of the ε-ball (before clipping to [0, 1]) it tries, per query, a change of the
 * current point in random square windows and keeps it if it lowers the margin z_y − max_{k≠y} z_k. An image stops as soon as it is
 * misclassified.
 *
 * <ul>
 * <li>L∞ ({@link SquareLinf}): vertical stripes x + ε·(±1 per column and channel), then one s×s window at a time set
 * to a random corner ±ε per channel.
 * <li>L2 ({@link SquareL2}, as in fra31/auto-attack {@code autoattack/square.py}, {@code attack_single_run}, the
 * {@code norm == 'L2'} branch): a grid of pseudo-Gaussian bumps with random signs scaled to the sphere, then per query
 * a fresh bump in one window that takes over the perturbation's mass of a second window, the whole rescaled to the
 * sphere of radius ε before clipping to [0, 1].
 * </ul>
 *
 * The window side follows the published schedule ({@link #fraction}, {@link #windowSide}): p = p_init halved at 10,
 * 50, 200, 500, 1000, 2000, 4000, 6000 and 8000 of 10,000 iterations, rescaled to the budget as in the authors' code
 * (AutoAttack's standard version runs it unrescaled over its 5,000 queries, so its windows stop shrinking at
 * p_init/128), s = round(√(p·H·W)), for L∞ clamped to [1, H − 1], for L2 at least 3, odd and at most min(H, W).
 *
 * <p>The query budget counts every forward pass of an image, the clean one included: at most {@code queries} per
 * image, exactly (see {@link #run}).
 */
public final class Square implements Attack {
    /** AutoAttack's standard version: 5,000 queries per image. */
    public static final int DEFAULT_QUERIES = 5000;
    /** AutoAttack's standard p_init (the fraction of pixels the first windows cover). */
    public static final double DEFAULT_P_INIT = 0.8;

    private final Norm norm;
    private final int queries;
    private final double pInit;

    /**
     * Square with a given budget.
     *
     * @param norm the ball the perturbation stays in
     * @param queries forward passes per image, >= 2 (the clean image and the starting point)
     * @param pInit the fraction of the image the first window covers, in (0, 1]
     */
    public Square(Norm norm, int queries, double pInit) {
        this.norm = Objects.requireNonNull(norm, "norm");
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
        return norm;
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
        return new Square(norm, 2 * queries, pInit);
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
     * Window side s at iteration {@code it}: round(√(p·H·W)), for L∞ at least 1 and at most H − 1, for L2 at least 3,
     * made odd and at most min(H, W).
     *
     * @param norm the attack's norm
     * @param pInit the first iteration's fraction, in (0, 1]
     * @param it the iteration, from 0
     * @param total the iterations of the run (the query budget)
     * @param height the image height H, &gt;= 2 (&gt;= 5 for L2)
     * @param width the image width W (&gt;= 5 for L2)
     * @return the side s, in pixels
     */
    public static int windowSide(Norm norm, double pInit, int it, int total, int height, int width) {
        double p = fraction(pInit, it, total);
        return norm == Norm.LINF ? SquareLinf.windowSide(p, height, width) : SquareL2.windowSide(p, height, width);
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
     * @param images the clean images, N×C×H×W, pixels in [0, 1] (for L2 at least 5×5)
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
        SquareSteps steps = norm == Norm.LINF ? new SquareLinf(c, h, w, pInit) : new SquareL2(c, h, w, pInit);
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

        double[] best;
        try (TensorScope draws = TensorScope.open()) {
            best = steps.start(clean, n, epsilon, random);
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
            double[] candidate;
            // The draws of an iteration are freed with it, not held to the end of the run.
            try (TensorScope draws = TensorScope.open()) {
                candidate = steps.candidates(clean, best, open, it, queries, epsilon, random);
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

    /** {@return how the attack searches, in words, for reports} */
    public String describe() {
        String changes = norm == Norm.LINF ? "random ±ε squares"
                : "pseudo-Gaussian bumps in random square windows (from a grid of bumps; each new bump takes over the "
                + "perturbation of a second window, and the whole is rescaled to the sphere of radius ε before clipping)";
        return this + " is a black box (logits only): " + changes + " kept when they lower the margin, the window side "
                + "on the published schedule; the budget counts every forward pass of an image.";
    }

    @Override
    public String toString() {
        return "Square (" + norm.symbol() + ", " + queries + " queries, p_init " + pInit + ")";
    }
}
