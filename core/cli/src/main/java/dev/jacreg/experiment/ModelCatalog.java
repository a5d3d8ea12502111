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

    private ModelCatalog() {}

    /**
     * PGD adversarial training with the inner attack of {@code robust} (ε, steps). Its random starts come from libtorch's
     * generator here; {@link ExperimentSpec#trainer(ModelRecipe, dev.jacreg.train.DataParallel)} gives every training
     * run a seeded stream of its own instead ({@link RegularizedLoss#drawingFrom}).
     */
    public static RegularizedLoss adversarialTraining(RobustSettings robust) {
        return RegularizedLoss.robust(new AdversarialTraining(new Pgd(Norm.LINF, robust.steps(), Double.NaN, true),
                robust.epsilon(), RandomStream.libtorch()));
    }

    /** TRADES with β, ε and steps of {@code robust}, each step 2.5·ε/steps as for PGD; its stream as above. */
    public static RegularizedLoss trades(RobustSettings robust) {
        return RegularizedLoss.robust(new Trades(robust.tradesBeta(), robust.epsilon(), robust.steps(), robust.stepSize(),
                RandomStream.libtorch()));
    }

    /**
     * What the recipes build from: the experiment's penalty (--lambda, --projections, --target, --penalty-bn, ...) and
     * the robust recipes' settings (--robust-epsilon, --robust-steps, --trades-beta).
     */
    public record RecipeSettings(JacobianPenalty penalty, RobustSettings robust) {
        /** Checks that both are given. */
        public RecipeSettings {
            java.util.Objects.requireNonNull(penalty, "penalty");
            java.util.Objects.requireNonNull(robust, "robust");
        }

        /** An experiment's. */
        public static RecipeSettings of(ExperimentConfig config) {
            return new RecipeSettings(config.penalty(), config.robust());
        }

        /** {@code penalty} with the robust recipes' defaults. */
        public static RecipeSettings of(JacobianPenalty penalty) {
            return new RecipeSettings(penalty, RobustSettings.DEFAULT);
        }
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
     * it builds its training from the experiment's settings ({@link RecipeSettings}).
     */
    public record Declaration(String name, String label, String help, Function<RecipeSettings, Parts> parts) {
        /** This recipe with the experiment's settings. */
        public ModelRecipe recipe(RecipeSettings settings) {
            Parts p = parts.apply(settings);
            return new ModelRecipe(name, label, p.loss(), p.augmentation(), p.weightDecay());
        }
    }

    /** Every recipe, in the order of the reports and of the --models help. Adding a recipe = one line here + its test. */
    public static final List<Declaration> RECIPES = List.of(
            new Declaration(JACOBIAN, "Jacobian regularization", "the penalty of --lambda, --projections, --target",
                    s -> Parts.loss(new RegularizedLoss(s.penalty()))),
            new Declaration(REFERENCE, "Reference", "no penalty", s -> Parts.loss(RegularizedLoss.plain())),
            new Declaration(NOISE_AUGMENT, "Noise augmentation", "each training image gets pixel-replacement noise "
                    + "with p ~ U(0, 0.5), fresh every batch", s -> new Parts(RegularizedLoss.plain(),
                    new PixelReplacementAugmentation(NOISE_AUGMENT_MAX_P), 0)),
            new Declaration(GAUSSIAN_AUGMENT, "Gaussian augmentation", "additive N(0, sigma^2), sigma ~ U(0, 0.5) per "
                    + "image, clipped", s -> new Parts(RegularizedLoss.plain(),
                    new GaussianAugmentation(GAUSSIAN_AUGMENT_MAX_SIGMA), 0)),
            new Declaration(WEIGHT_DECAY, "Weight decay", "L2 5e-4 in the SGD update, as PyTorch's weight_decay",
                    s -> new Parts(RegularizedLoss.plain(), Augmentation.NONE, WEIGHT_DECAY_COEFFICIENT)),
            new Declaration(LOGITS, "Jacobian penalty on logits", "the penalty on the logits with lambda 0.01, as the "
                    + "paper's code", s -> {
                        JacobianPenalty p = s.penalty();
                        return Parts.loss(new RegularizedLoss(new JacobianPenalty(LOGITS_LAMBDA, p.projections(),
                                JacobianPenalty.Target.LOGITS, p.batchNorm(), p.estimator(), p.every()).withSubset(p.subset())));
                    }),
            new Declaration(EXACT, "Exact Jacobian penalty", "the penalty computed exactly, C projections along the "
                    + "one-hot directions", s -> Parts.loss(RegularizedLoss.exact(s.penalty()))),
            new Declaration(PGD_AT, "PGD adversarial training", "Madry: cross-entropy at linf PGD adversarial copies, "
                    + "radius --robust-epsilon, --robust-steps steps from a random start",
                    s -> Parts.loss(adversarialTraining(s.robust()))),
            new Declaration(TRADES, "TRADES", "cross-entropy + --trades-beta * KL(clean || attacked), pgd-at's inner "
                    + "attack on the KL", s -> Parts.loss(trades(s.robust()))),
            // λ/2, the weight the Jacobian penalty's squared norm gets, so the two penalties compare like with like.
            new Declaration(INPUT_GRADIENT, "Input-gradient penalty", "lambda/2 * mean ||grad_x CE||^2, double backprop",
                    s -> Parts.loss(RegularizedLoss.robust(new InputGradientPenalty(s.penalty().lambda() / 2)))),
            new Declaration(JACOBIAN_NOISE, "Jacobian penalty + noise augmentation", "the penalty plus noise-augment's "
                    + "augmentation", s -> new Parts(new RegularizedLoss(s.penalty()),
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

    /** The recipe of a name with the experiment's settings. */
    public static ModelRecipe recipe(String name, RecipeSettings settings) {
        return declaration(name).recipe(settings);
    }

    /**
     * The recipes of a --models list, in the order given, each named once. When reference is among them the reports
     * compare every other model with it (paired differences).
     */
    public static List<ModelRecipe> parse(List<String> names, RecipeSettings settings) {
        if (names == null || names.isEmpty()) throw new IllegalArgumentException("--models needs at least one model");
        LinkedHashSet<String> seen = new LinkedHashSet<>();
        List<ModelRecipe> out = new ArrayList<>();
        for (String raw : names) {
            String name = raw.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) throw new IllegalArgumentException("--models has an empty name");
            if (!seen.add(name)) throw new IllegalArgumentException("--models lists '" + name + "' twice");
            try {
                out.add(recipe(name, settings));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--models: " + e.getMessage(), e);
            }
        }
        return List.copyOf(out);
    }
}
