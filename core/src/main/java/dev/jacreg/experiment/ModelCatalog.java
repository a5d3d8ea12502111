package dev.jacreg.experiment;

import dev.jacreg.RandomStream;
import dev.jacreg.attack.Norm;
import dev.jacreg.attack.Pgd;
import dev.jacreg.train.AdversarialTraining;
import dev.jacreg.train.Augmentation;
import dev.jacreg.train.GaussianAugmentation;
import dev.jacreg.train.InputGradientPenalty;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.PixelReplacementAugmentation;
import dev.jacreg.train.RegularizedLoss;
import dev.jacreg.train.Trades;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * The models {@code jacreg experiment --models} can train side by side: the penalty and its variants, the unpenalized
 * reference, and the cheap alternatives a practitioner would try first.
 */
public final class ModelCatalog {
    public static final String JACOBIAN = Experiment.JACOBIAN;
    public static final String REFERENCE = Experiment.REFERENCE;
    public static final String NOISE_AUGMENT = "noise-augment";
    public static final String GAUSSIAN_AUGMENT = "gaussian-augment";
    public static final String WEIGHT_DECAY = "weight-decay";
    public static final String LOGITS = "logits";
    public static final String EXACT = "exact";
    public static final String PGD_AT = "pgd-at";
    public static final String TRADES = "trades";
    public static final String INPUT_GRADIENT = "input-gradient";
    public static final String JACOBIAN_NOISE = "jacobian-noise";

    /** Every name, in the order of the reports. */
    public static final List<String> NAMES = List.of(JACOBIAN, REFERENCE, NOISE_AUGMENT, GAUSSIAN_AUGMENT, WEIGHT_DECAY,
            LOGITS, EXACT, PGD_AT, TRADES, INPUT_GRADIENT, JACOBIAN_NOISE);

    /** The default selection: the reference experiment's pair. */
    public static final List<String> DEFAULT = List.of(JACOBIAN, REFERENCE);

    /** Largest per-image replacement proportion: the test sweep's range, 0 to 0.5 (issue 12). */
    public static final double NOISE_AUGMENT_MAX_P = 0.5;
    /**
     * Largest per-image σ: the default --corruption gaussian sweep's range, 0 to 0.5. (Pixel replacement at p = 0.5
     * moves a pixel by ≈ √(0.5/3) ≈ 0.41 rms, so the two augmentations cover noise of similar size.)
     */
    public static final double GAUSSIAN_AUGMENT_MAX_SIGMA = 0.5;
    /** The usual SGD weight decay of PyTorch image classifiers (e.g. torchvision's ResNet recipes). */
    public static final double WEIGHT_DECAY_COEFFICIENT = 5e-4;
    /** λ of the paper's code for the logits target (Hoffman, Roberts & Yaida 2019). */
    public static final double LOGITS_LAMBDA = 0.01;

    /**
     * L∞ radius of the robust recipes' inner attacks. Madry et al. train MNIST at 0.3 with a network several times the
     * seed network's width for 100,000 iterations; the seed network trained for a few epochs does not fit 0.3 (its
     * clean accuracy collapses), while 0.1 is the middle of the attack sweep's default grid (0 to 0.2).
     */
    public static final double ROBUST_EPSILON = 0.1;
    /** Steps of the inner attacks: 7, Madry et al.'s CIFAR-10 count, each of 2.5·ε/7 so the boundary is reachable. */
    public static final int ROBUST_STEPS = 7;
    /** TRADES's β (1/λ in the paper): 6, the paper's headline setting. */
    public static final double TRADES_BETA = 6;

    private ModelCatalog() {}

    /** PGD adversarial training with ε and k settable (the recipe uses {@link #ROBUST_EPSILON}, {@link #ROBUST_STEPS}). */
    public static RegularizedLoss adversarialTraining(double epsilon, int steps) {
        return RegularizedLoss.robust(new AdversarialTraining(new Pgd(Norm.LINF, steps, Double.NaN, true), epsilon,
                RandomStream.libtorch()));
    }

    /** TRADES with β, ε and k settable; the step is 2.5·ε/k as for PGD. */
    public static RegularizedLoss trades(double beta, double epsilon, int steps) {
        return RegularizedLoss.robust(new Trades(beta, epsilon, steps, Pgd.DEFAULT_STEP_FACTOR * epsilon / steps,
                RandomStream.libtorch()));
    }

