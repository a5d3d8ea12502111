package dev.jacreg.train;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;

import java.util.ArrayList;
import java.util.List;

/**
 * The Jacobian penalty R ≈ ‖∂Y/∂X‖²_F per sample (docs/experiment.md §4), for a batch output Y (B×C) of an
 * input X (B×…) that requires grad. With n random unit directions v (one per sample):
 * <pre>  s = Σ v·Y,  G = ∂s/∂X (create_graph),  R = C·Σ G² / (n·B)</pre>
 * Because E[v vᵀ] = I/C for v uniform on the unit sphere, R is an unbiased estimate of the squared
 * Frobenius norm, at the cost of one extra backward pass per projection. The result stays
 * differentiable, so the total loss CE + (λ/2)·R trains against it. That is {@link Estimator#PROJECTION}, the
 * default; {@link Estimator#FINITE_DIFFERENCE} needs no second backward ({@link FiniteDifferencePenalty}).
 *
 * @param lambda      weight λ of the penalty in the total loss
 * @param projections number n of random directions per batch (output directions for PROJECTION, input directions
 *                    for FINITE_DIFFERENCE)
 * @param target      which output is penalised: the softmax (reference) or the logits (the paper's code)
 * @param batchNorm   which batch-norm mode the penalised forward pass uses (see {@link BatchNormMode})
 * @param estimator   how R is estimated (see {@link Estimator})
 * @param every       the penalty is computed on every this-many-th training step only (0, K, 2K, …) with weight K·λ
 *                    there, so that its weight per step stays λ on average (the expected gradient over K steps is the
 *                    every-step one) while a step costs on average plain + (penalised − plain)/K; 1 = every step
 * @param subset      the fraction F of each batch (0 &lt; F ≤ 1) the penalty is computed on: its first
 *                    {@link #subsetSize m} images, in a forward pass of their own, while the cross-entropy keeps the
 *                    whole batch; 1 = the whole batch, in the cross-entropy's pass (see {@link #subsetSize})
 */
