package dev.jacreg.attack;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.Functional;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Module;

import java.util.Arrays;

/**
 * The operations the attacks share, written with the tensor operations the shim has (no sign or clamp):
 * the input gradient of the loss, steepest-ascent steps and projections. bench/baselines/python/attack_check.py does the
 * same in PyTorch, operation for operation, so the two can be compared.
 */
final class AttackMath {
    /** Guards the division by a zero gradient norm (an image whose loss is flat): the step is then 0. */
    static final double TINY = 1e-12;

    private AttackMath() {}

    static void checkEpsilon(double epsilon) {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be finite and >= 0, got " + epsilon);
        }
    }

    static void checkBatch(Tensor images, Tensor labels) {
        if (!images.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("images must be floating point, got " + images.dtype());
        }
        if (images.dim() < 2 || labels.dim() != 1 || labels.size(0) != images.size(0)) {
            throw new IllegalArgumentException("need N×… images and N labels, got " + Arrays.toString(images.shape())
                    + " and " + Arrays.toString(labels.shape()));
        }
    }

    /**
     * ∂L/∂x of the summed cross-entropy of the logits with the true labels (summed, so each image's gradient is its
     * own loss's, whatever the batch), in inference mode. Detached, in the caller's scope.
     */
    static Tensor lossGradient(Module model, Tensor x, Tensor labels) {
        model.setTraining(false);
        try (TensorScope scope = TensorScope.open(); var on = Autograd.enableGrad()) {
            Tensor input = x.detach().requiresGrad(true);
            Tensor logits = model.forward(input);
            Tensor oneHot = Functional.oneHot(labels, logits.size(1)).to(logits.dtype());
            Tensor loss = oneHot.mul(Functional.logSoftmax(logits, 1)).sum().neg();
            return scope.keep(Autograd.grad(loss, input, false).detach());
        }
    }

    /** −1, 0 or +1 elementwise, in the tensor's dtype. */
    static Tensor sign(Tensor t) {
        return t.gt(0).to(t.dtype()).sub(t.lt(0).to(t.dtype()));
    }

    /** Per-image Euclidean norm over all but the first dimension, shaped N×1×…×1 to broadcast. */
    static Tensor norms(Tensor t) {
        int dim = t.dim();
        long[] rest = new long[dim - 1];
        for (int i = 1; i < dim; i++) rest[i - 1] = i;
        return t.square().sum(rest, true).sqrt();
    }

    /** The unit-norm steepest-ascent direction of the gradient: sign(g) for L∞, g/‖g‖₂ per image for L2. */
    static Tensor direction(Tensor gradient, Norm norm) {
        if (norm == Norm.LINF) return sign(gradient);
        Tensor n = norms(gradient);
        return gradient.div(Tensor.where(n.lt(TINY), Tensor.scalar(TINY, n.dtype()), n));
    }

    /** Elementwise min(max(t, lower), upper) with tensor or scalar bounds. */
    static Tensor clamp(Tensor t, Tensor lower, Tensor upper) {
        Tensor low = Tensor.where(t.lt(lower), lower, t);
        return Tensor.where(low.gt(upper), upper, low);
    }

    /** Pixels clipped to [0, 1]. */
    static Tensor clipPixels(Tensor t) {
        return clamp(t, Tensor.scalar(0, t.dtype()), Tensor.scalar(1, t.dtype()));
    }

    /** The point of the ε-ball around {@code clean} nearest to {@code x} (Euclidean projection), before pixel clipping. */
    static Tensor project(Tensor x, Tensor clean, double epsilon, Norm norm) {
        if (norm == Norm.LINF) {
            // Clamping x itself (not x − clean) keeps a point already on the boundary bit-for-bit where it is.
            return clamp(x, clean.sub(epsilon), clean.add(epsilon));
        }
        Tensor delta = x.sub(clean);
        Tensor n = norms(delta);
        Tensor outside = n.gt(epsilon);
        // Only images outside the ball move; the division is guarded where it is not used.
        Tensor scale = Tensor.scalar(epsilon, n.dtype()).div(Tensor.where(outside, n, Tensor.scalar(1, n.dtype())));
        return Tensor.where(outside, clean.add(delta.mul(scale)), x);
    }

    /**
     * A uniformly random point of the ε-ball: uniform per pixel in [−ε, ε] for L∞; for L2 a uniform direction
     * (normalised Gaussian) at radius ε·u^(1/d), which is uniform in the d-dimensional ball.
     *
     * @param who the attack, for the error when {@code random} is null
     */
    static Tensor randomPoint(Tensor like, double epsilon, Norm norm, RandomStream random, String who) {
        if (random == null) throw new IllegalArgumentException(who + " with a random start needs a random stream");
        long[] shape = like.shape();
        if (norm == Norm.LINF) return random.uniform(like.dtype(), shape).mul(2 * epsilon).sub(epsilon);
        long n = shape[0];
        long dims = like.numel() / Math.max(1, n);
        Tensor direction = random.normal(like.dtype(), shape);
        direction = direction.div(norms(direction));
        Tensor radius = random.uniform(like.dtype(), column(shape)).pow(1.0 / dims).mul(epsilon);
        return direction.mul(radius);
    }

    /** The shape N×1×…×1 of a per-image value that broadcasts against a batch of {@code shape}. */
    static long[] column(long[] shape) {
        long[] column = new long[shape.length];
        Arrays.fill(column, 1);
        column[0] = shape[0];
        return column;
    }

    /** A per-image flag as a bool tensor shaped to broadcast against {@code like} (N×…). */
    static Tensor rowMask(boolean[] flags, Tensor like) {
        int[] values = new int[flags.length];
        for (int i = 0; i < flags.length; i++) values[i] = flags[i] ? 1 : 0;
        return Tensor.of(values, column(like.shape())).ne(0);
    }

    /** A per-image value as a tensor of {@code like}'s dtype shaped to broadcast against it. */
    static Tensor rowValues(double[] values, Tensor like) {
        return Tensor.of(values, column(like.shape())).to(like.dtype());
    }

    /** Per image, {@code flags[i] ? a[i] : b[i]}. */
    static Tensor pick(boolean[] flags, Tensor a, Tensor b) {
        return Tensor.where(rowMask(flags, a), a, b);
    }

    /** The indices i with {@code flags[i] == want}. */
    static long[] indices(boolean[] flags, boolean want) {
        return java.util.stream.IntStream.range(0, flags.length).filter(i -> flags[i] == want).asLongStream().toArray();
    }

    /** The rows {@code index} of t. */
    static Tensor rows(Tensor t, long[] index) {
        return t.indexSelect(0, Tensor.of(index, index.length));
    }

    /** A copy of {@code full} whose rows {@code index} are replaced by the rows of {@code part}, in order. */
    static Tensor replaceRows(Tensor full, long[] index, Tensor part) {
        int n = (int) full.size(0);
        boolean[] replaced = new boolean[n];
        for (long i : index) replaced[(int) i] = true;
        long[] kept = indices(replaced, false);
        // cat(part, kept rows) holds every row once; position[r] says where row r of the result is in it.
        long[] position = new long[n];
        for (int k = 0; k < index.length; k++) position[(int) index[k]] = k;
        for (int k = 0; k < kept.length; k++) position[(int) kept[k]] = index.length + k;
        Tensor pool = Tensor.cat(java.util.List.of(part, rows(full, kept)), 0);
        return rows(pool, position);
    }

    /** A per-image loss of the logits (N×C) to be maximised: an N-vector, differentiable. */
    @FunctionalInterface
    interface PerImageLoss {
        Tensor of(Tensor logits);
    }

    /** −log softmax_y: each image's cross-entropy with its label. */
    static PerImageLoss crossEntropy(Tensor labels) {
        return logits -> Functional.oneHot(labels, logits.size(1)).to(logits.dtype())
                .mul(Functional.logSoftmax(logits, 1)).sum(new long[]{1}, false).neg();
    }

    /** Per image, the logit of class {@code classes[i]} (differentiable in the logits). */
    static Tensor logitOf(Tensor logits, long[] classes) {
        Tensor oneHot = Functional.oneHot(Tensor.of(classes, classes.length), logits.size(1)).to(logits.dtype());
        return logits.mul(oneHot).sum(new long[]{1}, false);
    }

    /** Per image, the classes in decreasing order of its logit (ties by index); a Java copy of N×C logits. */
    static int[][] classRanking(Tensor logits) {
        int n = (int) logits.size(0), c = (int) logits.size(1);
        double[] z = logits.detach().to(DType.FLOAT64).toDoubleArray();
        int[][] ranking = new int[n][];
        for (int i = 0; i < n; i++) {
            int row = i;
            ranking[i] = java.util.stream.IntStream.range(0, c).boxed()
                    .sorted((a, b) -> Double.compare(z[row * c + b], z[row * c + a]))
                    .mapToInt(Integer::intValue).toArray();
        }
        return ranking;
    }

    /**
     * The targeted difference-of-logits-ratio loss of Croce & Hein 2020, −(z_y − z_t)/(z_π1 − (z_π3 + z_π4)/2), with
     * π the classes by decreasing logit; it is invariant to shifting and scaling the logits. Needs 4 classes or more.
     */
    static PerImageLoss targetedDlr(Tensor labels, long[] targets) {
        long[] y = labels.toLongArray();
        return logits -> {
            if (logits.size(1) < 4) throw new IllegalArgumentException("the targeted DLR loss needs >= 4 classes");
            int[][] order = classRanking(logits);
            long[][] ranked = new long[4][y.length];
            for (int i = 0; i < y.length; i++) for (int r = 0; r < 4; r++) ranked[r][i] = order[i][r];
            Tensor numerator = logitOf(logits, y).sub(logitOf(logits, targets));
            Tensor denominator = logitOf(logits, ranked[0])
                    .sub(logitOf(logits, ranked[2]).add(logitOf(logits, ranked[3])).mul(0.5)).add(TINY);
            return numerator.div(denominator).neg();
        };
    }

    /** What one forward and backward pass at a batch of points gave, per image. */
    record LossAndGradient(Tensor gradient, double[] loss, boolean[] misclassified) {}

    /**
     * The per-image loss at x, its input gradient (of the summed loss: each image's own) and whether each image is
     * misclassified there, in inference mode. The gradient is detached, in the caller's scope.
     */
    static LossAndGradient lossAndGradient(Module model, Tensor x, Tensor labels, PerImageLoss loss) {
        model.setTraining(false);
        try (TensorScope scope = TensorScope.open(); var on = Autograd.enableGrad()) {
            Tensor input = x.detach().requiresGrad(true);
            Tensor logits = model.forward(input);
            Tensor perImage = loss.of(logits);
            Tensor gradient = scope.keep(Autograd.grad(perImage.sum(), input, false).detach());
            return new LossAndGradient(gradient, perImage.detach().to(DType.FLOAT64).toDoubleArray(),
                    misclassified(logits, labels));
        }
    }

    /** Per image, whether the logits' top class differs from the label. */
    static boolean[] misclassified(Tensor logits, Tensor labels) {
        long[] wrong = logits.detach().argmax(1).ne(labels).to(DType.INT64).toLongArray();
        boolean[] flags = new boolean[wrong.length];
        for (int i = 0; i < wrong.length; i++) flags[i] = wrong[i] != 0;
        return flags;
    }

    /** Per image, whether the model misclassifies x (inference mode, no graph). */
    static boolean[] misclassified(Module model, Tensor x, Tensor labels) {
        model.setTraining(false);
        try (TensorScope scope = TensorScope.open(); var off = Autograd.noGrad()) {
            return misclassified(model.forward(x), labels);
        }
    }

    /** The target-th (0-based) class by decreasing clean logit ({@link #classRanking}), skipping the label. */
    static long targetClass(int[] ranking, long label, int target) {
        int seen = 0;
        for (int c : ranking) {
            if (c == label) continue;
            if (seen++ == target) return c;
        }
        throw new IllegalStateException("no target " + target);
    }

    /** The model's logits for x in inference mode, without a graph. */
    static Tensor logits(Module model, Tensor x) {
        model.setTraining(false);
        try (var off = Autograd.noGrad()) {
            return model.forward(x);
        }
    }
}
