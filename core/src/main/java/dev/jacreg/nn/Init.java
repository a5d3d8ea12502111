package dev.jacreg.nn;

import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;

/** Weight initialisers; they draw from a {@link RandomStream} (by default libtorch's generator, seeded with Torch.manualSeed). */
public final class Init {
    private Init() {}

    /**
     * Glorot (Xavier) uniform: U(−a, a) with a = √(6 / (fanIn + fanOut)). For convolutions MATLAB and
     * PyTorch both take fanIn = inChannels·kh·kw and fanOut = outChannels·kh·kw.
     *
     * @param dtype the tensor's type
     * @param fanIn the inputs feeding one output unit
     * @param fanOut the outputs one input unit feeds
     * @param shape the tensor's shape
     * @return a new tensor (current scope) drawn from libtorch's generator
     */
    public static Tensor glorotUniform(DType dtype, long fanIn, long fanOut, long... shape) {
        return glorotUniform(RandomStream.libtorch(), dtype, fanIn, fanOut, shape);
    }

    /**
     * {@link #glorotUniform(DType, long, long, long...)} drawing from the given stream.
     *
     * @param random the stream the values are drawn from
     * @param dtype the tensor's type
     * @param fanIn the inputs feeding one output unit
     * @param fanOut the outputs one input unit feeds
     * @param shape the tensor's shape
     * @return a new tensor (current scope)
     */
    public static Tensor glorotUniform(RandomStream random, DType dtype, long fanIn, long fanOut, long... shape) {
        double bound = Math.sqrt(6.0 / (fanIn + fanOut));
        try (TensorScope scope = TensorScope.open()) {
            return scope.keep(random.uniform(dtype, shape).mul(2 * bound).sub(bound));
        }
    }
}
