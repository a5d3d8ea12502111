package dev.jacreg.nn;

import dev.jacreg.DType;
import dev.jacreg.Functional;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TorchException;

/** 2-D convolution, square kernel; Glorot-uniform weights, zero bias. */
public final class Conv2d extends Layer {
    private final int stride;
    private final int padding;
    private final int inChannels;
    private final int outChannels;
    private final int kernel;

    /**
     * A convolution whose initial weights come from libtorch's generator.
     *
     * @param inChannels the input's channels C_in
     * @param outChannels the filters, the output's channels C_out
     * @param kernel the side of the square kernel, &gt;= 1
     * @param stride the step between windows, &gt;= 1
     * @param padding zeros added on each side, &gt;= 0
     * @param dtype the type of the weight (C_out×C_in×kernel×kernel) and bias (C_out)
     */
    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, DType dtype) {
        this(inChannels, outChannels, kernel, stride, padding, dtype, RandomStream.libtorch());
    }

    /**
     * A convolution with its initial weights drawn from {@code random}.
     *
     * @param inChannels the input's channels C_in
     * @param outChannels the filters, the output's channels C_out
     * @param kernel the side of the square kernel, &gt;= 1
     * @param stride the step between windows, &gt;= 1
     * @param padding zeros added on each side, &gt;= 0
     * @param dtype the type of the weight (C_out×C_in×kernel×kernel) and bias (C_out)
     * @param random where the initial weights are drawn from
     */
    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, DType dtype, RandomStream random) {
        if (inChannels < 1 || outChannels < 1 || kernel < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException("bad Conv2d(" + inChannels + ", " + outChannels + ", kernel " + kernel
                    + ", stride " + stride + ", padding " + padding + ")");
        }
        long area = (long) kernel * kernel;
        parameter("weight", Init.glorotUniform(random, dtype, inChannels * area, outChannels * area,
                outChannels, inChannels, kernel, kernel));
        parameter("bias", Tensor.zeros(dtype, outChannels));
        this.stride = stride;
        this.padding = padding;
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel;
    }

    @Override
    public Tensor forward(Tensor input) {
        try {
            return Functional.conv2d(input, state("weight"), state("bias"), stride, padding);
        } catch (TorchException e) {
            throw LayerException.badInput(this, "N×" + inChannels + "×H×W with H, W >= " + (kernel - 2 * padding), input, e);
        }
    }

    @Override
    public String describe() {
        return "Conv2d(" + inChannels + " → " + outChannels + ", kernel " + kernel + ", stride " + stride + ", padding "
                + padding + ")";
    }
}