    /**
     * The recipe of a name; {@code penalty} is the experiment's (--lambda, --projections, --target, --penalty-bn), which
     * {@code jacobian} uses as given and {@code logits} and {@code exact} vary.
     */
    public static ModelRecipe recipe(String name, JacobianPenalty penalty) {
        RegularizedLoss plain = RegularizedLoss.plain();
        return switch (name) {
            case JACOBIAN -> new ModelRecipe(JACOBIAN, ReportWriter.JACOBIAN_LABEL, new RegularizedLoss(penalty),
                    Augmentation.NONE, 0);
            case REFERENCE -> new ModelRecipe(REFERENCE, ReportWriter.REFERENCE_LABEL, plain, Augmentation.NONE, 0);
            case NOISE_AUGMENT -> new ModelRecipe(NOISE_AUGMENT, "Noise augmentation", plain,
                    new PixelReplacementAugmentation(NOISE_AUGMENT_MAX_P), 0);
            case GAUSSIAN_AUGMENT -> new ModelRecipe(GAUSSIAN_AUGMENT, "Gaussian augmentation", plain,
                    new GaussianAugmentation(GAUSSIAN_AUGMENT_MAX_SIGMA), 0);
            case WEIGHT_DECAY -> new ModelRecipe(WEIGHT_DECAY, "Weight decay", plain, Augmentation.NONE,
                    WEIGHT_DECAY_COEFFICIENT);
            case LOGITS -> new ModelRecipe(LOGITS, "Jacobian penalty on logits", new RegularizedLoss(new JacobianPenalty(
                    LOGITS_LAMBDA, penalty.projections(), JacobianPenalty.Target.LOGITS, penalty.batchNorm(), penalty.estimator(),
                    penalty.every()).withSubset(penalty.subset())),
                    Augmentation.NONE, 0);
            case EXACT -> new ModelRecipe(EXACT, "Exact Jacobian penalty", RegularizedLoss.exact(penalty), Augmentation.NONE, 0);
            case PGD_AT -> new ModelRecipe(PGD_AT, "PGD adversarial training",
                    adversarialTraining(ROBUST_EPSILON, ROBUST_STEPS), Augmentation.NONE, 0);
            case TRADES -> new ModelRecipe(TRADES, "TRADES", trades(TRADES_BETA, ROBUST_EPSILON, ROBUST_STEPS),
                    Augmentation.NONE, 0);
            // λ/2, the weight the Jacobian penalty's squared norm gets, so the two penalties compare like with like.
            case INPUT_GRADIENT -> new ModelRecipe(INPUT_GRADIENT, "Input-gradient penalty",
                    RegularizedLoss.robust(new InputGradientPenalty(penalty.lambda() / 2)), Augmentation.NONE, 0);
            case JACOBIAN_NOISE -> new ModelRecipe(JACOBIAN_NOISE, "Jacobian penalty + noise augmentation",
                    new RegularizedLoss(penalty), new PixelReplacementAugmentation(NOISE_AUGMENT_MAX_P), 0);
            default -> throw new IllegalArgumentException("unknown model '" + name + "' (expected one of "
                    + String.join(", ", NAMES) + ")");
        };
    }

    /**
     * The recipes of a --models list, in the order given. It must name each model once and include jacobian and
     * reference: the reports compare every model with the reference (paired differences) and keep the regularized
     * pair's figures.
     */
    public static List<ModelRecipe> parse(List<String> names, JacobianPenalty penalty) {
        if (names == null || names.isEmpty()) throw new IllegalArgumentException("--models needs at least one model");
        LinkedHashSet<String> seen = new LinkedHashSet<>();
        List<ModelRecipe> out = new ArrayList<>();
        for (String raw : names) {
            String name = raw.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) throw new IllegalArgumentException("--models has an empty name");
            if (!seen.add(name)) throw new IllegalArgumentException("--models lists '" + name + "' twice");
            try {
                out.add(recipe(name, penalty));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--models: " + e.getMessage(), e);
            }
        }
        for (String required : DEFAULT) {
            if (!seen.contains(required)) {
                throw new IllegalArgumentException("--models must include " + required + " (the reports compare every "
                        + "model with the jacobian and reference pair), got " + String.join(",", seen));
            }
        }
        return List.copyOf(out);
    }
}
