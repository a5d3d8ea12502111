package dev.jacreg.experiment;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.TrainingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The robust recipes' inner attacks draw from a stream of each trained net's own, derived from the seed
 * ({@link ExperimentRandom#robustTraining}): pgd-at trained alone and pgd-at trained at the same time as trades (two
 * workers, one process, both attacking on every batch) end with bit-identical weights, as they could not while both
 * drew from libtorch's one global generator; another seed gives other weights.
 */
class RobustRecipesTest {
    @TempDir
    Path dir;

    @Test
    void pgdAtTrainsToTheSameWeightsAloneAndBesideAnotherAttackingNet() throws Exception {
        ExperimentConfig config = new ExperimentConfig(TrainingConfig.builder().epochs(1).build(), JacobianPenalty.reference(),
                new DataSource.Synthetic(128, 40, dir.resolve("cache")), dir.resolve("out"), new double[]{0}, 0.15, 50,
                DType.FLOAT32, 0, new RobustSettings(0.1, 3, 6));
        DigitDataset[] sets = new ExperimentSpec(config).loadData();

        Map<String, float[]> alone = pgdAtWeights(config.withSeed(5), sets, List.of(ModelCatalog.PGD_AT), 1);
        Map<String, float[]> beside = pgdAtWeights(config.withSeed(5), sets, List.of(ModelCatalog.PGD_AT, ModelCatalog.TRADES), 2);
        Map<String, float[]> otherSeed = pgdAtWeights(config.withSeed(6), sets, List.of(ModelCatalog.PGD_AT), 1);

        assertEquals(alone.keySet(), beside.keySet());
        for (String name : alone.keySet()) assertArrayEquals(alone.get(name), beside.get(name), name);
        assertFalse(java.util.Arrays.equals(alone.get("conv1.weight"), otherSeed.get("conv1.weight")), "seed 6 = seed 5");
    }

    /** Every parameter and buffer of the pgd-at net after training {@code names} with {@code jobs} workers. */
    private static Map<String, float[]> pgdAtWeights(ExperimentConfig config, DigitDataset[] sets, List<String> names,
                                                     int jobs) throws Exception {
        List<ModelRecipe> models = ModelCatalog.parse(names, ModelCatalog.RecipeSettings.of(config));
        try (WorkerPool pool = WorkerPool.of(jobs, 1);
             Experiment.Outcome o = new Experiment(config, models, ExperimentListener.SILENT, () -> false, pool).run(sets)) {
            Sequential net = o.nets().get(ModelCatalog.PGD_AT);
            Map<String, Tensor> state = new TreeMap<>(net.parameters());
            state.putAll(net.buffers());
            Map<String, float[]> out = new TreeMap<>();
            state.forEach((name, t) -> out.put(name, t.toFloatArray()));
            return out;
        }
    }
}
