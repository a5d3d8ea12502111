package dev.jacreg.experiment;

import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.attack.Attack;
import dev.jacreg.attack.AttackSweep;
import dev.jacreg.data.Corruption;
import dev.jacreg.nn.Module;
import dev.jacreg.train.Evaluator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Accuracy of one or more nets under the extra corruptions and under attacks, on the same test images. Every net
 * sees the same corrupted copies and the same random starts: the random streams depend only on the seed, the
 * corruption or attack, and the index of the level.
 */
public final class RobustnessSweep {
    private RobustnessSweep() {}

    /**
     * A net to evaluate.
     *
     * @param column CSV column suffix
     * @param label  legend name
     * @param dtype  the element type its weights have (images are converted to it)
     */
    public record Net(String column, String label, Module model, DType dtype) {}

    /** The noisy copy's stream: the experiment's own for pixel replacement, so both sweeps agree. */
    public static RandomStream corruptionStream(long seed, Corruption corruption, int level) {
        if (corruption == Corruption.REPLACE) return ExperimentRandom.noise(seed, level);
        return RandomStream.seeded(RandomStream.derive(RandomStream.derive(seed, "noise-" + corruption.label()),
                Integer.toString(level)));
    }

    /** Random starts of an attack at its {@code level}-th ε. */
    public static RandomStream attackStream(long seed, String attack, int level) {
        return RandomStream.seeded(RandomStream.derive(RandomStream.derive(seed, "attack-" + attack), Integer.toString(level)));
    }

    /** Accuracy of every net on corrupted copies of the images at each level (table {@code accuracy-<corruption>}). */
    public static SweepTable corruption(List<Net> nets, Tensor images, Tensor labels, Corruption corruption,
                                        double[] levels, long seed, int chunk, ExperimentListener listener) {
        return corruption(nets, images, labels, corruption, levels, seed, chunk, listener, WorkerPool.inline());
    }

    /**
     * As above, the nets evaluated concurrently on {@code pool}, each on its own copies of the corrupted images (drawn
     * from the same streams, so the same for every net); a module is never used by two threads at once.
     */
    public static SweepTable corruption(List<Net> nets, Tensor images, Tensor labels, Corruption corruption,
                                        double[] levels, long seed, int chunk, ExperimentListener listener, WorkerPool pool) {
        for (double level : levels) corruption.checkLevel(level);
        listener.phase(String.format(Locale.ROOT, "%s at %d levels, %d nets", corruption.label(), levels.length, nets.size()));
        List<Callable<double[]>> tasks = new ArrayList<>();
        for (Net n : nets) {
            tasks.add(() -> {
                double[] accuracy = new double[levels.length];
                for (int i = 0; i < levels.length; i++) {
                    try (TensorScope scope = TensorScope.open()) {
                        Tensor noisy = corruption.apply(images, levels[i], corruptionStream(seed, corruption, i));
                        Tensor input = noisy.dtype() == n.dtype() ? noisy : noisy.to(n.dtype());
                        accuracy[i] = Evaluator.accuracy(n.model(), input, labels, chunk);
                    }
                }
                return accuracy;
            });
        }
        List<double[]> accuracy = pool.invokeAllUnchecked(tasks);
        return new SweepTable("accuracy-" + corruption.label(), corruption.levelColumn(), corruption.axisLabel(),
                "Accuracy under " + corruption.description() + " (" + Formats.count(images.size(0)) + " test images)",
                levels, columns(nets), netLabels(nets), accuracy);
    }

    /** Accuracy of every net under a white-box attack on itself at each ε (table {@code attack-<name>}). */
    public static SweepTable attack(List<Net> nets, Tensor images, Tensor labels, Attack attack, double[] epsilons,
                                    long seed, int chunk, ExperimentListener listener) {
        return attack(nets, images, labels, attack, epsilons, seed, chunk, listener, WorkerPool.inline());
    }

    /**
     * As above, the nets attacked concurrently on {@code pool} (two nets must then be distinct modules: the attack sets
     * each one's mode).
     */
    public static SweepTable attack(List<Net> nets, Tensor images, Tensor labels, Attack attack, double[] epsilons,
                                    long seed, int chunk, ExperimentListener listener, WorkerPool pool) {
        List<Callable<double[]>> tasks = new ArrayList<>();
        for (Net n : nets) {
            tasks.add(() -> {
                listener.phase("attacking " + n.label() + " with " + attack + " at " + epsilons.length + " radii");
                try (TensorScope scope = TensorScope.open()) {
                    Tensor input = images.dtype() == n.dtype() ? images : images.to(n.dtype());
                    long start = System.nanoTime();
                    double[] accuracy = AttackSweep.accuracy(n.model(), attack, input, labels, epsilons, chunk,
                            i -> attackStream(seed, attack.name(), (int) i));
                    listener.phase(throughput(n.label(), attack, images.size(0), epsilons, System.nanoTime() - start));
                    return accuracy;
                }
            });
        }
        List<double[]> accuracy = pool.invokeAllUnchecked(tasks);
        return new SweepTable("attack-" + attack.name(), "epsilon",
                "attack radius ε (" + attack.norm().symbol() + " norm, pixels in [0, 1])",
                "Accuracy under " + attack + " (" + Formats.count(images.size(0)) + " test images)",
                epsilons, columns(nets), netLabels(nets), accuracy);
    }

    /**
     * The attack's throughput on one net, one line for the terminal and the study drivers (bench/drivers/robustness-study
     * reads it): "throughput: NET under ATTACK: N images x R radii in S s, T images/s", counting only the non-zero
     * radii (ε = 0 is a plain evaluation).
     */
    static String throughput(String net, Attack attack, long images, double[] epsilons, long nanos) {
        long radii = Arrays.stream(epsilons).filter(e -> e > 0).count();
        double seconds = nanos / 1e9;
        return String.format(Locale.ROOT, "throughput: %s under %s: %d images x %d radii in %.1f s, %.1f images/s", net,
                attack, images, radii, seconds, seconds > 0 ? images * radii / seconds : 0.0);
    }

    private static List<String> columns(List<Net> nets) {
        return nets.stream().map(Net::column).toList();
    }

    private static List<String> netLabels(List<Net> nets) {
        return nets.stream().map(Net::label).toList();
    }
}
