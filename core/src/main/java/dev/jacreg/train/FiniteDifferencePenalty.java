package dev.jacreg.train;

import dev.jacreg.DType;
import dev.jacreg.Functional;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Module;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The Jacobian penalty estimated without a second backward ({@link JacobianPenalty.Estimator#FINITE_DIFFERENCE},
 * after Finlay &amp; Oberman 2019): with n standard-normal directions U in input space (B×image each),
 * <pre>  R = (1/(n·B)) Σ_k ‖(F(X + h·U_k) − F(X)) / h‖²</pre>
 * Since E[U Uᵀ] = I, E‖J U‖² = ‖J‖²_F: the same quantity {@link JacobianPenalty#estimate} is unbiased for (the full
 * Jacobian of the batch, so with training-mode batch norm it includes the samples' interaction through the batch
 * statistics). The cost is one more forward pass per direction, and its share of the backward, instead of a double
 * backward.
 *
 * <p>Bias. F(X + hU) − F(X) = h·JU + (h²/2)·F''[U,U] + O(h³), so the estimate is ‖JU‖² + h·⟨JU, F''[U,U]⟩ + O(h²).
 * The middle term is odd in U, so its mean over U is zero: for a smooth net the bias of the mean is O(h²), not O(h)
 * (FiniteDifferencePenaltyTest). Kinks (ReLU, max-pool) crossed within h add an O(h) part; float32 rounding ε in
 * each output adds about ε²·C/h² (positive), so h must not be too small either; {@link #STEP} has the numbers.
 */
public final class FiniteDifferencePenalty {
    /**
     * Step h along a standard-normal direction: each pixel (in [0, 1]) moves by about h. Measured on the experiment's
     * untrained net (float32, batch 32, mean of estimate − ‖JU‖² over 100 direction pairs ±U), the relative bias is
     * −2.4 % at h = 1e-2, −0.5 % at 3e-3, −0.2 % at 1e-3 and −0.05 % at 1e-4 with training-mode batch norm (−2.8,
     * −0.9, −0.3, −0.02 % with inference mode): first order, not second, because ReLU and max-pool kinks crossed
     * within h add an O(h) term. Float32 rounding (ε ≈ 6e-8 relative) enters the difference quotient and its
     * gradient as about ε/h ≈ 1e-4 of their size at h = 1e-3, invisible next to the bias down to 1e-4. So 1e-3: a
     * bias of a few tenths of a percent, far below one estimate's sampling spread.
     */
    public static final double STEP = 1e-3;

    private FiniteDifferencePenalty() {}

    /**
     * n directions for a batch of {@code batch} images of shape {@code image}: standard normals, B×image each.
     *
     * @param random where the directions are drawn from
     * @param dtype their floating-point type
     * @param n the number of directions, &gt;= 1
     * @param batch the batch size B
     * @param image one example's shape
     * @return n new tensors in the current scope
     */
    public static List<Tensor> directions(RandomStream random, DType dtype, int n, long batch, long[] image) {
        long[] shape = new long[image.length + 1];
        shape[0] = batch;
        System.arraycopy(image, 0, shape, 1, image.length);
        List<Tensor> directions = new ArrayList<>(n);
        for (int k = 0; k < n; k++) directions.add(random.normal(dtype, shape));
        return directions;
    }

    /**
     * R for a batch whose training-mode logits (the cross-entropy's pass, already run) are given, along the
     * directions u (B×image each) with step h. With TRAIN batch norm the perturbed passes are training-mode passes of
     * their own (batch statistics of the perturbed batch) that leave the running statistics as the clean pass set
     * them; with EVAL the clean and perturbed batches go through one inference-mode pass together (samples do not
     * interact there). The model must be in training mode; it is on return.
     *
     * @param penalty the target (softmax or logits) and batch-norm mode
     * @param model the model, in training mode
     * @param images the batch X the logits were computed from
     * @param logits the model's B×C output at X
     * @param u the directions, B×image each
     * @param step the finite-difference step h, &gt; 0
     * @return R, a differentiable scalar
     */
    public static Tensor estimate(JacobianPenalty penalty, Module model, Tensor images, Tensor logits, List<Tensor> u,
                                  double step) {
        List<Tensor> inputs = perturbed(images, u, step);
        Tensor clean;
        List<Tensor> shifted = new ArrayList<>(inputs.size());
        if (penalty.batchNorm() == JacobianPenalty.BatchNormMode.TRAIN) {
            clean = output(penalty, logits);
            for (Tensor y : forwardKeepingBuffers(model, inputs)) shifted.add(output(penalty, y));
        } else {
            List<Tensor> all = new ArrayList<>(inputs.size() + 1);
            all.add(images.detach());
            all.addAll(inputs);
            Tensor outputs;
            model.setTraining(false);
            try {
                outputs = output(penalty, model.forward(Tensor.cat(all, 0)));
            } finally {
                model.setTraining(true);
            }
            long batch = images.size(0);
            clean = outputs.narrow(0, 0, batch);
            for (int k = 1; k <= inputs.size(); k++) shifted.add(outputs.narrow(0, k * batch, batch));
        }
        return estimate(clean, shifted, step);
    }

    /** The penalised output of some logits: their softmax or the logits themselves. */
    private static Tensor output(JacobianPenalty penalty, Tensor logits) {
        return penalty.target() == JacobianPenalty.Target.SOFTMAX ? Functional.softmax(logits, 1) : logits;
    }

    /**
     * R from the clean output Y (B×C) and the outputs at X + h·U_k: (1/(n·B)) Σ_k ‖(Y_k − Y)/h‖².
     *
     * @param output the clean output Y, B×C
     * @param perturbedOutputs the outputs Y_k at X + h·U_k
     * @param step the step h
     * @return R, a differentiable scalar
     */
    public static Tensor estimate(Tensor output, List<Tensor> perturbedOutputs, double step) {
        if (perturbedOutputs.isEmpty()) throw new IllegalArgumentException("at least one direction is needed");
        if (!(step > 0)) throw new IllegalArgumentException("finite-difference step must be > 0, got " + step);
        double scale = 1.0 / (step * step * perturbedOutputs.size() * output.size(0));
        Tensor total = null;
        for (Tensor perturbed : perturbedOutputs) {
            Tensor term = perturbed.sub(output).square().sum();
            total = total == null ? term : total.add(term);
        }
        return total.mul(scale);
    }

    /** The inputs X + h·U_k, detached from X's graph (the penalty differentiates with respect to the parameters only). */
    static List<Tensor> perturbed(Tensor images, List<Tensor> directions, double step) {
        Tensor base = images.detach();
        List<Tensor> inputs = new ArrayList<>(directions.size());
        for (Tensor u : directions) {
            if (!java.util.Arrays.equals(u.shape(), images.shape())) {
                throw new IllegalArgumentException("a finite-difference direction must have the images' shape "
                        + java.util.Arrays.toString(images.shape()) + ", got " + java.util.Arrays.toString(u.shape()));
            }
            inputs.add(base.add(u.mul(step)));
        }
        return inputs;
    }

    /**
     * model's outputs for the given inputs, one forward each in its current mode, with the model's buffers as they
     * were before: a training-mode pass would otherwise update batch norm's running statistics a second time.
     */
    static List<Tensor> forwardKeepingBuffers(Module model, List<Tensor> inputs) {
        return keepingBuffers(model, () -> {
            List<Tensor> outputs = new ArrayList<>(inputs.size());
            for (Tensor input : inputs) outputs.add(model.forward(input));
            return outputs;
        });
    }

    /**
     * The tensors work returns (in the caller's scope), with the model's buffers (batch norm's running statistics)
     * restored to what they were before work ran, whatever it did to them.
     */
    static List<Tensor> keepingBuffers(Module model, Supplier<List<Tensor>> work) {
        try (TensorScope scope = TensorScope.open()) {
            BufferSnapshot saved = new BufferSnapshot(model);
            List<Tensor> outputs = new ArrayList<>();
            try {
                for (Tensor output : work.get()) outputs.add(scope.keep(output));
            } finally {
                saved.restore();
            }
            return outputs;
        }
    }
}
