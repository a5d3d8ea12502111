package dev.jacreg.nn;

import dev.jacreg.DType;
import dev.jacreg.Functional;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TorchException;

/** Fully connected layer y = x·Wᵀ + b; Glorot-uniform weights, zero bias. */
public final class Linear extends Layer {
    private final int inFeatures;
    private final int outFeatures;

    /**
     * A layer whose initial weights come from libtorch's generator.
     *
     * @param inFeatures the input's last dimension D_in
     * @param outFeatures the output's last dimension D_out (for a classifier's last layer: the number of classes)
     * @param dtype the type of the weight (D_out×D_in) and bias (D_out)
     */
    public Linear(int inFeatures, int outFeatures, DType dtype) {
        this(inFeatures, outFeatures, dtype, RandomStream.libtorch());
    }

    /**
     * A layer with its initial weights drawn from {@code random}.
     *
     * @param inFeatures the input's last dimension D_in
     * @param outFeatures the output's last dimension D_out (for a classifier's last layer: the number of classes)
     * @param dtype the type of the weight (D_out×D_in) and bias (D_out)
     * @param random where the initial weights are drawn from
     */
    public Linear(int inFeatures, int outFeatures, DType dtype, RandomStream random) {
        if (inFeatures < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("bad Linear(" + inFeatures + ", " + outFeatures + ")");
        }
        parameter("weight", Init.glorotUniform(random, dtype, inFeatures, outFeatures, outFeatures, inFeatures));
        parameter("bias", Tensor.zeros(dtype, outFeatures));
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
    }

    @Override
    public Tensor forward(Tensor input) {
        try {
            return Functional.linear(input, state("weight"), state("bias"));
        } catch (TorchException e) {
            throw LayerException.badInput(this, "…×" + inFeatures, input, e);
        }
    }

    /** {@return the size of each input row} */
    public int inFeatures() {
        return inFeatures;
    }

    /** {@return the size of each output row (the class count, for a classifier's last layer)} */
    public int outFeatures() {
        return outFeatures;
    }

    @Override
    public String describe() {
        return "Linear(" + inFeatures + " → " + outFeatures + ")";
    }
}
