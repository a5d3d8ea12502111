package dev.jacreg.attack;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Module;

import java.util.function.LongFunction;

/**
 * Accuracy of a model on adversarial copies of a test set, one radius ε after another. Images are attacked and
 * classified in chunks, in inference mode; every chunk's graphs are freed before the next one.
 */
public final class AttackSweep {
    private AttackSweep() {}

    /**
     * Robust accuracy at each radius: the share of the images still classified as their label after the attack.
     *
     * @param model the classifier, B×C logits
     * @param attack the attack
     * @param images the clean images, N×…, pixels in [0, 1]
     * @param labels int64 true labels, N
     * @param epsilons the radii, each &gt;= 0
     * @param chunk images attacked and classified at once, &gt;= 1
     * @param randomFor the random stream of the i-th ε (so every net of a comparison gets the same random starts,
     *                  and each ε's draws do not depend on the others); may return null for deterministic attacks
     * @return accuracy (fraction) at each ε
     */
    public static double[] accuracy(Module model, Attack attack, Tensor images, Tensor labels, double[] epsilons,
                                    int chunk, LongFunction<RandomStream> randomFor) {
        if (chunk < 1) throw new IllegalArgumentException("chunk must be >= 1, got " + chunk);
        for (double e : epsilons) AttackMath.checkEpsilon(e);
        AttackMath.checkBatch(images, labels);
        double[] accuracy = new double[epsilons.length];
        for (int i = 0; i < epsilons.length; i++) {
            accuracy[i] = accuracy(model, attack, images, labels, epsilons[i], chunk, randomFor.apply(i));
        }
        return accuracy;
    }

    /**
     * Accuracy at one ε; random starts of successive chunks are consecutive draws from {@code random}.
     *
     * @param model the classifier, B×C logits
     * @param attack the attack
     * @param images the clean images, N×…, pixels in [0, 1]
     * @param labels int64 true labels, N
     * @param epsilon the radius, &gt;= 0
     * @param chunk images attacked and classified at once, &gt;= 1
     * @param random the random starts' stream, or null for a deterministic attack
     * @return the robust accuracy, a fraction in [0, 1]
     */
    public static double accuracy(Module model, Attack attack, Tensor images, Tensor labels, double epsilon, int chunk,
                                  RandomStream random) {
        long n = images.size(0);
        if (n == 0) throw new IllegalArgumentException("no images to attack");
        long correct = 0;
        for (long start = 0; start < n; start += chunk) {
            long length = Math.min(chunk, n - start);
            try (TensorScope scope = TensorScope.open()) {
                Tensor x = images.narrow(0, start, length);
                Tensor y = labels.narrow(0, start, length);
                Tensor adversarial = attack.perturb(model, x, y, epsilon, random);
                try (var off = Autograd.noGrad()) {
                    model.setTraining(false);
                    correct += (long) model.forward(adversarial).argmax(1).eq(y).to(DType.FLOAT64).sum().item();
                }
            }
        }
        return (double) correct / n;
    }
}
