package dev.jacreg.experiment;

import dev.jacreg.train.Augmentation;
import dev.jacreg.train.GaussianAugmentation;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.PixelReplacementAugmentation;
import dev.jacreg.train.Trades;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every recipe of the catalog builds what its help says, from the experiment's penalty (λ 0.25, 3 projections, softmax)
 * and robust settings (ε 0.05, 3 steps, β 2): one row per recipe, so adding a recipe means adding its declaration and
 * its row here.
 */
class ModelCatalogTest {
    private static final JacobianPenalty PENALTY = new JacobianPenalty(0.25, 3, JacobianPenalty.Target.SOFTMAX);
    private static final ModelCatalog.RecipeSettings SETTINGS = new ModelCatalog.RecipeSettings(PENALTY,
            new RobustSettings(0.05, 3, 2));

    @ParameterizedTest
    @CsvSource({
            // name, penalty λ (none: no Jacobian penalty), target, exact, robust objective, augmentation, weight decay
            "jacobian,         0.25, SOFTMAX, false, false, none,     0",
            "reference,        ,     ,        false, false, none,     0",
            "noise-augment,    ,     ,        false, false, replace,  0",
            "gaussian-augment, ,     ,        false, false, gaussian, 0",
            "weight-decay,     ,     ,        false, false, none,     5e-4",
            "logits,           0.01, LOGITS,  false, false, none,     0",
            "exact,            0.25, SOFTMAX, true,  false, none,     0",
            "pgd-at,           ,     ,        false, true,  none,     0",
            "trades,           ,     ,        false, true,  none,     0",
            "input-gradient,   ,     ,        false, true,  none,     0",
            "jacobian-noise,   0.25, SOFTMAX, false, false, replace,  0"})
    void eachRecipeBuildsWhatItsHelpSays(String name, Double lambda, JacobianPenalty.Target target, boolean exact,
                                         boolean robust, String augmentation, double weightDecay) {
        ModelRecipe r = ModelCatalog.recipe(name, SETTINGS);
        assertEquals(name, r.name());
        assertEquals(ModelCatalog.declaration(name).label(), r.label());
        assertEquals(lambda != null, r.loss().penalized(), "penalized");
        if (lambda != null) {
            assertEquals(lambda, r.loss().penalty().lambda());
            assertEquals(lambda, r.lambda());
            assertEquals(target, r.loss().penalty().target());
            assertEquals(PENALTY.projections(), r.loss().penalty().projections());
        } else {
            assertEquals(0, r.lambda());
        }
        assertEquals(exact, r.loss().exact(), "exact");
        assertEquals(robust, r.loss().robustObjective() != null, "robust objective");
        Augmentation a = r.augmentation();
        switch (augmentation) {
            case "none" -> assertSame(Augmentation.NONE, a);
            case "replace" -> assertInstanceOf(PixelReplacementAugmentation.class, a);
            case "gaussian" -> assertInstanceOf(GaussianAugmentation.class, a);
            default -> fail(augmentation);
        }
        assertEquals(weightDecay, r.weightDecay());
    }

    /** The robust recipes take --robust-epsilon, --robust-steps and --trades-beta; the step is 2.5·ε/steps. */
    @Test
    void theRobustRecipesBuildFromTheRobustSettings() {
        String pgdAt = ModelCatalog.recipe(ModelCatalog.PGD_AT, SETTINGS).describeLoss();
        assertTrue(pgdAt.contains("PGD (L∞, 3 steps, random start)") && pgdAt.contains("ε = 0.05"), pgdAt);
        Trades trades = (Trades) ModelCatalog.recipe(ModelCatalog.TRADES, SETTINGS).loss().robustObjective();
        assertEquals(2, trades.beta());
        assertTrue(trades.describe().contains("3 signed steps of " + 2.5 * 0.05 / 3), trades.describe());
        assertTrue(trades.describe().contains("ε = 0.05"), trades.describe());
        for (String name : List.of(ModelCatalog.PGD_AT, ModelCatalog.TRADES)) {
            String help = ModelCatalog.declaration(name).help();
            assertFalse(help.matches(".*\\d.*"), "no fixed number in the help of " + name + ": " + help);
        }
        assertTrue(ModelCatalog.declaration(ModelCatalog.PGD_AT).help().contains("--robust-epsilon"));
        assertTrue(ModelCatalog.declaration(ModelCatalog.TRADES).help().contains("--trades-beta"));
    }

    @Test
    void namesAndLabelsAreUniqueAndTheTableAboveCoversEveryRecipe() {
        assertEquals(11, ModelCatalog.RECIPES.size(), "a new recipe needs its row in eachRecipeBuildsWhatItsHelpSays");
        assertEquals(ModelCatalog.NAMES.size(), new HashSet<>(ModelCatalog.NAMES).size());
        assertEquals(ModelCatalog.RECIPES.size(),
                new HashSet<>(ModelCatalog.RECIPES.stream().map(ModelCatalog.Declaration::label).toList()).size());
        for (ModelCatalog.Declaration d : ModelCatalog.RECIPES) {
            assertTrue(d.help().chars().allMatch(c -> c < 128), "help is printed by --help: ASCII only: " + d.name());
        }
        assertEquals(List.of("jacobian", "reference"), ModelCatalog.DEFAULT);
    }

    @Test
    void aListIsParsedInOrderAndAnyModelsWork() {
        assertEquals(List.of("noise-augment", "weight-decay"), ModelCatalog.parse(List.of("Noise-Augment", " weight-decay"),
                SETTINGS).stream().map(ModelRecipe::name).toList());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelCatalog.parse(List.of("dropout"), SETTINGS));
        assertTrue(e.getMessage().contains("unknown model 'dropout'"), e.getMessage());
    }
}
