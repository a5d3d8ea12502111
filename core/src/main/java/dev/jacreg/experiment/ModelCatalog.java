package dev.jacreg.experiment;

import dev.jacreg.train.Augmentation;
import dev.jacreg.train.GaussianAugmentation;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.PixelReplacementAugmentation;
import dev.jacreg.train.RegularizedLoss;

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

    /** Every name, in the order of the reports. */
    public static final List<String> NAMES = List.of(JACOBIAN, REFERENCE, NOISE_AUGMENT, GAUSSIAN_AUGMENT, WEIGHT_DECAY,
            LOGITS, EXACT);

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
                    penalty.every())),
                    Augmentation.NONE, 0);
            case EXACT -> new ModelRecipe(EXACT, "Exact Jacobian penalty", RegularizedLoss.exact(penalty), Augmentation.NONE, 0);
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
