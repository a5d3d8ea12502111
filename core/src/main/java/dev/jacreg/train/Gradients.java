package dev.jacreg.train;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;

import java.util.ArrayList;
import java.util.List;

/**
 * Gradients as lists of tensors, one per parameter (null where the loss does not reach it): their global L2
 * norm, sums and norm clipping.
 */
public final class Gradients {
    private Gradients() {}

    /**
     * The L2 norm over all tensors, as one vector. Accumulated in float64 so a float32 gradient whose squares
     * overflow float32 still gets its (finite) norm; nulls count as zeros.
     *
     * @param tensors the gradients (nulls allowed)
     * @return the global L2 norm
     */
    public static double norm(List<Tensor> tensors) {
        try (TensorScope scope = TensorScope.open(); var off = Autograd.noGrad()) {
            Tensor sum = null;
            for (Tensor t : tensors) {
                if (t == null) continue;
                Tensor squares = t.detach().to(DType.FLOAT64).square().sum();
                sum = sum == null ? squares : sum.add(squares);
            }
            return sum == null ? 0 : Math.sqrt(sum.item());
        }
    }

    /**
     * Element-wise a + b per parameter (new tensors in the caller's scope); a null counts as zeros.
     *
     * @param a the first gradients
     * @param b the second ones, as many
     * @return the sums, null where both are null
     */
    public static List<Tensor> sum(List<Tensor> a, List<Tensor> b) {
        if (a.size() != b.size()) throw new IllegalArgumentException("gradient lists differ in length: " + a.size() + " vs " + b.size());
        List<Tensor> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            Tensor x = a.get(i), y = b.get(i);
            out.add(x == null ? y : y == null ? x : x.add(y));
        }
        return out;
    }

    /**
     * Clamps every gradient element to [−maxValue, maxValue] in place, as PyTorch's clip_grad_value_; nulls are skipped.
     *
     * @param gradients the gradients, changed in place
     * @param maxValue the bound, &gt; 0
     */
    public static void clipValueInPlace(List<Tensor> gradients, double maxValue) {
        if (!(maxValue > 0) || Double.isInfinite(maxValue)) {
            throw new IllegalArgumentException("maximum gradient value must be finite and > 0, got " + maxValue);
        }
        try (TensorScope scope = TensorScope.open(); var off = Autograd.noGrad()) {
            for (Tensor g : gradients) {
                if (g == null) continue;
                Tensor high = Tensor.scalar(maxValue, g.dtype()), low = Tensor.scalar(-maxValue, g.dtype());
                Tensor clamped = Tensor.where(g.gt(maxValue), high, Tensor.where(g.lt(-maxValue), low, g));
                g.copyFrom(clamped);
            }
        }
    }

    /**
     * Scales the gradients in place so their global norm is at most maxNorm, as PyTorch's clip_grad_norm_: by
     * maxNorm / (norm + 1e-6) when that is below 1; smaller gradients are left untouched.
     *
     * @param gradients the gradients, changed in place
     * @param maxNorm the largest norm allowed, &gt; 0
     * @param norm their current norm ({@link #norm}), passed in because the caller has it already
     * @return the factor applied (1 when untouched)
     */
    public static double clipInPlace(List<Tensor> gradients, double maxNorm, double norm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("maximum norm must be > 0, got " + maxNorm);
        double scale = maxNorm / (norm + 1e-6);
        if (!(scale < 1)) return 1;
        try (var off = Autograd.noGrad()) {
            for (Tensor g : gradients) if (g != null) g.mulInPlace(scale);
        }
        return scale;
    }
}
