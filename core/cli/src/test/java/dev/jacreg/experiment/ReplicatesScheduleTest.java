package dev.jacreg.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.TrainingConfig;
import dev.jacreg.train.TrainingResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Replicates} schedules nets, not seeds: with 3 seeds × 2 models on 2 workers, every seed's nets are queued at
 * the start in seed order, so the last seed's nets train while the first seeds are still being reported (the old
 * scheduling, one replicate per thread, would have left them waiting), and every net ends with the weights and
 * numbers it gets when its seed runs alone, one net after the other.
 */
class ReplicatesScheduleTest {
    private static final List<Long> SEEDS = List.of(0L, 1L, 2L);
    private static final long LAST = 2;

    @TempDir
    Path dir;

    @Test
    void laterSeedsNetsDoNotWaitForEarlierSeedsAndTrainAsTheyWouldAlone() throws Exception {
        ExperimentConfig config = new ExperimentConfig(TrainingConfig.builder().epochs(1).build(), JacobianPenalty.reference(),
                new DataSource.Synthetic(128, 40, dir.resolve("cache")), dir.resolve("out"), new double[]{0, 0.3}, 0.15, 50,
                DType.FLOAT32, 0);
        List<Long> trainingBegan = Collections.synchronizedList(new ArrayList<>());
        List<String> trainingThreads = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch lastSeedTrained = new CountDownLatch(2);
        Replicates replicates = new Replicates(config, SEEDS, 2, 1, seed -> new ExperimentListener() {
            @Override
            public void phase(String description) {
                if (description.startsWith("training")) trainingBegan.add(seed);
            }

            @Override
            public void trainingEnded(String net, TrainingResult result) {
                trainingThreads.add(Thread.currentThread().getName());
                if (seed == LAST) lastSeedTrained.countDown();
            }
        }, () -> false);

        Map<Long, Boolean> lastTrainedDuringReport = new ConcurrentHashMap<>();
        Map<String, float[]> weights = new ConcurrentHashMap<>();
        Map<Long, ExperimentResult> results = new ConcurrentHashMap<>();
        Replicates.Outcome outcome = replicates.run((seed, o, pool) -> {
            // The first two seeds' reports wait for the last seed's nets: they must train meanwhile, on free workers.
            if (seed != LAST) {
                try {
                    lastTrainedDuringReport.put(seed, lastSeedTrained.await(10, TimeUnit.MINUTES));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            weights.putAll(weightsOf(seed, o.nets()));
            results.put(seed, o.result());
        });

        assertEquals(Map.of(0L, true, 1L, true), lastTrainedDuringReport,
                "the last seed's nets waited for the reports of the first seeds");
        assertEquals(SEEDS, trainingBegan, "the seeds' nets begin training in seed order");
        assertEquals(6, trainingThreads.size());
        assertTrue(trainingThreads.stream().allMatch(t -> t.startsWith("jacreg-worker-")), trainingThreads.toString());
        assertEquals(SEEDS, outcome.runs().stream().map(Replicates.Run::seed).toList());
        assertEquals(List.of(), outcome.skipped());

        // Sequential truth: each seed alone, its nets one after the other on this thread.
        DigitDataset[] sets = new ExperimentSpec(config).loadData();
        List<ModelRecipe> models = ModelCatalog.parse(ModelCatalog.DEFAULT, ModelCatalog.RecipeSettings.of(config));
        Map<String, float[]> alone = new TreeMap<>();
        for (long seed : SEEDS) {
            try (Experiment.Outcome o = new Experiment(config.withSeed(seed), models, ExperimentListener.SILENT, () -> false,
                    WorkerPool.inline()).run(sets)) {
                alone.putAll(weightsOf(seed, o.nets()));
                ExperimentResult r = o.result(), replicate = results.get(seed);
                for (String name : r.names()) {
                    assertArrayEquals(r.model(name).accuracy(), replicate.model(name).accuracy(), "seed " + seed + " " + name);
                    assertEquals(r.model(name).jacobianNorm(), replicate.model(name).jacobianNorm(), "seed " + seed + " " + name);
                }
            }
        }
        assertEquals(alone.keySet(), new TreeMap<>(weights).keySet());
        for (String name : alone.keySet()) assertArrayEquals(alone.get(name), weights.get(name), name);
        // Not equal by accident: the seeds' nets differ.
        assertTrue(!java.util.Arrays.equals(alone.get("0/jacobian/conv1.weight"), alone.get("1/jacobian/conv1.weight")));
    }

    /** Every parameter and buffer of each net, as "seed/net/tensor". */
    private static Map<String, float[]> weightsOf(long seed, Map<String, Sequential> nets) {
        Map<String, float[]> out = new TreeMap<>();
        nets.forEach((net, model) -> {
            Map<String, Tensor> state = new TreeMap<>(model.parameters());
            state.putAll(model.buffers());
            state.forEach((name, t) -> out.put(seed + "/" + net + "/" + name, t.toFloatArray()));
        });
        return out;
    }
}