public record JacobianPenalty(double lambda, int projections, Target target, BatchNormMode batchNorm,
                              Estimator estimator, int every, double subset) {
    /** The output whose Jacobian with respect to the input is penalised. */
    public enum Target {
        /** The softmax probabilities (docs/experiment.md: the reference's choice). */
        SOFTMAX,
        /** The logits, the model's raw B×C output. */
        LOGITS
    }

    /**
     * How R is estimated. PROJECTION (default, docs/experiment.md): random unit directions in output space and a
     * double backward, R = C·‖Jᵀv‖², unbiased. FINITE_DIFFERENCE: standard-normal directions U in input space and one
     * more forward pass, R = ‖(F(X + hU) − F(X))/h‖², unbiased up to O(h²) (Finlay &amp; Oberman 2019; see
     * {@link FiniteDifferencePenalty}); its gradient needs one more backward through the forward graph only.
     */
    public enum Estimator {
        /** Random unit directions in output space and a double backward. */
        PROJECTION,
        /** Standard-normal directions in input space and one more forward pass. */
        FINITE_DIFFERENCE
    }

    /**
     * How batch norm behaves in the forward pass the penalty differentiates. TRAIN (docs/experiment.md): the same training-mode
     * pass as the cross-entropy, so the penalised Jacobian includes the batch statistics' dependence on every image.
     * EVAL: a second pass over the same batch in inference mode (running statistics, not updated), so the penalised
     * Jacobian is the one the net has at test time; the cross-entropy keeps training-mode batch norm.
     */
    public enum BatchNormMode {
        /** The cross-entropy's training-mode pass, batch statistics and all. */
        TRAIN,
        /** A second pass in inference mode, with the running statistics. */
        EVAL
    }

    /**
     * A penalty through training-mode batch norm, as docs/experiment.md.
     *
     * @param lambda the weight λ, &gt;= 0
     * @param projections the random directions per step n, &gt;= 1
     * @param target softmax or logits
     */
    public JacobianPenalty(double lambda, int projections, Target target) {
        this(lambda, projections, target, BatchNormMode.TRAIN);
    }

    /**
     * A penalty estimated from random projections (the default estimator).
     *
     * @param lambda the weight λ, &gt;= 0
     * @param projections the random directions per step n, &gt;= 1
     * @param target softmax or logits
     * @param batchNorm the batch-norm mode of the penalised pass
     */
    public JacobianPenalty(double lambda, int projections, Target target, BatchNormMode batchNorm) {
        this(lambda, projections, target, batchNorm, Estimator.PROJECTION);
    }

    /**
     * A penalty computed on every step.
     *
     * @param lambda the weight λ, &gt;= 0
     * @param projections the random directions per step n, &gt;= 1
     * @param target softmax or logits
     * @param batchNorm the batch-norm mode of the penalised pass
     * @param estimator projections or finite differences
     */
    public JacobianPenalty(double lambda, int projections, Target target, BatchNormMode batchNorm, Estimator estimator) {
        this(lambda, projections, target, batchNorm, estimator, 1);
    }

    /**
     * A penalty on the whole batch.
     *
     * @param lambda      the weight λ
     * @param projections random directions per batch
     * @param target      the output whose Jacobian is penalised
     * @param batchNorm   the batch-norm mode of the penalised pass
     * @param estimator   projections or finite differences
     * @param every       the penalty on every this-many-th step
     */
    public JacobianPenalty(double lambda, int projections, Target target, BatchNormMode batchNorm, Estimator estimator,
                           int every) {
        this(lambda, projections, target, batchNorm, estimator, every, 1.0);
    }

    /**
     * The same penalty with another weight λ (0: the settings of a net trained without it).
     *
     * @param value the weight λ
     * @return the new penalty
     */
    public JacobianPenalty withLambda(double value) {
        return new JacobianPenalty(value, projections, target, batchNorm, estimator, every, subset);
    }

    /**
     * The same penalty with another number of random directions per batch.
     *
     * @param value the number of random directions per batch
     * @return the new penalty
     */
    public JacobianPenalty withProjections(int value) {
        return new JacobianPenalty(lambda, value, target, batchNorm, estimator, every, subset);
    }

    /**
     * The same penalty on another output.
     *
     * @param value the output whose Jacobian is penalised
     * @return the new penalty
     */
    public JacobianPenalty withTarget(Target value) {
        return new JacobianPenalty(lambda, projections, value, batchNorm, estimator, every, subset);
    }

    /**
     * The same penalty with another batch-norm mode in its forward pass.
     *
     * @param value the batch-norm mode
     * @return the new penalty
     */
    public JacobianPenalty withBatchNorm(BatchNormMode value) {
        return new JacobianPenalty(lambda, projections, target, value, estimator, every, subset);
    }

    /**
     * The same penalty with another estimator.
     *
     * @param value the estimator
     * @return the new penalty
     */
    public JacobianPenalty withEstimator(Estimator value) {
        return new JacobianPenalty(lambda, projections, target, batchNorm, value, every, subset);
    }

    /**
     * The same penalty on every value-th step only (1 = every step).
     *
     * @param value the interval K, &gt;= 1
     * @return the new penalty
     */
    public JacobianPenalty withEvery(int value) {
        return new JacobianPenalty(lambda, projections, target, batchNorm, estimator, value, subset);
    }

    /**
     * The same penalty on the fraction value of each batch (1 = the whole batch).
     *
     * @param value the fraction F, in (0, 1]
     * @return the new penalty
     */
    public JacobianPenalty withSubset(double value) {
        return new JacobianPenalty(lambda, projections, target, batchNorm, estimator, every, value);
    }

    /**
     * How many images of a batch of {@code batch} the penalty is computed on: the whole batch for {@link #subset} 1,
     * otherwise m = ⌈F·B⌉, at least 2 (training-mode batch norm needs two images for its statistics), at most B.
     * No rescaling is needed: R is a mean over images (it divides by m, not B), and the first m images of a shuffled
     * batch are a uniformly random subset, so E[R on the subset] = R on the batch when images do not interact
     * ({@link BatchNormMode#EVAL}); with TRAIN the subset's own batch statistics change each image's Jacobian slightly
     * (batch norm's coupling term grows like 1/m).
     *
     * @param batch the batch size B
     * @return the number of images m
     */
    public long subsetSize(long batch) {
        if (subset == 1.0) return batch;
        long m = (long) Math.ceil(subset * batch - 1e-9);  // 1e-9: 0.1·30 is 3.0000000000000004 in binary
        return Math.min(batch, Math.max(Math.min(batch, 2), m));
    }

    /**
     * Whether a 0-based training iteration computes the penalty: 0, K, 2K, …
     *
     * @param iteration 0-based over the run
     * @return whether it does
     */
    public boolean appliesAt(int iteration) {
        return iteration % every == 0;
    }

    /** Checks every component. */
    public JacobianPenalty {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) throw new IllegalArgumentException("lambda must be >= 0, got " + lambda);
        if (projections < 1) throw new IllegalArgumentException("projections must be >= 1, got " + projections);
        if (target == null) throw new IllegalArgumentException("target must not be null");
        if (batchNorm == null) throw new IllegalArgumentException("batch-norm mode must not be null");
        if (estimator == null) throw new IllegalArgumentException("estimator must not be null");
        if (every < 1) throw new IllegalArgumentException("penalty interval must be >= 1 (1 = every step), got " + every);
        if (!(subset > 0 && subset <= 1)) {
            throw new IllegalArgumentException("penalty subset must be a fraction in (0, 1] of the batch, got " + subset);
        }
    }

    /** {@return the reference settings: λ = 1, n = 1, penalty on the softmax output} */
    public static JacobianPenalty reference() {
        return new JacobianPenalty(1.0, 1, Target.SOFTMAX);
    }

    /**
     * R with fresh standard-normal directions, each sample's vector scaled to unit length.
     *
     * @param input the batch, a graph leaf requiring grad
     * @param output the penalised B×C output computed from it
     * @return R, a differentiable scalar
     */
    public Tensor estimate(Tensor input, Tensor output) {
        return estimate(input, output, directions(RandomStream.libtorch(), output.dtype(), output.shape()));
    }

    /**
     * The {@link #projections} random directions one step of this penalty uses, for a batch of {@code batch} images of
     * shape {@code image} and {@code classes} outputs: B×C unit rows ({@link #directions(RandomStream, DType, long...)})
     * for PROJECTION, B×image standard normals ({@link FiniteDifferencePenalty#directions}) for FINITE_DIFFERENCE.
     *
     * @param random where the directions are drawn from
     * @param dtype their floating-point type
     * @param batch the batch size B
     * @param classes the output's width C
     * @param image one example's shape
     * @return the directions, new tensors in the current scope
     */
    public List<Tensor> stepDirections(RandomStream random, DType dtype, long batch, long classes, long[] image) {
        if (estimator == Estimator.FINITE_DIFFERENCE) return FiniteDifferencePenalty.directions(random, dtype, projections, batch, image);
        return directions(random, dtype, batch, classes);
    }

    /**
     * {@link #projections} random unit directions for a B×C output: standard normals, each row scaled to unit length.
     *
     * @param random where the directions are drawn from
     * @param dtype their floating-point type
     * @param shape the output's shape, B×C
     * @return the directions, new tensors in the current scope
     */
    public List<Tensor> directions(RandomStream random, DType dtype, long... shape) {
        checkOutput(shape);
        List<Tensor> directions = new ArrayList<>(projections);
        for (int k = 0; k < projections; k++) directions.add(unitRows(random.normal(dtype, shape)));
        return directions;
    }

    /**
     * R with the given directions (B×C each, rows of unit length), e.g. fixed ones for testing.
     *
     * @param input the batch, a graph leaf requiring grad
     * @param output the penalised B×C output computed from it
     * @param directions the directions v
     * @return R, a differentiable scalar
     */
    public static Tensor estimate(Tensor input, Tensor output, List<Tensor> directions) {
        long[] shape = output.shape();
        checkOutput(shape);
        if (directions.isEmpty()) throw new IllegalArgumentException("at least one direction is needed");
        double scale = (double) shape[1] / ((double) directions.size() * shape[0]);  // C / (n·B)
        Tensor total = null;
        for (Tensor v : directions) {
            Tensor s = v.mul(output).sum();
            Tensor g = Autograd.grad(List.of(s), List.of(input), null, true, true, Autograd.Unused.FAIL).get(0);
            Tensor term = g.square().sum();
            total = total == null ? term : total.add(term);
        }
        return total.mul(scale);
    }

    /**
     * The exact mean squared Frobenius norm Σ_k ‖∂(Σ_b Y_bk)/∂X‖² / B, with C backward passes along the
     * one-hot directions. When samples do not interact (inference-mode batch norm) this is the mean
     * over samples of each one's ‖∂Y/∂x‖²_F.
     *
     * @param input the batch, a graph leaf requiring grad
     * @param output the B×C output computed from it
     * @param createGraph true to keep the result differentiable (as a training loss)
     * @return the norm, a scalar
     */
    public static Tensor exactSquaredNorm(Tensor input, Tensor output, boolean createGraph) {
        long[] shape = output.shape();
        checkOutput(shape);
        Tensor total = null;
        for (long k = 0; k < shape[1]; k++) {
            Tensor s = output.select(1, k).sum();
            Tensor g = Autograd.grad(List.of(s), List.of(input), null, createGraph, true, Autograd.Unused.FAIL).get(0);
            Tensor term = g.square().sum();
            total = total == null ? term : total.add(term);
        }
        return total.div((double) shape[0]);
    }

    /** Each row scaled to unit Euclidean length. */
    static Tensor unitRows(Tensor v) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor norms = v.square().sum(new long[]{1}, true).sqrt();
            return scope.keep(v.div(norms));
        }
    }

    private static void checkOutput(long[] shape) {
        if (shape.length != 2) {
            throw new IllegalArgumentException("the penalised output must be B×C, got shape " + java.util.Arrays.toString(shape));
        }
    }
}
