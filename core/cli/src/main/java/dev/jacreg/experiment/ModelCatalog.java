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
import java.util.function.Function;

/**
 * The models {@code jacreg experiment --models} can train side by side: the penalty and its variants, the unpenalized
 * reference, and the cheap alternatives a practitioner would try first.
 */
public final class ModelCatalog {
    public static final String JACOBIAN = "jacobian";
    public static final String REFERENCE = "reference";
    public static final String NOISE_AUGMENT = "noise-augment";
    public static final String GAUSSIAN_AUGMENT = "gaussian-augment";
    public static final String WEIGHT_DECAY = "weight-decay";
    public static final String LOGITS = "logits";
    public static final String EXACT = "exact";
    public static final String PGD_AT = "pgd-at";
    public static final String TRADES = "trades";
    public static final String INPUT_GRADIENT = "input-gradient";
    public static final String JACOBIAN_NOISE = "jacobian-noise";

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
     * What a recipe trains with besides the shared architecture, weights, batches and loop.
     *
     * @param weightDecay L2 coefficient of the optimizer; 0 = none
     */
    public record Parts(RegularizedLoss loss, Augmentation augmentation, double weightDecay) {
        static Parts loss(RegularizedLoss loss) {
            return new Parts(loss, Augmentation.NONE, 0);
        }
    }

    /**
     * One --models entry, declared once: its name, its label in reports, its one-line help in {@code --models}, and how
     * it builds its training from the experiment's penalty (--lambda, --projections, --target, --penalty-bn).
     */
    public record Declaration(String name, String label, String help, Function<JacobianPenalty, Parts> parts) {
        /** This recipe with the experiment's penalty. */
        public ModelRecipe recipe(JacobianPenalty penalty) {
            Parts p = parts.apply(penalty);
            return new ModelRecipe(name, label, p.loss(), p.augmentation(), p.weightDecay());
        }
    }

    /** Every recipe, in the order of the reports and of the --models help. Adding a recipe = one line here + its test. */
    public static final List<Declaration> RECIPES = List.of(
            new Declaration(JACOBIAN, "Jacobian regularization", "the penalty of --lambda, --projections, --target",
                    p -> Parts.loss(new RegularizedLoss(p))),
            new Declaration(REFERENCE, "Reference", "no penalty", p -> Parts.loss(RegularizedLoss.plain())),
            new Declaration(NOISE_AUGMENT, "Noise augmentation", "each training image gets pixel-replacement noise "
                    + "with p ~ U(0, 0.5), fresh every batch", p -> new Parts(RegularizedLoss.plain(),
                    new PixelReplacementAugmentation(NOISE_AUGMENT_MAX_P), 0)),
            new Declaration(GAUSSIAN_AUGMENT, "Gaussian augmentation", "additive N(0, sigma^2), sigma ~ U(0, 0.5) per "
                    + "image, clipped", p -> new Parts(RegularizedLoss.plain(),
                    new GaussianAugmentation(GAUSSIAN_AUGMENT_MAX_SIGMA), 0)),
            new Declaration(WEIGHT_DECAY, "Weight decay", "L2 5e-4 in the SGD update, as PyTorch's weight_decay",
                    p -> new Parts(RegularizedLoss.plain(), Augmentation.NONE, WEIGHT_DECAY_COEFFICIENT)),
            new Declaration(LOGITS, "Jacobian penalty on logits", "the penalty on the logits with lambda 0.01, as the "
                    + "paper's code", p -> Parts.loss(new RegularizedLoss(new JacobianPenalty(LOGITS_LAMBDA, p.projections(),
                    JacobianPenalty.Target.LOGITS, p.batchNorm(), p.estimator(), p.every()).withSubset(p.subset())))),
            new Declaration(EXACT, "Exact Jacobian penalty", "the penalty computed exactly, C projections along the "
                    + "one-hot directions", p -> Parts.loss(RegularizedLoss.exact(p))),
            new Declaration(PGD_AT, "PGD adversarial training", "Madry: cross-entropy at PGD-7 linf adversarial "
                    + "copies, epsilon 0.1", p -> Parts.loss(adversarialTraining(ROBUST_EPSILON, ROBUST_STEPS))),
            new Declaration(TRADES, "TRADES", "beta 6, the same inner attack on the KL",
                    p -> Parts.loss(trades(TRADES_BETA, ROBUST_EPSILON, ROBUST_STEPS))),
            // λ/2, the weight the Jacobian penalty's squared norm gets, so the two penalties compare like with like.
            new Declaration(INPUT_GRADIENT, "Input-gradient penalty", "lambda/2 * mean ||grad_x CE||^2, double backprop",
                    p -> Parts.loss(RegularizedLoss.robust(new InputGradientPenalty(p.lambda() / 2)))),
            new Declaration(JACOBIAN_NOISE, "Jacobian penalty + noise augmentation", "the penalty plus noise-augment's "
                    + "augmentation", p -> new Parts(new RegularizedLoss(p),
                    new PixelReplacementAugmentation(NOISE_AUGMENT_MAX_P), 0)));

    /** Every name, in the order of the reports. */
    public static final List<String> NAMES = RECIPES.stream().map(Declaration::name).toList();

    /** The declaration of a name. */
    public static Declaration declaration(String name) {
        for (Declaration d : RECIPES) if (d.name().equals(name)) return d;
        throw new IllegalArgumentException("unknown model '" + name + "' (expected one of " + String.join(", ", NAMES) + ")");
    }

    /** The recipes for the --models help: "name (help), name (help), ...". */
    public static String help() {
        return String.join(", ", RECIPES.stream().map(d -> d.name() + " (" + d.help() + ")").toList());
    }

    /** The recipe of a name with the experiment's penalty. */
    public static ModelRecipe recipe(String name, JacobianPenalty penalty) {
        return declaration(name).recipe(penalty);
    }

    /**
     * The recipes of a --models list, in the order given, each named once. When reference is among them the reports
     * compare every other model with it (paired differences).
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
        return List.copyOf(out);
    }
}
