package dev.jacreg.experiment;

import dev.jacreg.attack.Pgd;

/**
 * The settings of the robust-training recipes' inner attack ({@code --models pgd-at}, {@code trades}; see
 * {@link ModelCatalog}): {@code --robust-epsilon}, {@code --robust-steps} and {@code --trades-beta}.
 *
 * @param epsilon    L∞ radius of the inner attack of pgd-at and trades, in (0, {@value #MAX_EPSILON}]
 * @param steps      its steps, 1 to {@value #MAX_STEPS}, each of 2.5·ε/steps ({@link Pgd#DEFAULT_STEP_FACTOR}) so the
 *                   boundary is reachable
 * @param tradesBeta TRADES's β, the weight of its KL term (1/λ in the paper), finite and &gt; 0
 */
public record RobustSettings(double epsilon, int steps, double tradesBeta) {
    /**
     * The default radius. Madry et al. train MNIST at 0.3 with a network several times the seed network's width for
     * 100,000 iterations; the seed network trained for a few epochs does not fit 0.3 (its clean accuracy collapses),
     * while 0.1 is the middle of the attack sweep's default grid (0 to 0.2).
     */
    public static final double DEFAULT_EPSILON = 0.1;
    /** The default steps: 7, Madry et al.'s CIFAR-10 count. */
    public static final int DEFAULT_STEPS = 7;
    /** The default β: 6, the TRADES paper's headline setting. */
    public static final double DEFAULT_TRADES_BETA = 6;
    /** The largest radius: the whole pixel range; a larger L∞ ball allows any image. */
    public static final double MAX_EPSILON = 1;
    /** The most steps: each step is a forward and a backward pass per training batch. */
    public static final int MAX_STEPS = 100;

    /** The defaults: ε {@value #DEFAULT_EPSILON}, {@value #DEFAULT_STEPS} steps, β {@value #DEFAULT_TRADES_BETA}. */
    public static final RobustSettings DEFAULT = new RobustSettings(DEFAULT_EPSILON, DEFAULT_STEPS, DEFAULT_TRADES_BETA);

    /** Checks the ranges (the command line checks them first, naming its options: OptionRules). */
    public RobustSettings {
        if (!(epsilon > 0 && epsilon <= MAX_EPSILON)) {
            throw new IllegalArgumentException("the robust recipes' ε must be in (0, " + Formats.number(MAX_EPSILON)
                    + "] (an L∞ radius in pixel units), got " + epsilon);
        }
        if (steps < 1 || steps > MAX_STEPS) {
            throw new IllegalArgumentException("the robust recipes' attack steps must be in [1, " + MAX_STEPS + "], got " + steps);
        }
        if (!(tradesBeta > 0) || Double.isInfinite(tradesBeta)) {
            throw new IllegalArgumentException("TRADES β must be a finite number > 0, got " + tradesBeta);
        }
    }

    /** The same settings with another radius. */
    public RobustSettings withEpsilon(double value) {
        return new RobustSettings(value, steps, tradesBeta);
    }

    /** The same settings with another step count. */
    public RobustSettings withSteps(int value) {
        return new RobustSettings(epsilon, value, tradesBeta);
    }

    /** The same settings with another β. */
    public RobustSettings withTradesBeta(double value) {
        return new RobustSettings(epsilon, steps, value);
    }

    /** The inner attack's step size: 2.5·ε/steps. */
    public double stepSize() {
        return Pgd.DEFAULT_STEP_FACTOR * epsilon / steps;
    }
}
