package dev.jacreg.nn;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;

/** Weight initialisers; they draw from libtorch's default generator (seed it with Torch.manualSeed). */
public final class Init {
    private Init() {}

    /**
     * Glorot (Xavier) uniform: U(−a, a) with a = √(6 / (fanIn + fanOut)). For convolutions MATLAB and
     * PyTorch both take fanIn = inChannels·kh·kw and fanOut = outChannels·kh·kw.
     */
    public static Tensor glorotUniform(DType dtype, long fanIn, long fanOut, long... shape) {
        double bound = Math.sqrt(6.0 / (fanIn + fanOut));
        try (TensorScope scope = TensorScope.open()) {
            return scope.keep(Tensor.rand(dtype, shape).mul(2 * bound).sub(bound));
        }
    }
}
